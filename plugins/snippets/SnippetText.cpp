#include "SnippetText.h"

#include <cctype>
#include <unordered_set>

#include <Poco/UTF8String.h>
#include <Poco/Unicode.h>

namespace hub::plugins::snippets {
namespace {

/// Python's `\s` on ASCII (Unicode spaces are rare in markdown headings and not handled).
bool isSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'; }

bool isAsciiLetter(unsigned char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

/// Decodes the UTF-8 sequence at `i`; returns its code point and sets `len` (1 with -1 for a
/// malformed byte, which then counts as a non-word character).
int decodeAt(const std::string& s, std::size_t i, std::size_t& len) {
    auto c = static_cast<unsigned char>(s[i]);
    int n = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xe ? 3 : (c >> 3) == 0x1e ? 4 : 0;
    len = 1;
    if (n == 0 || i + static_cast<std::size_t>(n) > s.size()) return -1;
    int cp = n == 1 ? c : n == 2 ? (c & 0x1f) : n == 3 ? (c & 0x0f) : (c & 0x07);
    for (int k = 1; k < n; ++k) {
        auto b = static_cast<unsigned char>(s[i + static_cast<std::size_t>(k)]);
        if ((b >> 6) != 0x2) return -1;
        cp = (cp << 6) | (b & 0x3f);
    }
    len = static_cast<std::size_t>(n);
    return cp;
}

/// Python's `\w` for str patterns: letters and digits of any script, and `_`.
bool isWordCodePoint(int cp) {
    if (cp < 0) return false;
    if (cp < 0x80) {
        auto c = static_cast<unsigned char>(cp);
        return isAsciiLetter(c) || (c >= '0' && c <= '9') || c == '_';
    }
    Poco::Unicode::CharacterProperties props;
    Poco::Unicode::properties(cp, props);
    return props.category == Poco::Unicode::UCP_LETTER || props.category == Poco::Unicode::UCP_NUMBER;
}

}  // namespace

std::string trim(const std::string& s) {
    std::size_t b = 0, e = s.size();
    while (b < e && isSpace(s[b])) ++b;
    while (e > b && isSpace(s[e - 1])) --e;
    return s.substr(b, e - b);
}

std::optional<std::string> extractTitle(const std::string& md) {
    std::size_t lineStart = 0;
    while (lineStart < md.size()) {
        std::size_t i = lineStart;
        std::size_t hashes = 0;
        while (i < md.size() && md[i] == '#' && hashes < 3) {
            ++hashes;
            ++i;
        }
        if ((hashes == 1 || hashes == 2) && i < md.size() && isSpace(md[i])) {
            // `^#{1,2}\s+(.+)$`: greedy whitespace (newlines too), then the rest of that line.
            while (i < md.size() && isSpace(md[i])) ++i;
            std::size_t end = md.find('\n', i);
            std::string title = trim(md.substr(i, end == std::string::npos ? std::string::npos : end - i));
            if (!title.empty()) return title;
        }
        std::size_t nl = md.find('\n', lineStart);
        if (nl == std::string::npos) break;
        lineStart = nl + 1;
    }
    return std::nullopt;
}

std::vector<std::string> extractHashtags(const std::string& md) {
    std::vector<std::string> out;
    for (std::size_t i = 0; i < md.size(); ++i) {
        if (md[i] != '#' || (i > 0 && md[i - 1] == '#')) continue;
        if (i + 1 >= md.size() || !isAsciiLetter(static_cast<unsigned char>(md[i + 1]))) continue;
        std::size_t j = i + 2;
        while (j < md.size()) {
            std::size_t len = 0;
            if (!isWordCodePoint(decodeAt(md, j, len))) break;
            j += len;
        }
        if (j == i + 2) continue;  // `#x`: one character is not a tag
        out.push_back(md.substr(i + 1, j - i - 1));
        i = j - 1;
    }
    return mergeTags(out, {});
}

std::vector<std::string> mergeTags(const std::vector<std::string>& given,
                                   const std::vector<std::string>& found) {
    std::vector<std::string> out;
    std::unordered_set<std::string> seen;
    for (const auto* list : {&given, &found}) {
        for (const auto& t : *list) {
            if (seen.insert(t).second) out.push_back(t);
        }
    }
    return out;
}

std::string lowerUtf8(const std::string& s) { return Poco::UTF8::toLower(s); }

std::string htmlEscape(const std::string& s) {
    std::string out;
    out.reserve(s.size() + s.size() / 8);
    for (char c : s) {
        switch (c) {
            case '&':
                out += "&amp;";
                break;
            case '<':
                out += "&lt;";
                break;
            case '>':
                out += "&gt;";
                break;
            case '"':
                out += "&quot;";
                break;
            case '\'':
                out += "&#39;";
                break;
            default:
                out += c;
        }
    }
    return out;
}

std::string slugify(const std::string& text) {
    std::string kept;
    for (char ch : text) {
        auto c = static_cast<unsigned char>(ch);
        if (c >= 0x80) continue;
        if (isAsciiLetter(c) || (c >= '0' && c <= '9') || c == '_' || c == '-' || isSpace(ch)) {
            kept += static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
        }
    }
    kept = trim(kept);
    std::string out;
    bool inRun = false;
    for (char c : kept) {
        if (c == '-' || isSpace(c)) {
            inRun = true;
            continue;
        }
        if (inRun) out += '-';
        inRun = false;
        out += c;
    }
    if (inRun) out += '-';
    return out;
}
}  // namespace hub::plugins::snippets
