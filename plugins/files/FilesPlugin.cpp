#include "FilesPlugin.h"

#include <algorithm>
#include <cctype>
#include <map>
#include <set>

#include <Poco/DateTimeFormat.h>
#include <Poco/DateTimeFormatter.h>
#include <Poco/NumberParser.h>
#include <Poco/String.h>
#include <Poco/Timestamp.h>

#include "ContentType.h"
#include "FilePath.h"
#include "FileReader.h"
#include "Migrations.h"

namespace hub::plugins::files {
namespace {

constexpr std::size_t kJsonBodyLimit = 64 * 1024;

/// HubGPT's FileEntry timestamps: Python's repr of the float epoch seconds.
std::string floatSeconds(int64_t micros) {
    std::string frac = std::to_string(1000000 + micros % 1000000).substr(1);
    while (frac.size() > 1 && frac.back() == '0') frac.pop_back();
    return std::to_string(micros / 1000000) + "." + frac;
}

std::string etagOf(const FileRow& f) { return "\"" + f.sha256.substr(0, 32) + "\""; }

std::string httpDate(int64_t micros) {
    return Poco::DateTimeFormatter::format(Poco::Timestamp(micros), Poco::DateTimeFormat::HTTP_FORMAT);
}
//// UTF-8 text as /content serves it: valid UTF-8 without NUL bytes.
bool validUtf8Text(const std::string& s) {
    return s.find('\0') == std::string::npos && sdk::text::isValidUtf8(s);
}

// If-None-Match: a list of entity tags (weak or strong) or "*".
bool etagMatches(const std::string& header, const std::string& etag) {
    if (Poco::trim(header) == "*") return true;
    std::string bare = etag;
    std::size_t pos = 0;
    while (pos < header.size()) {
        std::size_t comma = header.find(',', pos);
        std::string tag = Poco::trim(header.substr(pos, comma == std::string::npos ? std::string::npos : comma - pos));
        if (tag.rfind("W/", 0) == 0) tag = tag.substr(2);
        if (tag == bare) return true;
        if (comma == std::string::npos) break;
        pos = comma + 1;
    }
    return false;
}

struct ByteRange {
    uint64_t first = 0;
    uint64_t last = 0;
};

/// Parses a single `bytes=` range. nullopt = ignore the header (malformed or several
/// ranges: serve the whole file, as RFC 9110 allows); throws 416 when unsatisfiable.
std::optional<ByteRange> parseRange(const std::string& header, uint64_t size) {
    std::string h = Poco::trim(header);
    if (h.rfind("bytes=", 0) != 0) return std::nullopt;
    std::string spec = Poco::trim(h.substr(6));
    if (spec.find(',') != std::string::npos) return std::nullopt;
    auto dash = spec.find('-');
    if (dash == std::string::npos) return std::nullopt;
    std::string a = Poco::trim(spec.substr(0, dash));
    std::string b = Poco::trim(spec.substr(dash + 1));
    auto digits = [](const std::string& s) { return !s.empty() && s.size() < 19 && s.find_first_not_of("0123456789") == std::string::npos; };
    auto unsatisfiable = [&]() {
        return sdk::Error(416, "range_not_satisfiable", "Requested range not satisfiable")
            .withHeader("Content-Range", "bytes */" + std::to_string(size));
    };
    if (a.empty()) {
        if (!digits(b)) return std::nullopt;
        uint64_t n = Poco::NumberParser::parseUnsigned64(b);
        if (n == 0 || size == 0) throw unsatisfiable();
        return ByteRange{size > n ? size - n : 0, size - 1};
    }
    if (!digits(a) || (!b.empty() && !digits(b))) return std::nullopt;
    uint64_t first = Poco::NumberParser::parseUnsigned64(a);
    uint64_t last = b.empty() ? (size == 0 ? 0 : size - 1) : Poco::NumberParser::parseUnsigned64(b);
    if (!b.empty() && last < first) return std::nullopt;
    if (first >= size) throw unsatisfiable();
    if (last >= size) last = size - 1;
    return ByteRange{first, last};
}

/// `expires_at`: ISO-8601 (with or without zone, UTC assumed) or epoch seconds; must be future.
int64_t parseExpiry(sdk::BodyValidator& v, int64_t nowMicros) {
    return v.optionalTimestamp("expires_at", nowMicros).value_or(0);
}

/// `*` and `?` glob, ASCII case-insensitive. Iterative with one backtrack point, so it runs
/// in O(len(pattern) * len(text)) whatever the pattern (a recursive matcher is exponential).
bool globMatch(const char* p, const char* s) {
    const char* star = nullptr;
    const char* resume = nullptr;
    auto same = [](char a, char b) {
        return std::tolower(static_cast<unsigned char>(a)) == std::tolower(static_cast<unsigned char>(b));
    };
    while (*s) {
        if (*p == '*') {
            star = p++;
            resume = s;
        } else if (*p && (*p == '?' || same(*p, *s))) {
            ++p;
            ++s;
        } else if (star) {
            p = star + 1;
            s = ++resume;
        } else {
            return false;
        }
    }
    while (*p == '*') ++p;
    return !*p;
}

}  // namespace

IFileReader::~IFileReader() = default;

/// files.reader.v1 over the plugin's store; the store is set in start().
class FilesPlugin::Reader : public IFileReader {
public:
    explicit Reader(const FilesPlugin& plugin) : plugin_(plugin) {}

