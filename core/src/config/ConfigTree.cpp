#include "config/ConfigTree.h"

#include <fstream>
#include <iterator>
#include <set>

#include <Poco/JSON/Array.h>
#include <Poco/NumberParser.h>
#include <Poco/String.h>
#include <Poco/StringTokenizer.h>
#include <yaml-cpp/yaml.h>

#include "hub/sdk/Json.h"

namespace hub::core {
namespace {

Poco::Dynamic::Var scalarValue(const YAML::Node& node) {
    const std::string& text = node.Scalar();
    // Quoted scalars carry the non-specific tag "!": they are strings, whatever they look like.
    if (node.Tag() == "!") {
        return text;
    }
    if (text.empty() || text == "~" || text == "null" || text == "Null" || text == "NULL") {
        return Poco::Dynamic::Var();
    }
    if (text == "true" || text == "True" || text == "TRUE") {
        return true;
    }
    if (text == "false" || text == "False" || text == "FALSE") {
        return false;
    }
    Poco::Int64 i = 0;
    if (Poco::NumberParser::tryParse64(text, i)) {
        return i;
    }
    double d = 0;
    bool looksNumeric = text.find_first_not_of("0123456789+-.eE") == std::string::npos &&
                        text.find_first_of("0123456789") != std::string::npos;
    if (looksNumeric && Poco::NumberParser::tryParseFloat(text, d)) {
        return d;
    }
    return text;
}

Poco::Dynamic::Var convert(const YAML::Node& node, const std::string& path,
                           const std::string& source, std::map<std::string, std::string>& locs,
                           std::vector<ConfigError>& errors) {
    auto where = [&](const YAML::Node& n) {
        return source + ":" + std::to_string(n.Mark().line + 1);
    };
    switch (node.Type()) {
        case YAML::NodeType::Map: {
            auto obj = sdk::json::object();
            std::map<std::string, int> seen;
            for (const auto& kv : node) {
                std::string key = kv.first.as<std::string>();
                std::string childPath = path.empty() ? key : path + "." + key;
                if (seen.count(key) != 0) {
                    errors.push_back({childPath,
                                      "duplicate key (first defined at line " +
                                          std::to_string(seen[key]) + ")",
                                      where(kv.first)});
                    continue;
                }
                seen[key] = kv.first.Mark().line + 1;
                locs[childPath] = where(kv.first);
                obj->set(key, convert(kv.second, childPath, source, locs, errors));
            }
            return obj;
        }
        case YAML::NodeType::Sequence: {
            auto arr = sdk::json::array();
            int i = 0;
            for (const auto& item : node) {
                arr->add(convert(item, path + "[" + std::to_string(i++) + "]", source, locs, errors));
            }
            return arr;
        }
        case YAML::NodeType::Scalar:
            return scalarValue(node);
        default:
            return Poco::Dynamic::Var();
    }
}

void mergeInto(Poco::JSON::Object::Ptr target, const Poco::JSON::Object::Ptr& source) {
    for (const auto& key : source->getNames()) {
        auto value = source->get(key);
        if (value.type() == typeid(Poco::JSON::Object::Ptr) && target->has(key) &&
            target->get(key).type() == typeid(Poco::JSON::Object::Ptr)) {
            mergeInto(target->getObject(key), value.extract<Poco::JSON::Object::Ptr>());
        } else {
            target->set(key, value);
        }
    }
}

}  // namespace

std::string ConfigError::toString() const {
    std::string out;
    if (!location.empty()) {
        out += location + ": ";
    }
    out += path.empty() ? message : path + ": " + message;
    return out;
}

ConfigTree::ConfigTree() : root_(sdk::json::object()) {}

void ConfigTree::loadYamlText(const std::string& text, const std::string& sourceName,
                              std::vector<ConfigError>& errors) {
    YAML::Node doc;
    try {
        doc = YAML::Load(text);
    } catch (const YAML::Exception& e) {
        errors.push_back({"", e.what(), sourceName});
        return;
    }
    if (!doc || doc.IsNull()) {
        return;
    }
    if (!doc.IsMap()) {
        errors.push_back({"", "the top level must be a map of sections", sourceName});
        return;
    }
    auto tree = convert(doc, "", sourceName, locations_, errors);
    mergeInto(root_, tree.extract<Poco::JSON::Object::Ptr>());
}

void ConfigTree::loadYamlFile(const std::string& path, std::vector<ConfigError>& errors) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        errors.push_back({"", "cannot read config file", path});
        return;
    }
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    loadYamlText(text, path, errors);
}

void ConfigTree::set(const std::string& dottedPath, const Poco::Dynamic::Var& value) {
    Poco::StringTokenizer parts(dottedPath, ".");
    Poco::JSON::Object::Ptr node = root_;
    for (std::size_t i = 0; i + 1 < parts.count(); ++i) {
        if (!node->has(parts[i]) || node->get(parts[i]).type() != typeid(Poco::JSON::Object::Ptr)) {
            node->set(parts[i], sdk::json::object());
        }
        node = node->getObject(parts[i]);
    }
    node->set(parts[parts.count() - 1], value);
}

void ConfigTree::applyOverride(const std::string& assignment, std::vector<ConfigError>& errors) {
    auto eq = assignment.find('=');
    if (eq == std::string::npos || eq == 0) {
        errors.push_back({"", "--set expects dotted.key=value, got '" + assignment + "'", "--set"});
        return;
    }
    std::string key = Poco::trim(assignment.substr(0, eq));
    std::string valueText = assignment.substr(eq + 1);
    for (const auto& part : Poco::StringTokenizer(key, ".")) {
        if (part.empty()) {
            errors.push_back({key, "empty segment in key", "--set"});
            return;
        }
    }
    YAML::Node node;
    try {
        node = YAML::Load(valueText);
    } catch (const YAML::Exception& e) {
        errors.push_back({key, std::string("bad value: ") + e.what(), "--set"});
        return;
    }
    std::map<std::string, std::string> ignored;
    Poco::Dynamic::Var value = node ? convert(node, key, "--set", ignored, errors) : Poco::Dynamic::Var();
    set(key, value);
    locations_[key] = "--set";
}

std::string ConfigTree::locationOf(const std::string& dottedPath) const {
    auto it = locations_.find(dottedPath);
    return it == locations_.end() ? std::string() : it->second;
}

}  // namespace hub::core
