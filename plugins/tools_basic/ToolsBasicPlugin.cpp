// A few real tools for the chat plugin's tool loop: the current date and time, and listing and
// reading the caller's files (through the files plugin's reader service, so the caller's own
// namespace and rights apply).
#include <ctime>

#include "FileReader.h"
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
    }

    void start(sdk::PluginContext& ctx) override {
        files_ = ctx.services().find<files::IFileReader>();
        if (!files_) ctx.logger().warning("the files plugin is not running: list_files and read_file find nothing");
    }

private:
    std::size_t maxReadBytes_ = 64 * 1024;
    std::shared_ptr<files::IFileReader> files_;
};

}  // namespace hub::plugins::tools_basic

HUB_PLUGIN(hub::plugins::tools_basic::ToolsBasicPlugin, "tools_basic", "1.0.0")
