// File-type detection (libmagic on the first bytes, refined by the name) and the rules for
// serving types that could run script in Hub's origin.
#pragma once

#include <string>

namespace hub::plugins::files {

/// MIME type of content whose first bytes are `head`, named `name`.
std::string detectContentType(const std::string& head, const std::string& name);
/// PRD `file_type`: the extension, or "txt"/"bin" when there is none.
std::string fileTypeOf(const std::string& name, const std::string& contentType);
/// HTML, SVG, XML and JavaScript: served as attachments so a shared or public file cannot
/// execute in Hub's origin.
bool isActiveContent(const std::string& contentType);
/// RFC 6266 Content-Disposition with an RFC 5987 `filename*` (and an ASCII fallback).
std::string contentDisposition(bool attachment, const std::string& name);

}  // namespace hub::plugins::files
