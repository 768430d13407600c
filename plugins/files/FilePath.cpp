#include "FilePath.h"

#include <algorithm>
#include <array>

#include <Poco/String.h>
#include <Poco/UTF8Encoding.h>

#include "hub/sdk/Error.h"
#include "hub/sdk/Text.h"

namespace hub::plugins::files {
namespace {

constexpr std::size_t kMaxSegment = 255;
constexpr std::size_t kMaxPath = 4096;
const std::array<const char*, 4> kReservedTopLevel{"id", "tree", "shares", "shared-with-me"};

[[noreturn]] void reject(const std::string& why) {
    throw sdk::ValidationError("Invalid path: " + why, "invalid_path");
}
void checkSegment(const std::string& seg) {
    if (seg.empty()) reject("empty segment");
    if (seg == "." || seg == "..") reject("'.' and '..' are not allowed");
    if (seg.size() > kMaxSegment) reject("a name is longer than 255 bytes");
    for (unsigned char c : seg) {
        if (c < 0x20 || c == 0x7f) reject("control characters are not allowed");
        if (c == '\\') reject("backslashes are not allowed");
    }
    if (Poco::trim(seg).empty()) reject("a name is only whitespace");
}

}  // namespace

std::string normalisePath(const std::string& raw) {
    if (raw.empty()) reject("empty path");
    if (raw.size() > kMaxPath) reject("longer than 4096 bytes");
    if (raw.find('\0') != std::string::npos) reject("NUL byte");
    if (raw.front() == '/') reject("absolute paths are not allowed");
    if (!sdk::text::isValidUtf8(raw)) reject("not valid UTF-8");
    std::string path = raw;
    if (path.back() == '/') path.pop_back();  // "docs/" names the folder "docs"
    std::size_t start = 0;
    bool first = true;
    while (true) {
        std::size_t slash = path.find('/', start);
        std::string seg = path.substr(start, slash == std::string::npos ? std::string::npos : slash - start);
        checkSegment(seg);
        if (first && std::find_if(kReservedTopLevel.begin(), kReservedTopLevel.end(),
                                  [&](const char* r) { return seg == r; }) != kReservedTopLevel.end()) {
            reject("'" + seg + "' is reserved at the top level");
        }
        first = false;
        if (slash == std::string::npos) break;
        start = slash + 1;
    }
    return path;
}

std::string normaliseName(const std::string& raw) {
    if (raw.find('/') != std::string::npos) reject("a name cannot contain '/'; use new_path to move");
    if (!sdk::text::isValidUtf8(raw)) reject("not valid UTF-8");
    checkSegment(raw);
    return raw;
}

std::vector<std::string> parentFolders(const std::string& path) {
    std::vector<std::string> out;
    for (std::size_t i = path.find('/'); i != std::string::npos; i = path.find('/', i + 1)) {
        out.push_back(path.substr(0, i));
    }
    return out;
}

std::string baseName(const std::string& path) {
    auto slash = path.rfind('/');
    return slash == std::string::npos ? path : path.substr(slash + 1);
}

std::string dirName(const std::string& path) {
    auto slash = path.rfind('/');
    return slash == std::string::npos ? std::string() : path.substr(0, slash);
}

std::size_t codePoints(const std::string& s) {
    return static_cast<std::size_t>(std::count_if(s.begin(), s.end(), [](char c) {
        return (static_cast<unsigned char>(c) & 0xc0) != 0x80;
    }));
}

std::string extension(const std::string& name) {
    auto dot = name.rfind('.');
    if (dot == std::string::npos || dot == 0 || dot + 1 == name.size()) return {};
    return Poco::toLower(name.substr(dot + 1));
}

}  // namespace hub::plugins::files
