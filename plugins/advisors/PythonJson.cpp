#include "PythonJson.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>

#include "hub/sdk/Json.h"

namespace hub::plugins::advisors {
namespace {

void write(const Poco::Dynamic::Var& v, std::string& out) {
    if (v.isEmpty()) {
        out += "null";
    } else if (v.type() == typeid(Poco::JSON::Object::Ptr)) {
        const auto& o = v.extract<Poco::JSON::Object::Ptr>();
        if (o.isNull()) {
            out += "null";
            return;
        }
        out += '{';
        bool first = true;
        for (const auto& name : o->getNames()) {  // insertion order for order-keeping objects
            if (!first) out += ',';
            first = false;
            out += sdk::json::quote(name);
            out += ':';
            write(o->get(name), out);
        }
        out += '}';
    } else if (v.type() == typeid(Poco::JSON::Array::Ptr)) {
        const auto& a = v.extract<Poco::JSON::Array::Ptr>();
        if (a.isNull()) {
            out += "null";
            return;
        }
        out += '[';
        for (std::size_t i = 0; i < a->size(); ++i) {
            if (i > 0) out += ',';
            write(a->get(static_cast<unsigned>(i)), out);
        }
        out += ']';
    } else if (v.isString()) {
        out += sdk::json::quote(v.convert<std::string>());
    } else if (v.isBoolean()) {
        out += v.convert<bool>() ? "true" : "false";
    } else if (v.type() == typeid(double) || v.type() == typeid(float)) {
        out += pythonFloat(v.convert<double>());
    } else {
        out += sdk::json::stringify(v);  // integers, and anything exotic the same way as the core
    }
}

}  // namespace

std::string pythonFloat(double value) {
    if (std::isnan(value)) return "NaN";
    if (std::isinf(value)) return value > 0 ? "Infinity" : "-Infinity";
    // The shortest "%e" form that reads back as the same double: Python's repr digits.
    char buf[40];
    for (int precision = 0; precision < 17; ++precision) {
        std::snprintf(buf, sizeof buf, "%.*e", precision, value);
        if (std::strtod(buf, nullptr) == value) break;
    }
    std::string s(buf);
    bool negative = s[0] == '-';
    if (negative) s.erase(0, 1);
    auto e = s.find('e');
    int exponent = std::atoi(s.c_str() + e + 1);
    std::string digits;
    for (char c : s.substr(0, e)) {
        if (c != '.') digits += c;
    }
    while (digits.size() > 1 && digits.back() == '0') digits.pop_back();

    std::string out = negative ? "-" : "";
    if (exponent < -4 || exponent >= 16) {
        out += digits.substr(0, 1);
        if (digits.size() > 1) out += "." + digits.substr(1);
        std::string exp = std::to_string(std::abs(exponent));
        if (exp.size() < 2) exp = "0" + exp;
        out += (exponent < 0 ? "e-" : "e+") + exp;
    } else if (exponent < 0) {
        out += "0." + std::string(static_cast<std::size_t>(-exponent - 1), '0') + digits;
    } else {
        auto intLen = static_cast<std::size_t>(exponent) + 1;
        if (digits.size() <= intLen) {
            out += digits + std::string(intLen - digits.size(), '0') + ".0";
        } else {
            out += digits.substr(0, intLen) + "." + digits.substr(intLen);
        }
    }
    return out;
}

std::string toPythonJson(const Poco::Dynamic::Var& value) {
    std::string out;
    write(value, out);
    return out;
}

}  // namespace hub::plugins::advisors
