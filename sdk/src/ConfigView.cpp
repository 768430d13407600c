#include "hub/sdk/ConfigView.h"

#include <stdexcept>

#include <Poco/JSON/Array.h>
#include <Poco/StringTokenizer.h>

namespace hub {
namespace sdk {
inline namespace v1 {

ConfigView::ConfigView() : values_(new Poco::JSON::Object(Poco::JSON_PRESERVE_KEY_ORDER)) {}
ConfigView::ConfigView(Poco::JSON::Object::Ptr values)
    : values_(values ? std::move(values)
                     : Poco::JSON::Object::Ptr(new Poco::JSON::Object(Poco::JSON_PRESERVE_KEY_ORDER))) {}
ConfigView::~ConfigView() = default;

Poco::Dynamic::Var ConfigView::lookup(const std::string& key) const {
    Poco::JSON::Object::Ptr node = values_;
    Poco::StringTokenizer parts(key, ".");
    for (std::size_t i = 0; i < parts.count(); ++i) {
        if (!node || !node->has(parts[i])) {
            throw std::out_of_range("config key not declared: " + key);
        }
        Poco::Dynamic::Var v = node->get(parts[i]);
        if (i + 1 == parts.count()) {
            return v;
        }
        if (v.type() != typeid(Poco::JSON::Object::Ptr)) {
            throw std::out_of_range("config key not declared: " + key);
        }
        node = v.extract<Poco::JSON::Object::Ptr>();
    }
    throw std::out_of_range("config key not declared: " + key);
}

bool ConfigView::has(const std::string& key) const {
    try {
        return !lookup(key).isEmpty();
    } catch (const std::out_of_range&) {
        return false;
    }
}

bool ConfigView::getBool(const std::string& key) const {
    auto v = lookup(key);
    if (!v.isBoolean()) {
        throw std::invalid_argument("config key is not a boolean: " + key);
    }
    return v.convert<bool>();
}

int64_t ConfigView::getInt(const std::string& key) const {
    auto v = lookup(key);
    if (!v.isInteger() || v.isBoolean()) {
        throw std::invalid_argument("config key is not an integer: " + key);
    }
    return v.convert<int64_t>();
}

double ConfigView::getDouble(const std::string& key) const {
    auto v = lookup(key);
    if (!v.isNumeric() || v.isBoolean()) {
        throw std::invalid_argument("config key is not a number: " + key);
    }
    return v.convert<double>();
}

std::string ConfigView::getString(const std::string& key) const {
    auto v = lookup(key);
    if (v.isEmpty()) {
        return {};
    }
    if (!v.isString()) {
        throw std::invalid_argument("config key is not a string: " + key);
    }
    return v.convert<std::string>();
}

std::vector<std::string> ConfigView::getStringList(const std::string& key) const {
    auto v = lookup(key);
    std::vector<std::string> out;
    if (v.isEmpty()) {
        return out;
    }
    if (v.type() != typeid(Poco::JSON::Array::Ptr)) {
        throw std::invalid_argument("config key is not a list: " + key);
    }
    auto arr = v.extract<Poco::JSON::Array::Ptr>();
    for (std::size_t i = 0; i < arr->size(); ++i) {
        out.push_back(arr->get(i).convert<std::string>());
    }
    return out;
}

Poco::JSON::Object::Ptr ConfigView::getObject(const std::string& key) const {
    auto v = lookup(key);
    if (v.isEmpty()) {
        return new Poco::JSON::Object(Poco::JSON_PRESERVE_KEY_ORDER);
    }
    if (v.type() != typeid(Poco::JSON::Object::Ptr)) {
        throw std::invalid_argument("config key is not a map: " + key);
    }
    return v.extract<Poco::JSON::Object::Ptr>();
}

ConfigView ConfigView::section(const std::string& key) const { return ConfigView(getObject(key)); }

}  // namespace v1
}  // namespace sdk
}  // namespace hub
