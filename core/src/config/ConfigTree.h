// The raw configuration as a JSON tree (from YAML, --set and flags), with source lines.
#pragma once

#include <map>
#include <string>
#include <vector>

#include <Poco/JSON/Object.h>

namespace hub::core {

/// A config error with the full dotted key path ("plugins.files.config.max_upload_mb").
struct ConfigError {
    std::string path;
    std::string message;
    std::string location;  ///< "config/hubd.yaml:12" when known

    std::string toString() const;
};

/**
 * The merged configuration before validation. Scalars from YAML are typed by YAML's core
 * schema (quoted scalars stay strings). Keeps the source line of every key for messages.
 */
class ConfigTree {
public:
    ConfigTree();

    /// Parses a YAML file; duplicate keys and YAML syntax errors are appended to `errors`.
    void loadYamlFile(const std::string& path, std::vector<ConfigError>& errors);
    /// Parses YAML text (for tests and --set values).
    void loadYamlText(const std::string& text, const std::string& sourceName,
                      std::vector<ConfigError>& errors);
    /// Applies `dotted.key=value` (value parsed as a YAML scalar/flow value).
    void applyOverride(const std::string& assignment, std::vector<ConfigError>& errors);
    /// Sets a value at a dotted path, creating sections as needed.
    void set(const std::string& dottedPath, const Poco::Dynamic::Var& value);

    const Poco::JSON::Object::Ptr& root() const { return root_; }
    std::string locationOf(const std::string& dottedPath) const;

private:
    Poco::JSON::Object::Ptr root_;
    std::map<std::string, std::string> locations_;
};

}  // namespace hub::core
