#include "hub/sdk/ConfigSchema.h"

#include <stdexcept>

namespace hub {
namespace sdk {
inline namespace v1 {

ConfigField::ConfigField(std::string name, ConfigType type) : name_(std::move(name)), type_(type) {}
ConfigField::~ConfigField() = default;

ConfigField& ConfigField::defaultValue(const Poco::Dynamic::Var& v) {
    default_ = v;
    return *this;
}
ConfigField& ConfigField::required() {
    required_ = true;
    return *this;
}
ConfigField& ConfigField::min(double v) {
    min_ = v;
    return *this;
}
ConfigField& ConfigField::max(double v) {
    max_ = v;
    return *this;
}
ConfigField& ConfigField::oneOf(std::vector<std::string> allowed) {
    allowed_ = std::move(allowed);
    return *this;
}
ConfigField& ConfigField::description(std::string text) {
    description_ = std::move(text);
    return *this;
}
ConfigField& ConfigField::secret() {
    secret_ = true;
    return *this;
}

ConfigSchema::ConfigSchema() = default;
ConfigSchema::~ConfigSchema() = default;

ConfigField& ConfigSchema::add(const std::string& name, ConfigType type) {
    if (findField(name) != nullptr || findSection(name) != nullptr) {
        throw std::logic_error("config key declared twice: " + name);
    }
    fields_.push_back(std::make_unique<ConfigField>(name, type));
    return *fields_.back();
}

ConfigField& ConfigSchema::boolean(const std::string& n) { return add(n, ConfigType::Bool); }
ConfigField& ConfigSchema::integer(const std::string& n) { return add(n, ConfigType::Int); }
ConfigField& ConfigSchema::number(const std::string& n) { return add(n, ConfigType::Double); }
ConfigField& ConfigSchema::string(const std::string& n) { return add(n, ConfigType::String); }
ConfigField& ConfigSchema::stringList(const std::string& n) {
    return add(n, ConfigType::StringList);
}
ConfigField& ConfigSchema::object(const std::string& n) { return add(n, ConfigType::Object); }

ConfigSchema& ConfigSchema::section(const std::string& name) {
    for (auto& [n, s] : sections_) {
        if (n == name) {
            return *s;
        }
    }
    if (findField(name) != nullptr) {
        throw std::logic_error("config key declared twice: " + name);
    }
    sections_.emplace_back(name, std::make_unique<ConfigSchema>());
    return *sections_.back().second;
}

void ConfigSchema::check(Check fn) { checks_.push_back(std::move(fn)); }

const ConfigField* ConfigSchema::findField(const std::string& name) const {
    for (const auto& f : fields_) {
        if (f->name() == name) {
            return f.get();
        }
    }
    return nullptr;
}

const ConfigSchema* ConfigSchema::findSection(const std::string& name) const {
    for (const auto& [n, s] : sections_) {
        if (n == name) {
            return s.get();
        }
    }
    return nullptr;
}

}  // namespace v1
}  // namespace sdk
}  // namespace hub
