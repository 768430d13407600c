// Small text helpers every plugin needs the same way: ids, UTF-8 checks, newlines.
#pragma once

#include <string>

#include "hub/sdk/Export.h"

namespace hub {
namespace sdk {
inline namespace v1 {
namespace text {

/// True for the canonical textual UUID form (8-4-4-4-12 hex digits). Check ids from URLs
/// with it before they reach SQL: PostgreSQL rejects a malformed uuid with an error.
HUB_SDK_API bool isUuid(const std::string& s);
/// The lower-case form of a UUID (ids are stored lower-case; PostgreSQL's uuid type would
/// match either case but SQLite's TEXT would not), or "" when `s` is not a UUID.
HUB_SDK_API std::string canonicalUuid(const std::string& s);
/// A random (version 4) UUID, lower-case, from the OS random source.
HUB_SDK_API std::string newUuid();
/// Strict UTF-8: no overlong forms, surrogates or code points past U+10FFFF.
HUB_SDK_API bool isValidUtf8(const std::string& s);
/// CRLF and lone CR become LF (Python's universal newlines, as HubGPT read text files).
HUB_SDK_API std::string universalNewlines(const std::string& s);

}  // namespace text
}  // namespace v1
}  // namespace sdk
}  // namespace hub
