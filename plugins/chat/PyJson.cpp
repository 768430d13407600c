#include "PyJson.h"

#include <cstdio>

namespace hub::plugins::chat {
namespace {

void appendEscape(std::string& out, unsigned cp) {
    char buf[16];
    std::snprintf(buf, sizeof buf, "\\u%04x", cp);
    out += buf;
}

}  // namespace

std::string pyQuote(const std::string& s) {
    std::string out = "\"";
    std::size_t i = 0;
    while (i < s.size()) {
        unsigned char c = static_cast<unsigned char>(s[i]);
        if (c < 0x80) {
            switch (c) {
                case '"': out += "\\\""; break;
                case '\\': out += "\\\\"; break;
                case '\n': out += "\\n"; break;
                case '\r': out += "\\r"; break;
                case '\t': out += "\\t"; break;
                case '\b': out += "\\b"; break;
                case '\f': out += "\\f"; break;
                default:
                    if (c < 0x20 || c == 0x7f) {
                        if (c == 0x7f) out += static_cast<char>(c);
                        else appendEscape(out, c);
                    } else {
                        out += static_cast<char>(c);
                    }
            }
            ++i;
            continue;
        }
        int n = (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xe ? 3 : (c >> 3) == 0x1e ? 4 : 0;
        unsigned cp = n == 2 ? (c & 0x1fu) : n == 3 ? (c & 0x0fu) : (c & 0x07u);
        bool ok = n != 0 && i + static_cast<std::size_t>(n) <= s.size();
        for (int k = 1; ok && k < n; ++k) {
            unsigned char cc = static_cast<unsigned char>(s[i + static_cast<std::size_t>(k)]);
            if ((cc >> 6) != 0x2) ok = false;
            cp = (cp << 6) | (cc & 0x3fu);
        }
        if (!ok) {
            appendEscape(out, 0xfffd);
            ++i;
            continue;
        }
        if (cp >= 0x10000) {
            cp -= 0x10000;
            appendEscape(out, 0xd800 + (cp >> 10));
            appendEscape(out, 0xdc00 + (cp & 0x3ff));
        } else {
            appendEscape(out, cp);
        }
        i += static_cast<std::size_t>(n);
    }
    out += "\"";
    return out;
}

}  // namespace hub::plugins::chat
