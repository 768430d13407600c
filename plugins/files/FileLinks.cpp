// Share links of files (core.links.v1): a download link for a file, with optional expiry,
// password and download limit, and an upload-only link for a folder ("drop box"). Whoever
// holds the token uses it signed out; the password travels in X-Share-Password only.
#include <algorithm>

#include "FilePath.h"
#include "FilesPlugin.h"

namespace hub::plugins::files {
namespace {

constexpr const char* kLinkPath = "/api/v1/links/";

/// The link password, from the X-Share-Password header only: a query string ends up in logs,
/// histories and Referer headers.
std::string linkPassword(const sdk::RequestContext& ctx) {
    auto h = ctx.header("X-Share-Password");
    return h ? *h : std::string();
}

Poco::Dynamic::Var isoOrNull(int64_t micros) {
    return micros == 0 ? Poco::Dynamic::Var() : Poco::Dynamic::Var(sdk::IClock::formatIso(micros));
}

Poco::JSON::Object::Ptr linkJson(const sdk::ShareLink& l, int64_t nowMicros, const std::string& token = "") {
    auto o = sdk::json::object();
    o->set("id", l.id);
    // The token exists only in the answer that creates the link; only its hash is stored.
    if (!token.empty()) {
        o->set("token", token);
        o->set("url", std::string(kLinkPath) + token);
    }
    o->set("mode", l.mode);
    o->set("expires_at", isoOrNull(l.expiresAt));
    o->set("max_uses", l.maxUses == 0 ? Poco::Dynamic::Var() : Poco::Dynamic::Var(l.maxUses));
    o->set("uses", l.useCount);
    o->set("has_password", l.hasPassword);
    o->set("active", l.live(nowMicros));
    o->set("created_by", l.createdBy);
    o->set("created_at", sdk::IClock::formatIso(l.createdAt));
    return o;
}

}  // namespace

FileRow FilesPlugin::linkableFile(sdk::RequestContext& ctx) const {
    auto [file, perms] = visibleFile(ctx);
    // Links reach anyone holding the token: only who may share the file makes or sees them.
    if (!perms.reshare) throw sdk::Forbidden("You may not share this file further", "reshare_denied");
    return file;
}

void FilesPlugin::createLink(sdk::RequestContext& ctx) {
    FileRow f = linkableFile(ctx);
    sdk::BodyValidator v(ctx.body().empty() ? sdk::json::object() : ctx.jsonBody());
    sdk::ShareLinkPolicy policy;
    policy.mode = f.isFolder() ? "upload" : "read";
    if (auto mode = v.optionalString("mode", 16); mode && *mode != policy.mode) {
        v.fail("mode", "value_error",
               f.isFolder() ? "A folder's link is an upload link (mode upload)" : "A file's link is a download link (mode read)");
    }
    policy.expiresAt = v.optionalTimestamp("expires_at", store_->nowMicros()).value_or(0);
    auto password = v.optionalString("password", 1024);
    if (password && password->empty()) v.fail("password", "value_error", "password must not be empty");
    policy.password = password.value_or("");
    // A download link counts downloads, an upload link counts uploads; max_uses names either.
    auto maxDownloads = v.optionalInt("max_downloads", 1, 1000000000);
    auto maxUploads = v.optionalInt("max_uploads", 1, 1000000000);
    auto maxUses = v.optionalInt("max_uses", 1, 1000000000);
    if (maxDownloads && f.isFolder()) v.fail("max_downloads", "value_error", "An upload link counts uploads (max_uploads)");
    if (maxUploads && !f.isFolder()) v.fail("max_uploads", "value_error", "A download link counts downloads (max_downloads)");
    v.finish();
    policy.maxUses = maxUses.value_or(maxDownloads.value_or(maxUploads.value_or(0)));
    auto created = links_->create(ctx.requireAuth().userId, f.kind, f.id, policy);
    ctx.respondJson(201, linkJson(created.link, created.link.createdAt, created.token));
}

void FilesPlugin::listLinks(sdk::RequestContext& ctx) {
    FileRow f = linkableFile(ctx);
    auto out = sdk::json::array();
    int64_t at = store_->nowMicros();
    for (const auto& l : links_->list(f.kind, f.id)) out->add(linkJson(l, at));
    ctx.respondJson(200, out);
}

void FilesPlugin::revokeLink(sdk::RequestContext& ctx) {
    FileRow f = linkableFile(ctx);
    if (!links_->revoke(f.kind, f.id, ctx.pathParam("link"))) {
        throw sdk::NotFound("Share link not found", "share_link_not_found");
    }
    auto o = sdk::json::object();
    o->set("status", "revoked");
    ctx.respondJson(200, o);
}

FileRow FilesPlugin::linkTarget(const sdk::ShareLink& link) const {
    auto f = store_->byId(link.resourceId);
    if (!f || f->kind != link.resourceType) throw sdk::NotFound("Share link not found", "share_link_not_found");
    return *f;
}

void FilesPlugin::linkInfo(sdk::RequestContext& ctx) {
    // A browser opening the link gets the page, which asks for this JSON (and a password).
    const std::string token = ctx.pathParam("token");
    if (sdk::redirectBrowserToLinkPage(ctx, "/#/links/", token)) return;
    // What a link offers, counting no use: a page shows it before the download or upload.
    sdk::ShareLink link = links_->inspect(token, linkPassword(ctx));
    FileRow f = linkTarget(link);
    auto o = sdk::json::object();
    o->set("type", f.kind);
    o->set("name", baseName(f.path));  // never the owner's folders above it
    o->set("mode", link.mode);
    if (!f.isFolder()) {
        o->set("size", f.size);
        o->set("content_type", f.contentType.empty() ? Poco::Dynamic::Var() : Poco::Dynamic::Var(f.contentType));
    } else {
        o->set("max_upload_bytes", maxUploadBytes_);
    }
    o->set("expires_at", isoOrNull(link.expiresAt));
    o->set("uses_left", link.maxUses == 0 ? Poco::Dynamic::Var() : Poco::Dynamic::Var(link.maxUses - link.useCount));
    ctx.setHeader("Cache-Control", "no-store");
    ctx.respondJson(200, o);
}

void FilesPlugin::linkDownload(sdk::RequestContext& ctx) {
    const std::string token = ctx.pathParam("token");
    sdk::ShareLink link = links_->inspect(token, linkPassword(ctx));
    if (link.mode != "read") throw sdk::NotFound("Share link not found", "share_link_not_found");
    FileRow f = linkTarget(link);
    // HEAD and a revalidation answered 304 deliver no bytes, so they count no download; the
    // others count one, and resolve() checks the link again as it does.
    if (ctx.method() != "HEAD" && !notModified(ctx, f)) links_->resolve(token, linkPassword(ctx));
    raw(ctx, f);
}

void FilesPlugin::linkUpload(sdk::RequestContext& ctx, const std::string& rawName, bool multipart) {
    const std::string token = ctx.pathParam("token");
    const std::string password = linkPassword(ctx);
    // Checked before any byte is stored; the use is counted once the upload is whole.
    sdk::ShareLink link = links_->inspect(token, password);
    if (link.mode != "upload") throw sdk::NotFound("Share link not found", "share_link_not_found");
    FileRow folder = linkTarget(link);
    std::optional<StagedUpload> staged;
    std::string name = rawName;
    try {
        if (multipart) {
            ctx.readMultipart([&](const sdk::MultipartPart& part, std::istream& data) {
                if (part.name != "file" || staged) return;
                name = normaliseName(part.filename);
                staged = store_->stage(data, folder.userId, name);
            });
        } else {
            name = normaliseName(rawName);
            staged = store_->stage(ctx.bodyStream(), folder.userId, name);
        }
    } catch (...) {
        if (staged) store_->discard(*staged);
        throw;
    }
    if (!staged) throw sdk::ValidationError("file: Field required (multipart field 'file' with a filename)", "missing_file");
    try {
        links_->resolve(token, password);  // one use per upload; a limit reached meanwhile refuses it
    } catch (...) {
        store_->discard(*staged);
        throw;
    }
    StoredFile stored = store_->commitNew(folder.userId, folder.path, name, *staged);
    auto details = sdk::json::object();
    details->set("via", "link");
    details->set("link_id", link.id);
    recordActivity("", "file.created", stored.row, details);
    // The uploader learns the name it got, and nothing else of the folder.
    auto o = sdk::json::object();
    o->set("name", baseName(stored.row.path));
    o->set("size", stored.row.size);
    o->set("sha256", stored.row.sha256);
    ctx.respondJson(201, o);
}

void FilesPlugin::registerLinkRoutes(sdk::Registrar& r, std::size_t uploadLimit) {
    using sdk::AuthMode;
    constexpr std::size_t kJsonBodyLimit = 64 * 1024;
    r.route({"POST", "/api/v1/files/id/{file_id}/links", AuthMode::Required, kJsonBodyLimit,
             [this](sdk::RequestContext& ctx) { createLink(ctx); }});
    r.route({"GET", "/api/v1/files/id/{file_id}/links", AuthMode::Required, 0,
             [this](sdk::RequestContext& ctx) { listLinks(ctx); }});
    r.route({"DELETE", "/api/v1/files/id/{file_id}/links/{link}", AuthMode::Required, 0,
             [this](sdk::RequestContext& ctx) { revokeLink(ctx); }});
    // Signed out: the token is the credential.
    r.route({"GET", "/api/v1/links/{token}", AuthMode::None, 0, [this](sdk::RequestContext& ctx) { linkInfo(ctx); }});
    r.route({"GET", "/api/v1/links/{token}/raw", AuthMode::None, 0,
             [this](sdk::RequestContext& ctx) { linkDownload(ctx); }});
    r.route({"POST", "/api/v1/links/{token}/files", AuthMode::None, uploadLimit + 1024 * 1024,
             [this](sdk::RequestContext& ctx) { linkUpload(ctx, "", true); }});
    r.route({"PUT", "/api/v1/links/{token}/files/{name}", AuthMode::None, uploadLimit,
             [this](sdk::RequestContext& ctx) { linkUpload(ctx, ctx.pathParam("name"), false); }});
}

}  // namespace hub::plugins::files
