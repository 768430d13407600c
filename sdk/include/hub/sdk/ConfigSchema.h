// Typed declaration of a config section: what keys exist, their types, defaults and ranges.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <Poco/Dynamic/Var.h>

#include "hub/sdk/Export.h"

namespace hub {
namespace sdk {
inline namespace v1 {

class ConfigView;

/// Type of one config key.
enum class ConfigType { Bool, Int, Double, String, StringList, Object };

/**
 * One key. Built fluently: `schema.integer("max_upload_mb").min(1).defaultValue(50)`.
 * `Object` keys hold free-form maps (e.g. provider tables) and are passed through as JSON.
 */
class HUB_SDK_API ConfigField {
public:
    ConfigField(std::string name, ConfigType type);
    ~ConfigField();

    ConfigField& defaultValue(const Poco::Dynamic::Var& v);
    ConfigField& required();
    ConfigField& min(double v);
    ConfigField& max(double v);
    ConfigField& oneOf(std::vector<std::string> allowed);
    ConfigField& description(std::string text);
    /// Marks a secret: its value is never printed in errors or logs.
    ConfigField& secret();

    const std::string& name() const { return name_; }
    ConfigType type() const { return type_; }
    const std::optional<Poco::Dynamic::Var>& defaultVal() const { return default_; }
    bool isRequired() const { return required_; }
    const std::optional<double>& minVal() const { return min_; }
    const std::optional<double>& maxVal() const { return max_; }
    const std::vector<std::string>& allowed() const { return allowed_; }
    const std::string& descriptionText() const { return description_; }
    bool isSecret() const { return secret_; }

private:
    std::string name_;
    ConfigType type_;
    std::optional<Poco::Dynamic::Var> default_;
    bool required_ = false;
    std::optional<double> min_;
    std::optional<double> max_;
    std::vector<std::string> allowed_;
    std::string description_;
    bool secret_ = false;
};

/**
 * A section: keys plus nested sections plus cross-field checks. The core validates the YAML
 * against it, fills defaults, rejects unknown keys, and reports every error with its full
 * path. Built once at start-up; read-only afterwards.
 */
class HUB_SDK_API ConfigSchema {
public:
    /// A cross-field check: returns error messages (empty when fine).
    using Check = std::function<std::vector<std::string>(const ConfigView&)>;

    ConfigSchema();
    ~ConfigSchema();
    ConfigSchema(const ConfigSchema&) = delete;
    ConfigSchema& operator=(const ConfigSchema&) = delete;

    ConfigField& boolean(const std::string& name);
    ConfigField& integer(const std::string& name);
    ConfigField& number(const std::string& name);
    ConfigField& string(const std::string& name);
    ConfigField& stringList(const std::string& name);
    ConfigField& object(const std::string& name);
    /// A nested section; created on first use.
    ConfigSchema& section(const std::string& name);
    void check(Check fn);

    const std::vector<std::unique_ptr<ConfigField>>& fields() const { return fields_; }
    const std::vector<std::pair<std::string, std::unique_ptr<ConfigSchema>>>& sections() const {
        return sections_;
    }
    const std::vector<Check>& checks() const { return checks_; }
    const ConfigField* findField(const std::string& name) const;
    const ConfigSchema* findSection(const std::string& name) const;

private:
    ConfigField& add(const std::string& name, ConfigType type);

    std::vector<std::unique_ptr<ConfigField>> fields_;
    std::vector<std::pair<std::string, std::unique_ptr<ConfigSchema>>> sections_;
    std::vector<Check> checks_;
};

}  // namespace v1
}  // namespace sdk
}  // namespace hub
