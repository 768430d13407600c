#include "AdvisorInput.h"

#include <cmath>
#include <limits>

#include <Poco/JSON/Array.h>

#include "PythonJson.h"
#include "hub/sdk/BodyValidator.h"

namespace hub::plugins::advisors {
namespace {

constexpr std::size_t kMaxModelBytes = 200;
constexpr std::size_t kMaxGatewayBytes = 100;
constexpr std::size_t kMaxDescriptionBytes = 10000;
constexpr std::size_t kMaxToolNameBytes = 200;

bool hasControlCharacter(const std::string& s) {
    for (unsigned char c : s) {
        if (c < 0x20 || c == 0x7f) return true;
    }
    return false;
}

/// pydantic refuses null for fields typed `float`/`int`/`bool` even when they have a
/// default; BodyValidator treats null as absent, so that case is caught here first.
bool explicitNull(const Poco::JSON::Object::Ptr& body, const std::string& field) {
    return body->has(field) && body->isNull(field);
}

/// PostgreSQL's JSONB writes a float of 1e16 or more as a plain integer (1e300 as 301 digits,
/// which no JSON parser here reads back), so such numbers are refused on both databases.
bool storableNumbers(const Poco::Dynamic::Var& v) {
    if (v.type() == typeid(Poco::JSON::Object::Ptr)) {
        auto o = v.extract<Poco::JSON::Object::Ptr>();
        for (const auto& name : o->getNames()) {
            if (!storableNumbers(o->get(name))) return false;
        }
    } else if (v.type() == typeid(Poco::JSON::Array::Ptr)) {
        auto a = v.extract<Poco::JSON::Array::Ptr>();
        for (std::size_t i = 0; i < a->size(); ++i) {
            if (!storableNumbers(a->get(static_cast<unsigned>(i)))) return false;
        }
    } else if (v.type() == typeid(double)) {
        return std::fabs(v.extract<double>()) < 1e16;
    }
    return true;
}

/// An empty string, which BodyValidator's maximum-only check lets through.
bool emptyString(const Poco::JSON::Object::Ptr& body, const std::string& field) {
    return body->has(field) && body->get(field).isString() && body->get(field).convert<std::string>().empty();
}

std::optional<double> finiteNumber(sdk::BodyValidator& v, const std::string& field) {
    auto n = v.optionalNumber(field);
    if (n && !std::isfinite(*n)) {
        v.fail(field, "finite_number", "Input should be a finite number");
        return std::nullopt;
    }
    return n;
}

}  // namespace

Advisor parseAdvisorBody(const Poco::JSON::Object::Ptr& body, const std::string& defaultGateway) {
    sdk::BodyValidator v(body);
    Advisor a;

    a.name = v.requiredString("name", kMaxNameBytes);
    if (emptyString(body, "name")) {
        v.fail("name", "string_too_short", "String should have at least 1 character");
    } else if (hasControlCharacter(a.name)) {
        v.fail("name", "string_pattern_mismatch", "Name must not contain control characters");
    }

    a.description = v.optionalString("description", kMaxDescriptionBytes);

    a.model = v.requiredString("model", kMaxModelBytes);
    if (emptyString(body, "model")) {
        v.fail("model", "string_too_short", "String should have at least 1 character");
    }

    if (explicitNull(body, "temperature")) {
        v.fail("temperature", "float_type", "Input should be a valid number");
    } else if (auto t = finiteNumber(v, "temperature")) {
        a.temperature = *t;
    }

    if (explicitNull(body, "max_tokens")) {
        v.fail("max_tokens", "int_type", "Input should be a valid integer");
    } else if (auto m = v.optionalInt("max_tokens", 1, std::numeric_limits<int32_t>::max())) {
        a.maxTokens = *m;
    }

    if (explicitNull(body, "stream")) {
        v.fail("stream", "bool_type", "Input should be a valid boolean");
    } else if (auto s = v.optionalBool("stream")) {
        a.stream = *s;
    }

    if (!body->has("messages")) {
        v.fail("messages", "missing", "Field required");
    } else if (body->isNull("messages")) {
        v.fail("messages", "list_type", "Input should be a valid list");
    } else if (auto messages = v.optionalArray("messages")) {
        bool ok = true;
        for (std::size_t i = 0; i < messages->size() && ok; ++i) {
            auto item = messages->get(static_cast<unsigned>(i));
            std::string at = "messages[" + std::to_string(i) + "]";
            if (item.type() != typeid(Poco::JSON::Object::Ptr)) {
                v.fail("messages", "dict_type", at + " should be a JSON object");
                ok = false;
            } else {
                auto m = item.extract<Poco::JSON::Object::Ptr>();
                if (!m->has("role")) {
                    v.fail("messages", "missing", at + ".role: Field required");
                    ok = false;
                } else if (!m->get("role").isString()) {
                    v.fail("messages", "string_type", at + ".role should be a string");
                    ok = false;
                }
            }
        }
        if (ok && !storableNumbers(messages)) {
            v.fail("messages", "number_too_large", "Numbers in messages must be below 1e16");
            ok = false;
        }
        // Stored as written (any keys, key order kept), as HubGPT returned it.
        if (ok) a.messagesJson = toPythonJson(messages);
    }

    if (emptyString(body, "gateway")) {
        v.fail("gateway", "string_too_short", "String should have at least 1 character");
    }
    a.gateway = v.optionalString("gateway", kMaxGatewayBytes).value_or(defaultGateway);
    if (a.gateway.empty()) a.gateway = defaultGateway;

    if (auto tools = v.optionalArray("tools")) {
        std::vector<std::string> names;
        for (std::size_t i = 0; i < tools->size(); ++i) {
            auto item = tools->get(static_cast<unsigned>(i));
            if (!item.isString() || item.convert<std::string>().size() > kMaxToolNameBytes) {
                v.fail("tools", "string_type",
                       "tools[" + std::to_string(i) + "] should be a string of at most " +
                           std::to_string(kMaxToolNameBytes) + " bytes");
                break;
            }
            names.push_back(item.convert<std::string>());
        }
        a.tools = std::move(names);
    }

    a.topP = finiteNumber(v, "top_p");
    a.frequencyPenalty = finiteNumber(v, "frequency_penalty");
    a.presencePenalty = finiteNumber(v, "presence_penalty");

    v.finish();
    return a;
}

}  // namespace hub::plugins::advisors