    std::optional<std::string> readText(const std::string& userId, const std::string& rawPath,
                                        std::size_t maxBytes) const override {
        auto f = resolve(userId, rawPath);
        if (!f || f->isFolder()) return std::nullopt;
        auto in = plugin_.store_->blobs().open(f->blobId);
        if (!in) return std::nullopt;
        std::string data(std::min<std::size_t>(maxBytes, static_cast<std::size_t>(f->size)), '\0');
        in->read(data.data(), static_cast<std::streamsize>(data.size()));
        data.resize(static_cast<std::size_t>(in->gcount()));
        if (data.size() < static_cast<std::size_t>(f->size)) dropIncompleteTail(data);
        if (!validUtf8Text(data)) return std::nullopt;
        return data;
    }

    std::vector<std::string> match(const std::string& userId, const std::string& pattern) const override {
        std::vector<std::string> out;
        if (!plugin_.store_) return out;
        for (const auto& f : plugin_.store_->all(userId, true)) {
            if (globMatch(pattern.c_str(), f.path.c_str())) out.push_back(f.path);
        }
        for (const auto& f : plugin_.sharedFiles(userId)) {
            auto owner = plugin_.auth_->findUserById(f.userId);
            if (!owner) continue;
            std::string name = std::string(kSharedPrefix) + owner->username + "/" + f.path;
            if (globMatch(pattern.c_str(), name.c_str())) out.push_back(name);
        }
        std::sort(out.begin(), out.end());
        return out;
    }

private:
    /// Files shared with a user are reached as "shared/<owner>/<path>".
    static constexpr const char* kSharedPrefix = "shared/";

    /// The user's own file at `rawPath`, or a file they may view (shared directly or through a
    /// shared folder).
    std::optional<FileRow> resolve(const std::string& userId, const std::string& rawPath) const {
        if (!plugin_.store_) return std::nullopt;
        try {
            // The user's own file wins: a folder of theirs may itself be called "shared".
            if (auto own = plugin_.store_->byPath(userId, normalisePath(rawPath))) return own;
            if (rawPath.rfind(kSharedPrefix, 0) == 0) {
                std::string rest = rawPath.substr(std::string(kSharedPrefix).size());
                auto slash = rest.find('/');
                if (slash == std::string::npos) return std::nullopt;
                auto owner = plugin_.auth_->findUserByName(rest.substr(0, slash));
                if (!owner) return std::nullopt;
                auto f = plugin_.store_->byPath(owner->id, normalisePath(rest.substr(slash + 1)));
                if (!f) return std::nullopt;
                if (!Permissions::fromBits(plugin_.accessTo(userId, *f)).read) return std::nullopt;
                return f;
            }
            return std::nullopt;
        } catch (const sdk::Error&) {
            return std::nullopt;  // an invalid path names no file
        }
    }

    /// A cut may split the last UTF-8 sequence: drop that partial sequence.
    static void dropIncompleteTail(std::string& data) {
        std::size_t lead = data.size();
        for (int back = 0; back < 4 && lead > 0; ++back) {
            --lead;
            if ((static_cast<unsigned char>(data[lead]) & 0xc0) != 0x80) break;
        }
        if (lead >= data.size()) return;
        auto c = static_cast<unsigned char>(data[lead]);
        std::size_t need = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xe ? 3 : (c >> 3) == 0x1e ? 4 : 1;
        if (lead + need > data.size()) data.resize(lead);
    }

