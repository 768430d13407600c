#include "hub/sdk/BodyValidator.h"

#include <cctype>
#include <cmath>
#include <cstdint>
#include <limits>
#include <regex>

#include <Poco/DateTime.h>
#include <Poco/DateTimeFormat.h>
#include <Poco/DateTimeParser.h>

#include "hub/sdk/Error.h"
#include "hub/sdk/Json.h"

namespace hub {
namespace sdk {
inline namespace v1 {
namespace {

bool isInteger(const Poco::Dynamic::Var& v) {
    return v.isInteger() && !v.isBoolean();
}

/// Secrets never travel back in an error: fields named like a password are masked.
bool isSecretField(const std::string& name) {
    std::string lower;
    for (char c : name) lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return lower.find("password") != std::string::npos || lower.find("secret") != std::string::npos ||
           lower.find("token") != std::string::npos || lower == "api_key";
}

Poco::Dynamic::Var redacted(const std::string& field, const Poco::Dynamic::Var& v) {
    return isSecretField(field) ? Poco::Dynamic::Var(std::string("[redacted]")) : v;
}

Poco::JSON::Object::Ptr redactedBody(const Poco::JSON::Object::Ptr& body) {
    auto copy = json::object();
    for (const auto& key : body->getNames()) copy->set(key, redacted(key, body->get(key)));
    return copy;
}

}  // namespace

BodyValidator::BodyValidator(Poco::JSON::Object::Ptr body)
    : body_(std::move(body)), errors_(json::array()) {}
BodyValidator::~BodyValidator() = default;

bool BodyValidator::has(const std::string& field) const {
    return body_->has(field) && !body_->isNull(field);
}

void BodyValidator::fail(const std::string& field, const std::string& type,
                         const std::string& message) {
    auto item = json::object();
    item->set("type", type);
    auto loc = json::array();
    loc->add("body");
    loc->add(field);
    item->set("loc", loc);
    item->set("msg", message);
    item->set("input", body_->has(field) ? redacted(field, body_->get(field)) : Poco::Dynamic::Var(redactedBody(body_)));
    errors_->add(item);
}

std::string BodyValidator::requiredString(const std::string& field, std::size_t maxLength) {
    if (!body_->has(field)) {
        fail(field, "missing", "Field required");
        return {};
    }
    auto v = body_->get(field);
    if (!v.isString()) {
        fail(field, "string_type", "Input should be a valid string");
        return {};
    }
    std::string s = v.convert<std::string>();
    if (s.size() > maxLength) {
        fail(field, "string_too_long",
             "String should have at most " + std::to_string(maxLength) + " bytes");
        return {};
    }
    return s;
}

std::optional<std::string> BodyValidator::optionalString(const std::string& field,
                                                         std::size_t maxLength) {
    if (!has(field)) {
        return std::nullopt;
    }
    auto s = requiredString(field, maxLength);
    return s;
}

int64_t BodyValidator::requiredInt(const std::string& field, int64_t min, int64_t max) {
    if (!body_->has(field)) {
        fail(field, "missing", "Field required");
        return 0;
    }
    auto r = optionalInt(field, min, max);
    if (!r && body_->isNull(field)) {
        fail(field, "int_type", "Input should be a valid integer");
    }
    return r.value_or(0);
}

std::optional<int64_t> BodyValidator::optionalInt(const std::string& field, int64_t min,
                                                  int64_t max) {
    if (!has(field)) {
        return std::nullopt;
    }
    auto v = body_->get(field);
    int64_t n = 0;
    if (isInteger(v)) {
        // POCO parses integers past INT64_MAX as unsigned: out of any range we accept.
        if (v.type() == typeid(Poco::UInt64) && v.extract<Poco::UInt64>() > static_cast<Poco::UInt64>(INT64_MAX)) {
            fail(field, "range", "Input should be between " + std::to_string(min) + " and " + std::to_string(max));
            return std::nullopt;
        }
        n = v.convert<int64_t>();
    } else if (v.isNumeric() && !v.isBoolean()) {
        double d = v.convert<double>();
        if (std::floor(d) != d || std::fabs(d) > 9.0e15) {
            fail(field, "int_from_float", "Input should be a valid integer");
            return std::nullopt;
        }
        n = static_cast<int64_t>(d);
    } else {
        fail(field, "int_type", "Input should be a valid integer");
        return std::nullopt;
    }
    if (n < min || n > max) {
        fail(field, "range",
             "Input should be between " + std::to_string(min) + " and " + std::to_string(max));
        return std::nullopt;
    }
    return n;
}

std::optional<double> BodyValidator::optionalNumber(const std::string& field) {
    if (!has(field)) {
        return std::nullopt;
    }
    auto v = body_->get(field);
    if (!v.isNumeric() || v.isBoolean()) {
        fail(field, "float_type", "Input should be a valid number");
        return std::nullopt;
    }
    return v.convert<double>();
}

std::optional<bool> BodyValidator::optionalBool(const std::string& field) {
    if (!has(field)) {
        return std::nullopt;
    }
    auto v = body_->get(field);
    if (!v.isBoolean()) {
        fail(field, "bool_type", "Input should be a valid boolean");
        return std::nullopt;
    }
    return v.convert<bool>();
}

std::optional<int64_t> BodyValidator::optionalTimestamp(const std::string& field, int64_t futureAfter) {
    if (!has(field)) return std::nullopt;
    auto value = body_->get(field);
    int64_t micros = 0;
    if (value.isNumeric() && !value.isBoolean()) {
        // Epoch seconds; anything past year 9999 is refused before it can overflow.
        double seconds = value.convert<double>();
        if (!(seconds > 0 && seconds < 253402300800.0)) {
            fail(field, "datetime_parsing", "Input should be an ISO-8601 datetime or epoch seconds");
            return std::nullopt;
        }
        micros = static_cast<int64_t>(seconds * 1e6);
    } else if (value.isString()) {
        // Poco's ISO parser skips junk it does not understand; accept only the strict forms.
        static const std::regex iso(R"(^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})?$)");
        std::string text = value.convert<std::string>();
        Poco::DateTime dt;
        int tz = 0;
        std::string normalised = text;
        if (std::regex_match(text, iso) && normalised.find_first_of("Z+-", 19) == std::string::npos) normalised += "Z";
        if (!std::regex_match(text, iso) ||
            !(Poco::DateTimeParser::tryParse(Poco::DateTimeFormat::ISO8601_FRAC_FORMAT, normalised, dt, tz) ||
              Poco::DateTimeParser::tryParse(Poco::DateTimeFormat::ISO8601_FORMAT, normalised, dt, tz))) {
            fail(field, "datetime_parsing", "Input should be an ISO-8601 datetime or epoch seconds");
            return std::nullopt;
        }
        dt.makeUTC(tz);
        micros = dt.timestamp().epochMicroseconds();
    } else {
        fail(field, "datetime_type", "Input should be an ISO-8601 datetime or epoch seconds");
        return std::nullopt;
    }
    if (futureAfter > 0 && micros <= futureAfter) {
        fail(field, "datetime_future", field + " must be in the future");
        return std::nullopt;
    }
    return micros;
}

Poco::JSON::Array::Ptr BodyValidator::optionalArray(const std::string& field) {
    if (!has(field)) {
        return nullptr;
    }
    auto v = body_->get(field);
    if (v.type() != typeid(Poco::JSON::Array::Ptr)) {
        fail(field, "list_type", "Input should be a valid list");
        return nullptr;
    }
    return v.extract<Poco::JSON::Array::Ptr>();
}

Poco::JSON::Object::Ptr BodyValidator::optionalObject(const std::string& field) {
    if (!has(field)) {
        return nullptr;
    }
    auto v = body_->get(field);
    if (v.type() != typeid(Poco::JSON::Object::Ptr)) {
        fail(field, "dict_type", "Input should be a valid dictionary");
        return nullptr;
    }
    return v.extract<Poco::JSON::Object::Ptr>();
}

void BodyValidator::finish() const {
    if (errors_->size() == 0) {
        return;
    }
    auto first = errors_->getObject(0);
    auto loc = first->getArray("loc");
    std::string field = loc->size() > 1 ? loc->getElement<std::string>(1) : "body";
    ValidationError e(field + ": " + first->getValue<std::string>("msg"));
    e.withDetail(errors_);
    throw e;
}

}  // namespace v1
}  // namespace sdk
}  // namespace hub
