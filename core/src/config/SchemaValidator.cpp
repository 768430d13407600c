#include "config/SchemaValidator.h"

#include <algorithm>
#include <cmath>
#include <sstream>

#include <Poco/JSON/Array.h>

#include "hub/sdk/ConfigView.h"
#include "hub/sdk/Json.h"

namespace hub::core {
namespace {

using sdk::ConfigType;

const char* typeName(ConfigType t) {
    switch (t) {
        case ConfigType::Bool: return "a boolean (true/false)";
        case ConfigType::Int: return "an integer";
        case ConfigType::Double: return "a number";
        case ConfigType::String: return "a string";
        case ConfigType::StringList: return "a list of strings";
        case ConfigType::Object: return "a map";
    }
    return "?";
}

std::string formatNumber(double v) {
    std::ostringstream out;
    if (std::floor(v) == v && std::fabs(v) < 1e15) {
        out << static_cast<long long>(v);
    } else {
        out << v;
    }
    return out.str();
}

bool isScalar(const Poco::Dynamic::Var& v) {
    return !v.isEmpty() && (v.isString() || v.isNumeric() || v.isBoolean());
}

/// Returns the coerced value or an empty Var (with an error recorded) when the type is wrong.
Poco::Dynamic::Var coerce(const Poco::Dynamic::Var& v, const sdk::ConfigField& f, bool& ok) {
    ok = true;
    switch (f.type()) {
        case ConfigType::Bool:
            if (v.isBoolean()) return v;
            break;
        case ConfigType::Int:
            if (v.isInteger() && !v.isBoolean()) return v.convert<Poco::Int64>();
            break;
        case ConfigType::Double:
            if (v.isNumeric() && !v.isBoolean()) return v.convert<double>();
            break;
        case ConfigType::String:
            if (isScalar(v)) return v.convert<std::string>();
            break;
        case ConfigType::StringList:
            if (v.type() == typeid(Poco::JSON::Array::Ptr)) {
                auto in = v.extract<Poco::JSON::Array::Ptr>();
                auto out = sdk::json::array();
                for (std::size_t i = 0; i < in->size(); ++i) {
                    if (!isScalar(in->get(i))) {
                        ok = false;
                        return {};
                    }
                    out->add(in->get(i).convert<std::string>());
                }
                return out;
            }
            break;
        case ConfigType::Object:
            if (v.type() == typeid(Poco::JSON::Object::Ptr)) return v;
            break;
    }
    ok = false;
    return {};
}

}  // namespace

Poco::JSON::Object::Ptr SchemaValidator::validate(const Poco::JSON::Object::Ptr& input,
                                                  const sdk::ConfigSchema& schema,
                                                  const std::string& path, const ConfigTree& tree,
                                                  std::vector<ConfigError>& errors,
                                                  const std::vector<std::string>& ignoreKeys) {
    auto out = sdk::json::object();
    auto full = [&](const std::string& key) { return path.empty() ? key : path + "." + key; };
    auto report = [&](const std::string& key, const std::string& msg) {
        errors.push_back({full(key), msg, tree.locationOf(full(key))});
    };

    if (input) {
        for (const auto& key : input->getNames()) {
            if (std::find(ignoreKeys.begin(), ignoreKeys.end(), key) != ignoreKeys.end()) {
                continue;
            }
            if (schema.findField(key) == nullptr && schema.findSection(key) == nullptr) {
                std::string known;
                for (const auto& f : schema.fields()) known += (known.empty() ? "" : ", ") + f->name();
                for (const auto& [n, s] : schema.sections()) known += (known.empty() ? "" : ", ") + n;
                report(key, "unknown key" + (known.empty() ? std::string(" (this section takes no keys)")
                                                          : " (known keys: " + known + ")"));
            }
        }
    }

    for (const auto& fp : schema.fields()) {
        const sdk::ConfigField& f = *fp;
        Poco::Dynamic::Var raw;
        if (input && input->has(f.name())) {
            raw = input->get(f.name());
        }
        if (raw.isEmpty()) {
            if (f.isRequired()) {
                report(f.name(), "is required");
            } else if (f.defaultVal()) {
                out->set(f.name(), *f.defaultVal());
            } else {
                out->set(f.name(), Poco::Dynamic::Var());
            }
            continue;
        }
        bool ok = false;
        Poco::Dynamic::Var value = coerce(raw, f, ok);
        if (!ok) {
            std::string shown = f.isSecret() ? "<secret>" : sdk::json::stringify(raw);
            report(f.name(), std::string("must be ") + typeName(f.type()) + ", got " + shown);
            continue;
        }
        if (f.type() == ConfigType::Int || f.type() == ConfigType::Double) {
            double d = value.convert<double>();
            if (f.minVal() && d < *f.minVal()) {
                report(f.name(), "must be >= " + formatNumber(*f.minVal()));
                continue;
            }
            if (f.maxVal() && d > *f.maxVal()) {
                report(f.name(), "must be <= " + formatNumber(*f.maxVal()));
                continue;
            }
        }
        if (f.type() == ConfigType::String && !f.allowed().empty()) {
            std::string s = value.convert<std::string>();
            if (std::find(f.allowed().begin(), f.allowed().end(), s) == f.allowed().end()) {
                std::string list;
                for (const auto& a : f.allowed()) list += (list.empty() ? "" : ", ") + a;
                report(f.name(), "must be one of: " + list + " (got '" + s + "')");
                continue;
            }
        }
        out->set(f.name(), value);
    }

    for (const auto& [name, sub] : schema.sections()) {
        Poco::JSON::Object::Ptr subInput;
        if (input && input->has(name) && !input->get(name).isEmpty()) {
            auto v = input->get(name);
            if (v.type() != typeid(Poco::JSON::Object::Ptr)) {
                report(name, "must be a map");
                continue;
            }
            subInput = v.extract<Poco::JSON::Object::Ptr>();
        }
        out->set(name, validate(subInput, *sub, full(name), tree, errors));
    }

    std::size_t before = errors.size();
    bool sectionValid = true;
    for (std::size_t i = 0; i < before; ++i) {
        // This section or one nested in it ("server.x"), not a sibling ("server_extra.x").
        const std::string& p = errors[i].path;
        if (path.empty() || p == path || p.rfind(path + ".", 0) == 0) {
            sectionValid = false;
            break;
        }
    }
    if (sectionValid) {
        sdk::ConfigView view(out);
        for (const auto& check : schema.checks()) {
            for (const auto& msg : check(view)) {
                errors.push_back({path, msg, tree.locationOf(path)});
            }
        }
    }
    return out;
}

}  // namespace hub::core
