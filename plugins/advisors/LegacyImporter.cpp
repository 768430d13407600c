#include "LegacyImporter.h"

#include <algorithm>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "AdvisorInput.h"
#include <Poco/String.h>

#include "hub/sdk/Error.h"
#include "hub/sdk/Json.h"
#include "hub/sdk/Text.h"

namespace hub::plugins::advisors {
namespace {

namespace fs = std::filesystem;

/// Legacy prompts are a few KiB; anything far larger is not an advisor file.
constexpr std::uintmax_t kMaxFileBytes = 1024 * 1024;
constexpr const char* kLegacyDefaultModel = "openai/gpt-4o-mini";

/// A reason to skip one file (the run goes on with the next).
class Skip : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};
/// §8: the display name is the file stem with `_` turned into spaces.
std::string displayName(const std::string& stem) {
    std::string name = stem;
    std::replace(name.begin(), name.end(), '_', ' ');
    return name;
}

std::string readFile(const fs::path& path) {
    std::error_code ec;
    auto size = fs::file_size(path, ec);
    if (ec) throw Skip("cannot read: " + ec.message());
    if (size > kMaxFileBytes) throw Skip("larger than 1 MiB, not an advisor file");
    std::ifstream in(path, std::ios::binary);
    if (!in) throw Skip("cannot read");
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (!sdk::text::isValidUtf8(text)) throw Skip("not UTF-8 text");
    if (text.rfind("\xEF\xBB\xBF", 0) == 0) text.erase(0, 3);  // a BOM from Windows editors
    return text;
}

/// "field: message; field: message" from a ValidationError's pydantic list.
std::string describe(const sdk::Error& e) {
    std::string out;
    try {
        auto list = e.detail().extract<Poco::JSON::Array::Ptr>();
        for (std::size_t i = 0; i < list->size(); ++i) {
            auto item = list->getObject(static_cast<unsigned>(i));
            auto loc = item->getArray("loc");
            if (!out.empty()) out += "; ";
            if (loc && loc->size() > 1) out += loc->get(1).convert<std::string>() + ": ";
            out += item->getValue<std::string>("msg");
        }
    } catch (const std::exception&) {
        out = e.what();
    }
    return out.empty() ? e.what() : out;
}

/// One front-matter value converted to the JSON type AdvisorCreate expects.
enum class Kind { String, Number, Integer, Boolean, StringList };

Poco::Dynamic::Var fromYaml(const std::string& key, const YAML::Node& node, Kind kind) {
    try {
        switch (kind) {
            case Kind::String:
                if (!node.IsScalar()) break;
                return node.as<std::string>();
            case Kind::Number:
                if (!node.IsScalar()) break;
                return node.as<double>();
            case Kind::Integer:
                if (!node.IsScalar()) break;
                return static_cast<Poco::Int64>(node.as<long long>());
            case Kind::Boolean:
                if (!node.IsScalar()) break;
                return node.as<bool>();
            case Kind::StringList: {
                if (!node.IsSequence()) break;
                auto list = sdk::json::array();
                for (const auto& item : node) {
                    if (!item.IsScalar()) throw Skip("front matter: " + key + " should be a list of names");
                    list->add(item.as<std::string>());
                }
                return list;
            }
        }
    } catch (const YAML::Exception&) {
    }
    static const char* what[] = {"a string", "a number", "an integer", "true or false", "a list of names"};
    throw Skip("front matter: " + key + " should be " + what[static_cast<int>(kind)]);
}

}  // namespace

LegacyImporter::LegacyImporter(AdvisorStore& store, std::string defaultGateway)
    : store_(store), defaultGateway_(std::move(defaultGateway)) {}

Poco::JSON::Object::Ptr LegacyImporter::bodyFromJson(const std::string& stem, const std::string& text) {
    Poco::JSON::Object::Ptr legacy;
    try {
        legacy = sdk::json::parseStrictObject(text);
    } catch (const sdk::Error& e) {
        if (e.code() == "body_not_object") throw Skip("not a JSON object");
        std::string reason = e.what();
        const std::string prefix = "Invalid JSON body: ";
        if (reason.rfind(prefix, 0) == 0) reason = reason.substr(prefix.size());
        throw Skip("malformed JSON (" + reason + ")");
    }
    if (!legacy->has("messages") || legacy->isNull("messages")) throw Skip("missing messages");
    auto present = [&](const char* key) { return legacy->has(key) && !legacy->isNull(key); };

    auto body = sdk::json::object();
    body->set("name", displayName(stem));
    if (legacy->has("description")) body->set("description", legacy->get("description"));
    body->set("model", present("model") ? legacy->get("model") : Poco::Dynamic::Var(kLegacyDefaultModel));
    for (const char* key :
         {"temperature", "stream", "gateway", "top_p", "frequency_penalty", "presence_penalty"}) {
        if (present(key)) body->set(key, legacy->get(key));
    }
    // HubGPT's migration ignored the legacy key for JSON files; the Streamlit app used it.
    if (present("max_tokens")) {
        body->set("max_tokens", legacy->get("max_tokens"));
    } else if (present("max_output_tokens")) {
        body->set("max_tokens", legacy->get("max_output_tokens"));
    }
    body->set("messages", legacy->get("messages"));
    body->set("tools", present("tools") ? legacy->get("tools") : Poco::Dynamic::Var(sdk::json::array()));
    return body;
}

