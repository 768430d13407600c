#include "ContentType.h"

#include <map>
#include <memory>

#include <magic.h>

#include "FilePath.h"

namespace hub::plugins::files {
namespace {

/// A magic_t is not thread-safe: one per thread, loaded once.
class MagicHandle {
public:
    MagicHandle() : m_(magic_open(MAGIC_MIME_TYPE)) {
        if (m_ != nullptr && magic_load(m_, nullptr) != 0) {
            magic_close(m_);
            m_ = nullptr;
        }
    }
    ~MagicHandle() {
        if (m_ != nullptr) magic_close(m_);
    }
    std::string detect(const std::string& data) const {
        if (m_ == nullptr) return "application/octet-stream";
        const char* r = magic_buffer(m_, data.data(), data.size());
        return r != nullptr ? r : "application/octet-stream";
    }

private:
    magic_t m_;
};

const std::map<std::string, std::string>& textTypesByExtension() {
    static const std::map<std::string, std::string> m{
        {"md", "text/markdown"},         {"markdown", "text/markdown"}, {"txt", "text/plain"},
        {"json", "application/json"},    {"csv", "text/csv"},           {"html", "text/html"},
        {"htm", "text/html"},            {"svg", "image/svg+xml"},      {"js", "text/javascript"},
        {"mjs", "text/javascript"},      {"css", "text/css"},           {"xml", "application/xml"},
        {"yaml", "application/yaml"},    {"yml", "application/yaml"},   {"py", "text/x-python"},
        {"xhtml", "application/xhtml+xml"}};
    return m;
}

}  // namespace

std::string detectContentType(const std::string& head, const std::string& name) {
    thread_local MagicHandle magic;
    std::string sniffed = magic.detect(head);
    if (sniffed == "application/x-empty") sniffed = "text/plain";
    // libmagic calls most text "text/plain"; the name says which text it is.
    if (sniffed == "text/plain" || sniffed == "application/octet-stream" || sniffed == "text/x-c" ||
        sniffed == "text/x-script.python" || sniffed == "application/javascript") {
        auto it = textTypesByExtension().find(extension(baseName(name)));
        if (it != textTypesByExtension().end()) {
            // Never downgrade sniffed active content to something harmless by renaming it.
            if (!isActiveContent(sniffed) || isActiveContent(it->second)) return it->second;
        }
    }
    return sniffed;
}

std::string fileTypeOf(const std::string& name, const std::string& contentType) {
    std::string ext = extension(baseName(name));
    if (!ext.empty()) return ext.substr(0, 32);
    return contentType.rfind("text/", 0) == 0 ? "txt" : "bin";
}

bool isActiveContent(const std::string& ct) {
    return ct == "text/html" || ct == "image/svg+xml" || ct == "application/xhtml+xml" ||
           ct == "text/javascript" || ct == "application/javascript" || ct == "application/xml" ||
           ct == "text/xml" || ct == "application/x-shockwave-flash" || ct == "application/pdf";
}

std::string contentDisposition(bool attachment, const std::string& name) {
    std::string ascii;
    std::string encoded;
    static const char* hex = "0123456789ABCDEF";
    for (unsigned char c : name) {
        bool plain = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' ||
                     c == '-' || c == '_' || c == '~';
        if (plain) {
            encoded += static_cast<char>(c);
        } else {
            encoded += '%';
            encoded += hex[c >> 4];
            encoded += hex[c & 0xf];
        }
        ascii += (c >= 0x20 && c < 0x7f && c != '"' && c != '\\') ? static_cast<char>(c) : '_';
    }
    return std::string(attachment ? "attachment" : "inline") + "; filename=\"" + ascii + "\"; filename*=UTF-8''" +
           encoded;
}

}  // namespace hub::plugins::files
