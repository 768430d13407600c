// JSON text in Python's json.dumps default style (", " and ": " separators, non-ASCII as
// \uXXXX), which HubGPT's SSE events use byte for byte.
#pragma once

#include <string>

namespace hub::plugins::chat {

/// `s` as a JSON string literal with ensure_ascii escaping (UTF-16 surrogate pairs above
/// U+FFFF). Invalid UTF-8 bytes become U+FFFD.
std::string pyQuote(const std::string& s);

}  // namespace hub::plugins::chat
