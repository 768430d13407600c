// A few real tools for the chat plugin's tool loop: the current date and time, listing and
// reading the caller's files (through the files plugin's reader service, so the caller's own
// namespace and rights apply), and saving a snippet for the caller (through the snippets
// plugin's writer service, so the route's validation, title, tags and event apply).
#include <ctime>
#include <exception>
#include <stdexcept>
#include <string>
#include <vector>

#include "FileReader.h"
#include "SnippetWriter.h"
#include "hub/sdk/Sdk.h"

namespace hub::plugins::tools_basic {

class ToolsBasicPlugin : public sdk::Plugin {
public:
    void declareConfig(sdk::ConfigSchema& schema) const override {
        schema.integer("max_read_kb").defaultValue(64).min(1).max(4096)
            .description("Largest part of a file read_file returns to the model");
    }

    void registerComponents(sdk::Registrar& r, const sdk::ConfigView& config) override {
        maxReadBytes_ = static_cast<std::size_t>(config.getInt("max_read_kb")) * 1024;
        r.tool({"current_datetime", "The current date and time in UTC (ISO 8601) and as Unix seconds.",
                R"({"type":"object","properties":{}})", [](const sdk::ToolCall&) {
                    std::time_t t = std::time(nullptr);
                    std::tm tm{};
                    gmtime_r(&t, &tm);
                    char buf[64];
                    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
                    auto o = sdk::json::object();
                    o->set("utc", std::string(buf));
                    o->set("unix", static_cast<Poco::Int64>(t));
                    return sdk::json::stringify(o);
                }});
        r.tool({"list_files", "Lists the user's files whose path matches a glob pattern (* and ?).",
                R"({"type":"object","properties":{"pattern":{"type":"string","description":"e.g. notes/*.md"}}})",
                [this](const sdk::ToolCall& call) {
                    auto args = sdk::json::parseStrictObject(call.argumentsJson);
                    std::string pattern = args->optValue<std::string>("pattern", "*");
                    auto out = sdk::json::array();
                    if (files_) {
                        for (const auto& path : files_->match(call.caller.userId, pattern)) out->add(path);
                    }
                    auto o = sdk::json::object();
                    o->set("files", out);
                    return sdk::json::stringify(o);
                }});
        r.tool({"read_file", "Reads one of the user's text files by path.",
                R"({"type":"object","properties":{"path":{"type":"string"}},"required":["path"]})",
                [this](const sdk::ToolCall& call) {
                    auto args = sdk::json::parseStrictObject(call.argumentsJson);
                    std::string path = args->optValue<std::string>("path", "");
                    auto o = sdk::json::object();
                    auto text = files_ ? files_->readText(call.caller.userId, path, maxReadBytes_) : std::nullopt;
                    if (!text) {
                        o->set("error", "no readable text file at '" + path + "'");
                    } else {
                        o->set("path", path);
                        o->set("content", *text);
                    }
                    return sdk::json::stringify(o);
                }});
        r.tool({"create_snippet",
                 "Saves a markdown snippet (note) for the user. A first '# ' line becomes its title and "
                 "#hashtags in the content become tags.",
                 R"({"type":"object","properties":{"content":{"type":"string"},"tags":{"type":"array","items":{"type":"string"}},"source_name":{"type":"string"}},"required":["content"]})",
                 [this](const sdk::ToolCall& call) { return createSnippet(call); }});
    }

    void start(sdk::PluginContext& ctx) override {
        files_ = ctx.services().find<files::IFileReader>();
        if (!files_) ctx.logger().warning("the files plugin is not running: list_files and read_file find nothing");
        snippets_ = ctx.services().find<snippets::ISnippetWriter>();
        if (!snippets_) ctx.logger().warning("the snippets plugin is not running: create_snippet answers an error");
    }

private:
    /// create_snippet: `{"id","title"}` of the new snippet (title null when the content has
    /// none), or `{"error"}`; never throws.
    std::string createSnippet(const sdk::ToolCall& call) const {
        auto o = sdk::json::object();
        try {
            if (!snippets_) throw std::runtime_error("the snippets plugin is not running");
            auto args = sdk::json::parseStrictObject(call.argumentsJson);
            if (!args->has("content") || !args->get("content").isString()) {
                throw std::runtime_error("content: a string is required");
            }
            std::string content = args->getValue<std::string>("content");
            std::string sourceName = "chat";
            if (args->has("source_name") && !args->isNull("source_name")) {
                if (!args->get("source_name").isString()) throw std::runtime_error("source_name: should be a string");
                sourceName = args->getValue<std::string>("source_name");
            }
            std::vector<std::string> tags;
            if (args->has("tags") && !args->isNull("tags")) {
                auto list = args->getArray("tags");
                if (!list) throw std::runtime_error("tags: should be a list of strings");
                for (std::size_t i = 0; i < list->size(); ++i) {
                    auto t = list->get(static_cast<unsigned>(i));
                    if (!t.isString()) throw std::runtime_error("tags: should be a list of strings");
                    tags.push_back(t.convert<std::string>());
                }
            }
            std::string id = snippets_->create(call.caller.userId, "advisor", sourceName, content, tags);
            auto title = snippets_->title(call.caller.userId, id);
            o->set("id", id);
            o->set("title", title ? Poco::Dynamic::Var(*title) : Poco::Dynamic::Var());
        } catch (const std::exception& e) {
            o = sdk::json::object();
            o->set("error", std::string(e.what()));
        } catch (...) {
            o = sdk::json::object();
            o->set("error", std::string("the snippet could not be created"));
        }
        return sdk::json::stringify(o);
    }

    std::size_t maxReadBytes_ = 64 * 1024;
    std::shared_ptr<files::IFileReader> files_;
    std::shared_ptr<snippets::ISnippetWriter> snippets_;
};

}  // namespace hub::plugins::tools_basic

HUB_PLUGIN(hub::plugins::tools_basic::ToolsBasicPlugin, "tools_basic", "1.0.0")
