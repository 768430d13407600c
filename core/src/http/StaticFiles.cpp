#include "http/StaticFiles.h"

#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <utility>
#include <vector>

#include <Poco/String.h>

#include "http/Router.h"
#include "hub/sdk/Error.h"
#include "util/Crypto.h"

namespace fs = std::filesystem;

namespace hub::core {
namespace {

// The page is a handful of small files; anything bigger does not belong in web/.
constexpr std::uintmax_t kMaxFileBytes = 16u * 1024u * 1024u;

/// True when every segment of `relative` is a plain, visible name.
bool acceptableRelativePath(const std::string& relative) {
    if (relative.empty() || relative.size() > 1024) return false;
    std::size_t pos = 0;
    while (pos <= relative.size()) {
        std::size_t next = relative.find('/', pos);
        std::string seg = relative.substr(pos, next == std::string::npos ? std::string::npos : next - pos);
        // Empty, ".", ".." and dotfiles (.git, .htaccess) are never served.
        if (seg.empty() || seg[0] == '.') return false;
        for (char c : seg) {
            if (c == '\\' || c == '\0' || static_cast<unsigned char>(c) < 0x20 || c == 0x7f) return false;
        }
        if (next == std::string::npos) break;
        pos = next + 1;
    }
    return true;
}

/// True when `candidate` (canonical) is `root` (canonical) or inside it.
bool inside(const fs::path& root, const fs::path& candidate) {
    auto r = root.begin();
    auto c = candidate.begin();
    for (; r != root.end(); ++r, ++c) {
        if (c == candidate.end() || *r != *c) return false;
    }
    return true;
}

/// Whether an If-None-Match header value matches `etag` (weak comparison, RFC 9110 §13.1.2).
bool etagMatches(const std::string& header, const std::string& etag) {
    std::string opaque = etag.substr(0, 2) == "W/" ? etag.substr(2) : etag;
    std::size_t pos = 0;
    while (pos < header.size()) {
        std::size_t comma = header.find(',', pos);
        std::string tag = Poco::trim(header.substr(pos, comma == std::string::npos ? std::string::npos : comma - pos));
        if (tag == "*") return true;
        if (tag.substr(0, 2) == "W/") tag = tag.substr(2);
        if (tag == opaque) return true;
        if (comma == std::string::npos) break;
        pos = comma + 1;
    }
    return false;
}

}  // namespace

StaticFiles::StaticFiles(std::string root) : root_(std::move(root)) {}

std::string StaticFiles::resolveRoot(const std::string& configured, const std::string& exeDir,
                                     const std::string& sourceWebDir) {
    std::error_code ec;
    if (!configured.empty()) return fs::absolute(configured, ec).lexically_normal().string();
    fs::path installed = (fs::path(exeDir) / ".." / "share" / "hub" / "web").lexically_normal();
    if (fs::is_directory(installed, ec)) return installed.string();
    return sourceWebDir;
}

std::optional<std::string> StaticFiles::contentTypeFor(const std::string& name) {
    static const std::map<std::string, std::string> types = {
        {"html", "text/html; charset=utf-8"},
        {"js", "text/javascript; charset=utf-8"},
        {"mjs", "text/javascript; charset=utf-8"},
        {"css", "text/css; charset=utf-8"},
        {"svg", "image/svg+xml"},
        {"png", "image/png"},
        {"ico", "image/x-icon"},
        {"json", "application/json"},
        {"txt", "text/plain; charset=utf-8"},
    };
    auto dot = name.rfind('.');
    auto slash = name.rfind('/');
    if (dot == std::string::npos || (slash != std::string::npos && dot < slash)) return std::nullopt;
    auto it = types.find(Poco::toLower(name.substr(dot + 1)));
    if (it == types.end()) return std::nullopt;
    return it->second;
}

void StaticFiles::registerRoutes(Router& router) const {
    router.add({"GET", "/", sdk::AuthMode::None, 0, [this](sdk::RequestContext& ctx) { serve(ctx, "index.html"); }},
               "core");
    router.add({"GET", "/static/{file:path}", sdk::AuthMode::None, 0,
                [this](sdk::RequestContext& ctx) { serve(ctx, ctx.pathParam("file")); }},
               "core");
}

void StaticFiles::serve(sdk::RequestContext& ctx, const std::string& relative) const {
    auto type = contentTypeFor(relative);
    if (!type || root_.empty() || !acceptableRelativePath(relative)) throw sdk::NotFound();

    // Resolve symlinks on both sides: a link that leads out of the root is not served.
    std::error_code ec;
    fs::path root = fs::canonical(root_, ec);
    if (ec) throw sdk::NotFound();
    fs::path file = fs::canonical(root / relative, ec);
    if (ec || !inside(root, file) || !fs::is_regular_file(file, ec)) throw sdk::NotFound();
    auto size = fs::file_size(file, ec);
    if (ec || size > kMaxFileBytes) throw sdk::NotFound();

    std::ifstream in(file, std::ios::binary);
    if (!in) throw sdk::NotFound();
    std::string body((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());

    std::string etag = "\"" + crypto::sha256Hex(body).substr(0, 32) + "\"";
    ctx.setHeader("ETag", etag);
    // Always revalidate: a new Hub version never runs with a cached old page.
    ctx.setHeader("Cache-Control", "no-cache");
    ctx.setHeader("Content-Security-Policy", kContentSecurityPolicy);
    ctx.setHeader("Referrer-Policy", "no-referrer");
    ctx.setHeader("X-Frame-Options", "DENY");
    ctx.setHeader("Cross-Origin-Opener-Policy", "same-origin");
    if (auto inm = ctx.header("If-None-Match"); inm && etagMatches(*inm, etag)) {
        ctx.respond(304, *type, "");
        return;
    }
    ctx.respond(200, *type, body);
}

}  // namespace hub::core