Poco::JSON::Object::Ptr LegacyImporter::bodyFromMarkdown(const std::string& stem, const std::string& raw) {
    std::string text = sdk::text::universalNewlines(raw);
    // Front matter sits between a first line `---` and the next line `---`.
    std::istringstream lines(text);
    std::string line;
    if (!std::getline(lines, line) || Poco::trim(line) != "---") throw Skip("no YAML front matter (--- lines)");
    std::string front;
    bool closed = false;
    while (std::getline(lines, line)) {
        if (Poco::trim(line) == "---") {
            closed = true;
            break;
        }
        front += line + "\n";
    }
    if (!closed) throw Skip("YAML front matter is not closed by a --- line");
    std::string rest;
    auto pos = lines.tellg();
    if (pos >= 0) rest = text.substr(static_cast<std::size_t>(pos));
    std::string prompt = Poco::trim(rest);
    if (prompt.empty()) throw Skip("missing messages (the prompt after the front matter is empty)");

    YAML::Node meta;
    try {
        meta = YAML::Load(front);
    } catch (const YAML::Exception& e) {
        throw Skip("malformed YAML front matter (" + e.msg + ")");
    }
    if (meta && !meta.IsNull() && !meta.IsMap()) throw Skip("YAML front matter is not a mapping");

    auto body = sdk::json::object();
    body->set("name", displayName(stem));
    body->set("model", kLegacyDefaultModel);
    body->set("tools", sdk::json::array());
    auto set = [&](const char* key, const char* target, Kind kind) {
        if (!meta || !meta.IsMap()) return;
        const YAML::Node& map = meta;  // const lookup: never inserts the key
        YAML::Node value = map[key];
        if (!value || value.IsNull()) return;
        body->set(target, fromYaml(key, value, kind));
    };
    set("description", "description", Kind::String);
    set("model", "model", Kind::String);
    set("temperature", "temperature", Kind::Number);
    set("max_output_tokens", "max_tokens", Kind::Integer);
    set("max_tokens", "max_tokens", Kind::Integer);  // the newer key wins when both are given
    set("stream", "stream", Kind::Boolean);
    set("gateway", "gateway", Kind::String);
    set("tools", "tools", Kind::StringList);
    set("top_p", "top_p", Kind::Number);
    set("frequency_penalty", "frequency_penalty", Kind::Number);
    set("presence_penalty", "presence_penalty", Kind::Number);

    // Like HubGPT's migration (not the Streamlit loader): the whole body is one system message,
    // `::role::` blocks included, include tags verbatim.
    auto message = sdk::json::object();
    message->set("role", "system");
    message->set("content", prompt);
    auto messages = sdk::json::array();
    messages->add(message);
    body->set("messages", messages);
    return body;
}

ImportSummary LegacyImporter::run(const fs::path& dir, const std::string& userId, std::ostream& out) {
    std::vector<fs::path> files;
    for (const auto& entry : fs::directory_iterator(dir)) {
        std::error_code ec;
        if (!entry.is_regular_file(ec)) continue;
        auto ext = entry.path().extension().string();
        if (ext == ".json" || ext == ".md") files.push_back(entry.path());
    }
    std::sort(files.begin(), files.end(),
              [](const fs::path& a, const fs::path& b) { return a.filename().string() < b.filename().string(); });

    ImportSummary summary;
    for (const auto& path : files) {
        std::string file = path.filename().string();
        try {
            std::string text = readFile(path);
            std::string stem = path.stem().string();
            auto body = path.extension() == ".json" ? bodyFromJson(stem, text) : bodyFromMarkdown(stem, text);
            Advisor input;
            try {
                input = parseAdvisorBody(body, defaultGateway_);
            } catch (const sdk::ValidationError& e) {
                throw Skip("invalid advisor: " + describe(e));
            }
            if (store_.nameTaken(userId, input.name)) throw Skip("advisor '" + input.name + "' already exists");
            try {
                store_.create(userId, input);
            } catch (const sdk::Conflict&) {
                throw Skip("advisor '" + input.name + "' already exists");
            }
            out << "imported " << input.name << "\n";
            ++summary.imported;
        } catch (const Skip& e) {
            out << "skipped " << file << ": " << e.what() << "\n";
            ++summary.skipped;
        }
    }
    out << "imported " << summary.imported << ", skipped " << summary.skipped << "\n";
    return summary;
}

}  // namespace hub::plugins::advisors