    const FilesPlugin& plugin_;
};

void FilesPlugin::declareConfig(sdk::ConfigSchema& schema) const {
    schema.integer("max_upload_mb").defaultValue(1024).min(1).max(1048576)
        .description("Largest file accepted by any upload route (413 beyond, nothing stored)");
    schema.integer("max_content_mb").defaultValue(10).min(1).max(1024)
        .description("Largest file /content returns as JSON text; bigger files use /raw");
    schema.integer("upload_expiry_seconds").defaultValue(86400).min(1).max(30 * 86400)
        .description("A resumable upload idle this long is aborted and its parts freed");
    schema.integer("max_open_uploads").defaultValue(32).min(1).max(10000)
        .description("Unfinished resumable uploads one user may hold (429 beyond)");
}

void FilesPlugin::registerComponents(sdk::Registrar& r, const sdk::ConfigView& config) {
    maxUploadBytes_ = config.getInt("max_upload_mb") * 1024 * 1024;
    maxContentBytes_ = config.getInt("max_content_mb") * 1024 * 1024;
    for (auto& m : filesMigrations()) r.migration(std::move(m));
    UploadSettings us;
    us.maxFileBytes = maxUploadBytes_;
    us.expirySeconds = config.getInt("upload_expiry_seconds");
    us.maxOpenPerUser = static_cast<int>(config.getInt("max_open_uploads"));
    uploads_ = std::make_unique<ResumableUploads>(
        us, [this](const FileRow& f) { return entry(f); },
        [this](sdk::RequestContext& ctx, uint32_t need) { return scope(ctx, need).ownerId; },
        [this](const std::string& actorId, const StoredFile& stored) {
            auto details = sdk::json::object();
            details->set("via", "resumable_upload");
            recordActivity(actorId, stored.created ? "file.created" : "file.updated", stored.row, details);
        });
    uploads_->registerRoutes(r);
    r.provide<IFileReader>(std::make_shared<Reader>(*this));
    registerRoutes(r);
}

void FilesPlugin::start(sdk::PluginContext& ctx) {
    auth_ = ctx.services().require<sdk::IAuth>();
    access_ = ctx.services().require<sdk::IAccess>();
    links_ = ctx.services().require<sdk::IShareLinks>();
    store_ = std::make_shared<FileStore>(ctx.services().require<sdk::IDatabase>(),
                                         ctx.services().require<sdk::ITransactionalBlobStore>(),
                                         ctx.services().require<sdk::IClock>(),
                                         ctx.services().require<sdk::IEventBus>(), access_, links_,
                                         static_cast<uint64_t>(maxUploadBytes_));
    activity_ = ctx.services().find<sdk::IActivity>();
    uploads_->start(*store_, store_->blobs(), *ctx.services().require<sdk::IClock>());
    // Files and folders are shareable through core.access.v1; a folder's grant reaches
    // everything below it (accessTo()).
    constexpr uint32_t kFileBits = sdk::access::kView | sdk::access::kEdit | sdk::access::kReshare | sdk::access::kManage;
    std::weak_ptr<FileStore> store = store_;
    for (const char* kind : {"file", "folder"}) {
        access_->addResourceType({kind, kFileBits, [store, kind = std::string(kind)](const std::string& id) {
                                      std::optional<sdk::AccessResource> out;
                                      if (auto st = store.lock()) {
                                          if (auto f = st->byId(id); f && f->kind == kind) {
                                              out = sdk::AccessResource{f->userId, f->path};
                                          }
                                      }
                                      return out;
                                  }});
    }
}

void FilesPlugin::stop() noexcept {
    if (access_) {
        access_->removeResourceType("file");
        access_->removeResourceType("folder");
    }
    if (uploads_) uploads_->stop();
    store_.reset();
}

uint32_t FilesPlugin::accessTo(const std::string& userId, const FileRow& f) const {
    if (userId == f.userId) return sdk::access::kAll;
    uint32_t bits = access_->check(userId, f.kind, f.id).permissions;
    for (const auto& folder : store_->ancestors(f)) bits |= access_->check(userId, "folder", folder.id).permissions;
    return (bits & sdk::access::kView) ? bits : 0;
}

std::vector<FileRow> FilesPlugin::sharedFiles(const std::string& userId) const {
    std::map<std::string, FileRow> files;  // by id: a file may be reached by several grants
    std::vector<std::string> direct;
    for (const auto& g : access_->grantsTo(userId, "file")) {
        if (g.permissions & sdk::access::kView) direct.push_back(g.resourceId);
    }
    for (auto& f : store_->byIds(direct)) {
        if (f.userId != userId && !f.isFolder()) files.emplace(f.id, std::move(f));
    }
    for (const auto& g : access_->grantsTo(userId, "folder")) {
        if ((g.permissions & sdk::access::kView) == 0) continue;
        auto folder = store_->byId(g.resourceId);
        if (!folder || folder->userId == userId || !folder->isFolder()) continue;
        for (auto& f : store_->under(*folder, true)) files.emplace(f.id, std::move(f));
    }
    std::vector<FileRow> out;
    out.reserve(files.size());
    for (auto& [id, f] : files) out.push_back(std::move(f));
    return out;
}

void FilesPlugin::registerRoutes(sdk::Registrar& r) {
    using sdk::AuthMode;
    auto bind = [this](void (FilesPlugin::*fn)(sdk::RequestContext&)) {
        return [this, fn](sdk::RequestContext& ctx) { (this->*fn)(ctx); };
    };
    const auto uploadLimit = static_cast<std::size_t>(maxUploadBytes_);
    // Multipart framing around the file: boundaries, part headers, small form fields.
    const auto multipartLimit = uploadLimit + 1024 * 1024;

    r.route({"GET", "/api/v1/files/shares", AuthMode::Required, 0, bind(&FilesPlugin::myShares)});
    r.route({"GET", "/api/v1/files/shared-with-me", AuthMode::Required, 0, bind(&FilesPlugin::sharedWithMe)});
    // The same routes serve the caller's own files and, under /api/v1/workspaces/{id}, a
    // workspace's files (scope() decides whose, and what the caller's role allows).
    for (const std::string space : {"/api/v1", "/api/v1/workspaces/{workspace_id}"}) {
        const std::string files = space + "/files", folders = space + "/folders";
        r.route({"GET", files, AuthMode::Required, 0, bind(&FilesPlugin::list)});
        r.route({"GET", files + "/tree", AuthMode::Required, 0, bind(&FilesPlugin::tree)});
        r.route({"POST", folders + "/{path:path}", AuthMode::Required, kJsonBodyLimit, bind(&FilesPlugin::makeFolder)});
        r.route({"POST", files + "/{path:path}", AuthMode::Required, multipartLimit, bind(&FilesPlugin::uploadMultipart)});
        r.route({"PUT", files + "/{path:path}", AuthMode::Required, uploadLimit, bind(&FilesPlugin::uploadRaw)});
        r.route({"GET", files + "/{path:path}/content", AuthMode::Required, 0,
                 [this](sdk::RequestContext& ctx) { content(ctx, spaceFile(ctx, sdk::access::kView)); }});
        r.route({"GET", files + "/{path:path}/raw", AuthMode::Required, 0,
                 [this](sdk::RequestContext& ctx) { raw(ctx, spaceFile(ctx, sdk::access::kView)); }});
        r.route({"DELETE", files + "/{path:path}", AuthMode::Required, 0, bind(&FilesPlugin::remove)});
        r.route({"PATCH", files + "/{path:path}", AuthMode::Required, kJsonBodyLimit, bind(&FilesPlugin::patch)});
        r.route({"POST", files + "/{path:path}/share", AuthMode::Required, kJsonBodyLimit,
                 [this](sdk::RequestContext& ctx) { share(ctx, spaceFile(ctx, sdk::access::kReshare)); }});
        r.route({"DELETE", files + "/{path:path}/share/{user_id}", AuthMode::Required, 0, bind(&FilesPlugin::unshare)});
    }
    registerLinkRoutes(r, uploadLimit);
    // HubGPT's doubled prefix also unshares.
    r.route({"DELETE", "/api/v1/files/files/{path:path}/share/{user_id}", AuthMode::Required, 0,
             bind(&FilesPlugin::unshare)});

    // Access by id: owner, share recipients within their permissions (a folder's grant covers
    // what is below it), anyone for public files.
    r.route({"GET", "/api/v1/files/id/{file_id}", AuthMode::Optional, 0, [this](sdk::RequestContext& ctx) {
                 auto [file, perms] = visibleFile(ctx);
                 auto o = entry(file);
                 o->set("permissions", perms.toJson());
                 if (file.isFolder()) {
                     auto kids = sdk::json::array();
                     for (const auto& f : store_->under(file, false)) kids->add(entry(f));
                     o->set("children", kids);
                 }
                 ctx.respondJson(200, o);
             }});
    r.route({"GET", "/api/v1/files/id/{file_id}/raw", AuthMode::Optional, 0, [this](sdk::RequestContext& ctx) {
                 auto [file, perms] = visibleFile(ctx);
                 raw(ctx, file);
             }});
    r.route({"GET", "/api/v1/files/id/{file_id}/content", AuthMode::Optional, 0, [this](sdk::RequestContext& ctx) {
                 auto [file, perms] = visibleFile(ctx);
                 content(ctx, file);
             }});
    r.route({"PUT", "/api/v1/files/id/{file_id}", AuthMode::Required, uploadLimit, [this](sdk::RequestContext& ctx) {
                 auto [file, perms] = visibleFile(ctx);
                 if (file.isFolder()) throw sdk::Conflict("'" + file.path + "' is a folder", "is_folder");
                 if (!perms.write) throw sdk::Forbidden("You may read this file but not change it", "write_denied");
                 FileRow updated = store_->replace(file, ctx.requireAuth().userId, ctx.bodyStream());
                 recordActivity(ctx.requireAuth().userId, "file.updated", updated);
                 ctx.respondJson(200, entry(updated));
             }});
    r.route({"POST", "/api/v1/files/id/{file_id}/share", AuthMode::Required, kJsonBodyLimit,
             [this](sdk::RequestContext& ctx) {
                 auto [file, perms] = visibleFile(ctx);
                 if (!perms.reshare) throw sdk::Forbidden("You may not share this file further", "reshare_denied");
                 share(ctx, file);
             }});
}

Poco::JSON::Object::Ptr FilesPlugin::entry(const FileRow& f) const {
    auto o = sdk::json::object();
    o->set("name", f.path);
    o->set("type", f.kind);
    o->set("content_type", f.contentType.empty() ? Poco::Dynamic::Var() : Poco::Dynamic::Var(f.contentType));
    o->set("is_public", f.isPublic);
    o->set("created_at", floatSeconds(f.createdAt));
    o->set("updated_at", floatSeconds(f.updatedAt));
    Poco::Dynamic::Var meta = sdk::json::object();
    try {
        meta = sdk::json::parseStrict(f.metadataJson);
    } catch (...) {
    }
    o->set("metadata", meta);
    o->set("id", f.id);
    o->set("size", f.size);
    o->set("etag", f.isFolder() ? Poco::Dynamic::Var() : Poco::Dynamic::Var(etagOf(f)));
    o->set("file_type", f.fileType);
    if (f.isPublic) o->set("public_url", "/api/v1/files/id/" + f.id + "/raw");
    return o;
}

void FilesPlugin::recordActivity(const std::string& actorId, const std::string& action, const FileRow& f,
                                 Poco::JSON::Object::Ptr details) const {
    if (!activity_) return;
    sdk::ActivityEntry e;
    e.actorId = actorId;
    e.action = action;
    e.resourceType = f.kind;  // "file" or "folder", as registered with core.access.v1
    e.resourceId = f.id;
    e.resourceName = f.path;
    e.ownerId = f.userId;
    e.workspaceId = access_->workspaceOwning(f.userId);
    e.details = details ? details : sdk::json::object();
    if (!f.isFolder() && !e.details->has("size")) e.details->set("size", f.size);
    try {
        activity_->record(e);  // after the commit: the change stands even if this fails
    } catch (const std::exception&) {
    }
}

bool FilesPlugin::notModified(const sdk::RequestContext& ctx, const FileRow& f) {
    auto inm = ctx.header("If-None-Match");
    return inm && !f.isFolder() && etagMatches(*inm, etagOf(f));
}

FilesPlugin::Space FilesPlugin::scope(sdk::RequestContext& ctx, uint32_t need) const {
    const std::string& me = ctx.requireAuth().userId;
    if (ctx.path().rfind("/api/v1/workspaces/", 0) != 0) return Space{me};
    // Members see the workspace's files by their role: viewer reads, editor writes and
    // shares, admin and owner also manage grants. Others get 404.
    auto d = access_->require(me, "workspace", ctx.pathParam("workspace_id"), need, "Workspace not found");
    return Space{d.resource->ownerId};
}

FileRow FilesPlugin::spaceFile(sdk::RequestContext& ctx, uint32_t need) const {
    std::string path = normalisePath(ctx.pathParam("path"));
    auto f = store_->byPath(scope(ctx, need).ownerId, path);
    if (!f) throw sdk::NotFound("File not found", "file_not_found");
    return *f;
}

std::pair<FileRow, Permissions> FilesPlugin::visibleFile(sdk::RequestContext& ctx) const {
    auto f = store_->byId(ctx.pathParam("file_id"));
    if (!f) throw sdk::NotFound("File not found", "file_not_found");
    const sdk::AuthContext* who = ctx.auth();
    if (who != nullptr) {
        if (uint32_t bits = accessTo(who->userId, *f)) return {*f, Permissions::fromBits(bits)};
    }
    if (f->isPublic) return {*f, Permissions{true, false, false}};
    throw sdk::NotFound("File not found", "file_not_found");
}

void FilesPlugin::list(sdk::RequestContext& ctx) {
    auto out = sdk::json::array();
    for (const auto& f : store_->all(scope(ctx, sdk::access::kView).ownerId, true)) out->add(entry(f));
    ctx.respondJson(200, out);
}

void FilesPlugin::tree(sdk::RequestContext& ctx) {
    const std::string owner = scope(ctx, sdk::access::kView).ownerId;
    auto rows = store_->all(owner, false);
    std::map<std::string, int> counts;
    for (const auto& g : grantsOnFiles(rows)) ++counts[g.resourceId];
    auto root = sdk::json::array();
    std::map<std::string, Poco::JSON::Array::Ptr> children{{"", root}};
    // Rows come ordered by path, so a folder is always seen before its children.
    for (const auto& f : rows) {
        auto node = sdk::json::object();
        node->set("name", baseName(f.path));
        node->set("path", f.path);
        node->set("type", f.kind);
        node->set("id", f.id);
        node->set("size", f.size);
        node->set("content_type", f.contentType.empty() ? Poco::Dynamic::Var() : Poco::Dynamic::Var(f.contentType));
        node->set("is_public", f.isPublic);
        node->set("share_count", counts.count(f.id) ? counts[f.id] : 0);
        node->set("updated_at", floatSeconds(f.updatedAt));
        if (f.isFolder()) {
            auto kids = sdk::json::array();
            node->set("children", kids);
            children[f.path] = kids;
        }
        auto parent = children.find(dirName(f.path));
        (parent != children.end() ? parent->second : root)->add(node);
    }
    auto out = sdk::json::object();
    out->set("children", root);
    ctx.respondJson(200, out);
}

void FilesPlugin::uploadMultipart(sdk::RequestContext& ctx) {
    std::string path = normalisePath(ctx.pathParam("path"));
    const std::string owner = scope(ctx, sdk::access::kEdit).ownerId;
    store_->checkUploadable(owner, path);
    // The part is staged while the body is read and committed only once the whole multipart
    // body parsed: a malformed or truncated body leaves nothing behind.
    std::optional<StagedUpload> staged;
    try {
        ctx.readMultipart([&](const sdk::MultipartPart& part, std::istream& data) {
            if (part.name != "file" || staged) return;  // other fields (HubGPT's is_public) are ignored
            staged = store_->stage(data, owner, path);
        });
    } catch (...) {
        if (staged) store_->discard(*staged);
        throw;
    }
    std::optional<StoredFile> stored;
    if (staged) stored = store_->commit(owner, path, *staged);
    if (!stored) {
        auto item = sdk::json::object();
        item->set("type", "missing");
        auto loc = sdk::json::array();
        loc->add("body");
        loc->add("file");
        item->set("loc", loc);
        item->set("msg", "Field required");
        auto list = sdk::json::array();
        list->add(item);
        sdk::ValidationError e("file: Field required (multipart field 'file')", "missing_file");
        e.withDetail(list);
        throw e;
    }
    recordActivity(ctx.requireAuth().userId, stored->created ? "file.created" : "file.updated", stored->row);
    auto o = entry(stored->row);
    o->set("filename", path);
    ctx.respondJson(200, o);
}

void FilesPlugin::uploadRaw(sdk::RequestContext& ctx) {
    std::string path = normalisePath(ctx.pathParam("path"));
    StoredFile stored = store_->upload(scope(ctx, sdk::access::kEdit).ownerId, path, ctx.bodyStream());
    recordActivity(ctx.requireAuth().userId, stored.created ? "file.created" : "file.updated", stored.row);
    ctx.respondJson(stored.created ? 201 : 200, entry(stored.row));
}

void FilesPlugin::makeFolder(sdk::RequestContext& ctx) {
    std::string path = normalisePath(ctx.pathParam("path"));
    const std::string owner = scope(ctx, sdk::access::kEdit).ownerId;
    if (auto existing = store_->byPath(owner, path)) {
        if (!existing->isFolder()) throw sdk::Conflict("'" + path + "' is a file", "is_file");
        ctx.respondJson(200, entry(*existing));
        return;
    }
    FileRow folder = store_->makeFolder(owner, path);
    recordActivity(ctx.requireAuth().userId, "folder.created", folder);
    ctx.respondJson(201, entry(folder));
}

void FilesPlugin::content(sdk::RequestContext& ctx, const FileRow& file) {
    if (file.isFolder()) throw sdk::Conflict("'" + file.path + "' is a folder", "is_folder");
    std::string rawUrl = "/api/v1/files/id/" + file.id + "/raw";
    if (file.size > maxContentBytes_) {
        throw sdk::PayloadTooLarge("'" + file.path + "' is too large for /content; download it from " + rawUrl,
                                   "content_too_large");
    }
    auto in = store_->blobs().open(file.blobId);
    if (!in) throw sdk::Unavailable("The file's data is missing from storage", "blob_missing");
    std::string data((std::istreambuf_iterator<char>(*in)), std::istreambuf_iterator<char>());
    if (!validUtf8Text(data)) {
        throw sdk::Error(415, "binary_content",
                         "'" + file.path + "' is not UTF-8 text; download its bytes from " + rawUrl);
    }
    auto o = sdk::json::object();
    o->set("filename", file.path);
    o->set("content", sdk::text::universalNewlines(data));
    ctx.respondJson(200, o);
}

void FilesPlugin::raw(sdk::RequestContext& ctx, const FileRow& file) {
    if (file.isFolder()) throw sdk::Conflict("'" + file.path + "' is a folder", "is_folder");
    std::string etag = etagOf(file);
    ctx.setHeader("ETag", etag);
    ctx.setHeader("Last-Modified", httpDate(file.updatedAt));
    ctx.setHeader("Accept-Ranges", "bytes");
    ctx.setHeader("Cache-Control", file.isPublic ? "public, max-age=0, must-revalidate" : "private, max-age=0, must-revalidate");
    ctx.setHeader("X-Content-Type-Options", "nosniff");
    ctx.setHeader("Content-Disposition", contentDisposition(isActiveContent(file.contentType), baseName(file.path)));
    if (isActiveContent(file.contentType)) {
        ctx.setHeader("Content-Security-Policy", "default-src 'none'; sandbox");
    }
    if (notModified(ctx, file)) {
        ctx.respond(304, file.contentType, "");
        return;
    }
    auto size = static_cast<uint64_t>(file.size);
    std::optional<ByteRange> range;
    if (auto h = ctx.header("Range")) {
        auto ifRange = ctx.header("If-Range");
        if (!ifRange || *ifRange == etag) range = parseRange(*h, size);
    }
    auto in = store_->blobs().open(file.blobId);
    if (!in) throw sdk::Unavailable("The file's data is missing from storage", "blob_missing");
    uint64_t first = 0, length = size;
    int status = 200;
    if (range) {
        first = range->first;
        length = range->last - range->first + 1;
        status = 206;
        ctx.setHeader("Content-Range", "bytes " + std::to_string(range->first) + "-" + std::to_string(range->last) +
                                           "/" + std::to_string(size));
        in->seekg(static_cast<std::streamoff>(first));
    }
    std::ostream& out = ctx.beginBody(status, file.contentType.empty() ? "application/octet-stream" : file.contentType, length);
    if (ctx.method() == "HEAD") return;
    std::vector<char> buf(64 * 1024);
    uint64_t left = length;
    while (left > 0 && !ctx.clientGone()) {
        auto want = static_cast<std::streamsize>(std::min<uint64_t>(left, buf.size()));
        in->read(buf.data(), want);
        std::streamsize got = in->gcount();
        if (got <= 0) break;
        out.write(buf.data(), got);
        left -= static_cast<uint64_t>(got);
    }
}

void FilesPlugin::remove(sdk::RequestContext& ctx) {
    FileRow f = spaceFile(ctx, sdk::access::kEdit);
    int n = store_->remove(f);
    auto details = sdk::json::object();
    details->set("removed", n);
    recordActivity(ctx.requireAuth().userId, f.kind + ".deleted", f, details);
    auto o = sdk::json::object();
    o->set("status", "success");
    o->set("deleted", n);
    ctx.respondJson(200, o);
}

void FilesPlugin::patch(sdk::RequestContext& ctx) {
    FileRow f = spaceFile(ctx, sdk::access::kEdit);
    sdk::BodyValidator v(ctx.jsonBody());
    auto newName = v.optionalString("new_name", 1024);
    auto newPath = v.optionalString("new_path", 8192);
    auto isPublic = v.optionalBool("is_public");
    v.finish();
    if (!newName && !newPath && !isPublic) {
        throw sdk::ValidationError("Give new_name, new_path or is_public", "nothing_to_change");
    }
    if (newName && newPath) throw sdk::ValidationError("Give new_name or new_path, not both", "ambiguous_change");
    // Every check before the first change, so a rejected PATCH changes nothing.
    if (isPublic && f.isFolder()) throw sdk::ValidationError("Only files can be made public", "folder_not_publishable");
    if (newName) normaliseName(*newName);
    if (newPath) normalisePath(*newPath);
    const std::string& me = ctx.requireAuth().userId;
    const std::string previousPath = f.path;
    if (newName) {
        std::string name = normaliseName(*newName);
        std::string dir = dirName(f.path);
        f = store_->move(f, normalisePath(dir.empty() ? name : dir + "/" + name));
    } else if (newPath) {
        f = store_->move(f, normalisePath(*newPath));
    }
    if (f.path != previousPath) {
        auto details = sdk::json::object();
        details->set("previous_path", previousPath);
        recordActivity(me, f.kind + ".moved", f, details);
    }
    if (isPublic && *isPublic != f.isPublic) {
        f = store_->setPublic(f, *isPublic);
        auto details = sdk::json::object();
        details->set("public", *isPublic);
        recordActivity(me, "file.visibility_changed", f, details);
    }
    ctx.respondJson(200, entry(f));
}

std::vector<sdk::AccessGrant> FilesPlugin::grantsOnFiles(const std::vector<FileRow>& rows) const {
    std::vector<std::string> files, folders;
    for (const auto& f : rows) (f.isFolder() ? folders : files).push_back(f.id);
    auto out = access_->grantsOnEach("file", files);
    auto more = access_->grantsOnEach("folder", folders);
    out.insert(out.end(), more.begin(), more.end());
    return out;
}

Poco::JSON::Object::Ptr FilesPlugin::shareJson(const sdk::AccessGrant& g, const std::string& path) const {
    auto o = sdk::json::object();
    o->set("id", g.id);
    o->set("file_id", g.resourceId);
    o->set("type", g.resourceType);
    if (!path.empty()) o->set("path", path);
    o->set("principal_type", g.principal.type);
    o->set("principal_id", g.principal.id);
    // HubGPT's fields name a user; a team's grant names the team there instead.
    Poco::Dynamic::Var name;
    if (g.principal.type == "user") {
        if (auto u = auth_->findUserById(g.principal.id)) name = u->username;
    }
    o->set("shared_with_id", g.principal.id);
    o->set("shared_with", name);
    o->set("permissions", Permissions::fromBits(g.permissions).toJson());
    o->set("expires_at", g.expiresAt ? Poco::Dynamic::Var(sdk::IClock::formatIso(g.expiresAt)) : Poco::Dynamic::Var());
    o->set("granted_by", g.grantedBy);
    o->set("created_at", sdk::IClock::formatIso(g.createdAt));
    return o;
}

void FilesPlugin::share(sdk::RequestContext& ctx, const FileRow& file) {
    const auto& who = ctx.requireAuth();
    sdk::BodyValidator v(ctx.jsonBody());
    auto withId = v.optionalString("shared_with_id", 64);
    auto withName = v.optionalString("shared_with", 1024);
    auto perms = v.optionalObject("permissions");
    int64_t expires = parseExpiry(v, store_->nowMicros());
    Permissions wanted{true, false, false};
    if (perms) {
        auto flag = [&](const char* key, bool& out) {
            if (!perms->has(key)) return;
            if (!perms->get(key).isBoolean()) {
                v.fail("permissions", "bool_type", std::string("permissions.") + key + " should be a boolean");
                return;
            }
            out = perms->getValue<bool>(key);
        };
        flag("read", wanted.read);
        flag("write", wanted.write);
        flag("reshare", wanted.reshare);
    }
    if (!withId && !withName) v.fail("shared_with_id", "missing", "Field required (shared_with_id or shared_with)");
    v.finish();
    if (!wanted.read) throw sdk::ValidationError("A share must include read", "share_without_read");
    std::optional<sdk::UserInfo> recipient = withId ? auth_->findUserById(*withId) : auth_->findUserByName(*withName);
    if (!recipient) throw sdk::NotFound("User not found", "user_not_found");
    // The access model enforces the rules: nobody grants more than they hold, a reshare never
    // outlives the resharer's own grant, another's grant is not a resharer's to replace.
    sdk::AccessGrantRequest req;
    req.resourceType = file.kind;
    req.resourceId = file.id;
    req.principal = {"user", recipient->id};
    req.permissions = wanted.bits();
    req.expiresAt = expires;
    sdk::AccessGrant g = access_->grant(who.userId, req);
    ctx.respondJson(200, shareJson(g, ""));
}

void FilesPlugin::unshare(sdk::RequestContext& ctx) {
    FileRow f = spaceFile(ctx, sdk::access::kView);  // revoke() decides who may revoke what
    std::string userId = sdk::text::canonicalUuid(ctx.pathParam("user_id"));
    for (const auto& g : access_->grantsOn(f.kind, f.id)) {
        if (g.principal.type == "user" && g.principal.id == userId && access_->revoke(ctx.requireAuth().userId, g.id)) {
            auto o = sdk::json::object();
            o->set("status", "success");
            ctx.respondJson(200, o);
            return;
        }
    }
    throw sdk::NotFound("Share not found", "share_not_found");
}

void FilesPlugin::myShares(sdk::RequestContext& ctx) {
    auto rows = store_->all(ctx.requireAuth().userId, false);
    std::map<std::string, std::string> pathOf;
    for (const auto& f : rows) pathOf[f.id] = f.path;
    auto grants = grantsOnFiles(rows);
    std::stable_sort(grants.begin(), grants.end(), [&](const sdk::AccessGrant& a, const sdk::AccessGrant& b) {
        return pathOf[a.resourceId] < pathOf[b.resourceId];
    });
    auto out = sdk::json::array();
    for (const auto& g : grants) {
        auto o = shareJson(g, pathOf[g.resourceId]);
        o->set("expired", false);  // only live grants are listed; kept for HubGPT clients
        out->add(o);
    }
    ctx.respondJson(200, out);
}

void FilesPlugin::sharedWithMe(sdk::RequestContext& ctx) {
    const std::string& me = ctx.requireAuth().userId;
    // One entry per file or folder: the union of the grants that reach the caller, ending
    // when the last of them ends.
    struct Reach {
        uint32_t bits = 0;
        int64_t expiresAt = -1;
    };
    std::map<std::string, Reach> reach;
    std::vector<std::string> ids;
    for (const char* kind : {"file", "folder"}) {
        for (const auto& g : access_->grantsTo(me, kind)) {
            auto [it, fresh] = reach.try_emplace(g.resourceId);
            if (fresh) ids.push_back(g.resourceId);
            it->second.bits |= g.permissions;
            if (it->second.expiresAt != 0) {
                it->second.expiresAt = g.expiresAt == 0 ? 0 : std::max(it->second.expiresAt, g.expiresAt);
            }
        }
    }
    auto out = sdk::json::array();
    for (const auto& f : store_->byIds(ids)) {
        const Reach& r = reach[f.id];
        if (f.userId == me || (r.bits & sdk::access::kView) == 0) continue;
        auto o = sdk::json::object();
        o->set("file_id", f.id);
        o->set("type", f.kind);
        o->set("owner_id", f.userId);
        auto u = auth_->findUserById(f.userId);
        o->set("owner", u ? Poco::Dynamic::Var(u->username) : Poco::Dynamic::Var());
        o->set("path", f.path);
        o->set("name", baseName(f.path));
        o->set("size", f.size);
        o->set("content_type", f.contentType.empty() ? Poco::Dynamic::Var() : Poco::Dynamic::Var(f.contentType));
        o->set("permissions", Permissions::fromBits(r.bits).toJson());
        o->set("expires_at", r.expiresAt > 0 ? Poco::Dynamic::Var(sdk::IClock::formatIso(r.expiresAt)) : Poco::Dynamic::Var());
        o->set("url", "/api/v1/files/id/" + f.id + (f.isFolder() ? "" : "/raw"));
        out->add(o);
    }
    ctx.respondJson(200, out);
}

}  // namespace hub::plugins::files

HUB_PLUGIN(hub::plugins::files::FilesPlugin, "files", "1.0.0")
