// Strict JSON for request bodies and helpers for building ordered JSON responses.
#pragma once

#include <cstddef>
#include <string>

#include <Poco/Dynamic/Var.h>
#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>

#include "hub/sdk/Export.h"

namespace hub {
namespace sdk {
inline namespace v1 {
namespace json {

/// Default nesting limit for request bodies.
constexpr std::size_t kDefaultMaxDepth = 64;

/**
 * Parses `text` strictly: NUL bytes inside strings, duplicate object keys, nesting deeper
 * than `maxDepth`, trailing garbage and every POCO parse failure become a ValidationError
 * (422, code "json_invalid") whose detail is the HubGPT/pydantic-2 list form.
 * Thread-safe (no shared state).
 */
HUB_SDK_API Poco::Dynamic::Var parseStrict(const std::string& text,
                                           std::size_t maxDepth = kDefaultMaxDepth);

/// parseStrict() that also requires the top level to be an object (422 otherwise).
HUB_SDK_API Poco::JSON::Object::Ptr parseStrictObject(const std::string& text,
                                                      std::size_t maxDepth = kDefaultMaxDepth);

/// A new object that keeps keys in insertion order (HubGPT clients see pydantic's order).
HUB_SDK_API Poco::JSON::Object::Ptr object();

/// A new empty array.
HUB_SDK_API Poco::JSON::Array::Ptr array();

/// Compact serialisation (no spaces), UTF-8 left unescaped, as FastAPI's JSONResponse.
HUB_SDK_API std::string stringify(const Poco::Dynamic::Var& value);

/// Escapes `s` as a JSON string literal including the quotes.
HUB_SDK_API std::string quote(const std::string& s);

}  // namespace json
}  // namespace v1
}  // namespace sdk
}  // namespace hub
