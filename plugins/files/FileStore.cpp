#include "FileStore.h"

#include <algorithm>

#include <Poco/Data/Session.h>
#include <Poco/Data/Statement.h>
#include <Poco/Nullable.h>
#include <Poco/Tuple.h>

#include "ContentType.h"
#include "FilePath.h"
#include "hub/sdk/Error.h"
#include "hub/sdk/Json.h"
#include "hub/sdk/Text.h"

using namespace Poco::Data::Keywords;

namespace hub::plugins::files {
namespace {

using Row = Poco::Tuple<std::string, std::string, std::string, std::string, std::string, std::string, Poco::Int64,
                        std::string, std::string, bool, std::string, Poco::Int64, Poco::Int64>;

constexpr const char* kColumns =
    "SELECT CAST(id AS TEXT), CAST(user_id AS TEXT), file_path, kind, file_type, COALESCE(content_type, ''), "
    "size_bytes, COALESCE(blob_id, ''), COALESCE(sha256, ''), is_public, CAST(file_metadata AS TEXT), created_at, "
    "updated_at FROM user_files ";

FileRow fromRow(const Row& r) {
    FileRow f;
    f.id = r.get<0>();
    f.userId = r.get<1>();
    f.path = r.get<2>();
    f.kind = r.get<3>();
    f.fileType = r.get<4>();
    f.contentType = r.get<5>();
    f.size = r.get<6>();
    f.blobId = r.get<7>();
    f.sha256 = r.get<8>();
    f.isPublic = r.get<9>();
    f.metadataJson = r.get<10>();
    f.createdAt = r.get<11>();
    f.updatedAt = r.get<12>();
    return f;
}


}  // namespace
Poco::JSON::Object::Ptr Permissions::toJson() const {
    auto o = sdk::json::object();
    o->set("read", read);
    o->set("write", write);
    o->set("reshare", reshare);
    return o;
}

uint32_t Permissions::bits() const {
    return (read ? sdk::access::kView : 0u) | (write ? sdk::access::kEdit : 0u) | (reshare ? sdk::access::kReshare : 0u);
}

Permissions Permissions::fromBits(uint32_t bits) {
    // manage includes what reshare allows: whoever may change every grant may also add one.
    return Permissions{(bits & sdk::access::kView) != 0, (bits & sdk::access::kEdit) != 0,
                       (bits & (sdk::access::kReshare | sdk::access::kManage)) != 0};
}

FileStore::FileStore(std::shared_ptr<sdk::IDatabase> db, std::shared_ptr<sdk::ITransactionalBlobStore> blobs,
                     std::shared_ptr<sdk::IClock> clock, std::shared_ptr<sdk::IEventBus> events,
                     std::shared_ptr<sdk::IAccess> access, std::shared_ptr<sdk::IShareLinks> links,
                     uint64_t maxUploadBytes)
    : db_(std::move(db)),
      blobs_(std::move(blobs)),
      clock_(std::move(clock)),
      events_(std::move(events)),
      access_(std::move(access)),
      links_(std::move(links)),
      maxUploadBytes_(maxUploadBytes) {}

std::optional<FileRow> FileStore::byPath(const std::string& ownerId, const std::string& path) const {
    std::vector<Row> rows;
    std::string o = ownerId, p = path;
    db_->withSession([&](Poco::Data::Session& s) {
        rows.clear();
        s << std::string(kColumns) + "WHERE user_id = $1 AND file_path = $2", use(o), use(p), into(rows), now;
    });
    if (rows.empty()) return std::nullopt;
    return fromRow(rows.front());
}

std::optional<FileRow> FileStore::byId(const std::string& id) const {
    std::string i = sdk::text::canonicalUuid(id);
    if (i.empty()) return std::nullopt;
    std::vector<Row> rows;
    db_->withSession([&](Poco::Data::Session& s) {
        rows.clear();
        s << std::string(kColumns) + "WHERE id = $1", use(i), into(rows), now;
    });
    if (rows.empty()) return std::nullopt;
    return fromRow(rows.front());
}

std::vector<FileRow> FileStore::all(const std::string& ownerId, bool filesOnly) const {
    std::vector<Row> rows;
    std::string o = ownerId;
    db_->withSession([&](Poco::Data::Session& s) {
        rows.clear();
        s << std::string(kColumns) + "WHERE user_id = $1" + (filesOnly ? " AND kind = 'file'" : "") +
                 " ORDER BY file_path",
            use(o), into(rows), now;
    });
    std::vector<FileRow> out;
    out.reserve(rows.size());
    for (const auto& r : rows) out.push_back(fromRow(r));
    return out;
}

void FileStore::publish(const std::string& topic, const FileRow& row, const std::string& actorId,
                        int64_t sizeDelta) const {
    auto p = sdk::json::object();
    p->set("user_id", row.userId);
    p->set("actor_id", actorId);
    p->set("file_id", row.id);
    p->set("path", row.path);
    p->set("kind", row.kind);
    p->set("size", row.size);
    p->set("size_delta", sizeDelta);
    events_->publish(topic, p);
}

void FileStore::ensureParents(Poco::Data::Session& s, const std::string& ownerId, const std::string& path, int64_t at) {
    for (const auto& parent : parentFolders(path)) {
        std::string o = ownerId, p = parent;
        std::vector<std::string> kinds;
        s << "SELECT kind FROM user_files WHERE user_id = $1 AND file_path = $2", use(o), use(p), into(kinds), now;
        if (!kinds.empty()) {
            if (kinds[0] != "folder") throw sdk::Conflict("'" + parent + "' is a file, not a folder", "parent_is_file");
            continue;
        }
        std::string id = sdk::text::newUuid();
        std::string kind = "folder", type = "folder", meta = "{}";
        bool pub = false;
        int64_t zero = 0;
        // Another writer may create the same folder at the same moment: that is fine.
        s << "INSERT INTO user_files (id, user_id, file_path, kind, file_type, size_bytes, is_public, file_metadata, "
             "created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) "
             "ON CONFLICT (user_id, file_path) DO NOTHING",
            use(id), use(o), use(p), use(kind), use(type), use(zero), use(pub), use(meta), use(at), use(at), now;
    }
}

void FileStore::checkUploadable(const std::string& ownerId, const std::string& path) const {
    if (auto existing = byPath(ownerId, path); existing && existing->isFolder()) {
        throw sdk::Conflict("'" + path + "' is a folder", "is_folder");
    }
    for (const auto& parent : parentFolders(path)) {
        auto p = byPath(ownerId, parent);
        if (p && !p->isFolder()) throw sdk::Conflict("'" + parent + "' is a file, not a folder", "parent_is_file");
    }
}

StagedUpload FileStore::stage(std::istream& content, const std::string& ownerId, const std::string& nameForType) {
    sdk::StagedBlob staged = blobs_->stage(content, ownerId, maxUploadBytes_);
    return StagedUpload{staged.info, detectContentType(staged.head, nameForType)};
}

void FileStore::discard(const StagedUpload& staged) { blobs_->discard(staged.blob.id); }

StoredFile FileStore::upload(const std::string& ownerId, const std::string& path, std::istream& content) {
    checkUploadable(ownerId, path);  // cheap checks before any byte is stored
    return commit(ownerId, path, stage(content, ownerId, path));
}

StoredFile FileStore::commit(const std::string& ownerId, const std::string& path, const StagedUpload& staged) {
    try {
        return commitWith(ownerId, path, staged.contentType, [&](Poco::Data::Session& s, sdk::ReclaimList&) {
            blobs_->attach(s, staged.blob.id);
            return staged.blob;
        });
    } catch (...) {
        blobs_->discard(staged.blob.id);  // the metadata never referenced it
        throw;
    }
}

StoredFile FileStore::commitNew(const std::string& ownerId, const std::string& folderPath, const std::string& name,
                                const StagedUpload& staged) {
    // "report.pdf", then "report (1).pdf", "report (2).pdf", ...: an upload through a link
    // never replaces a file, nor tells the uploader what exists.
    auto dot = name.rfind('.');
    std::string stem = dot == std::string::npos || dot == 0 ? name : name.substr(0, dot);
    std::string ext = dot == std::string::npos || dot == 0 ? "" : name.substr(dot);
    try {
        for (int n = 0; n < 1000; ++n) {
            std::string candidate = n == 0 ? name : stem + " (" + std::to_string(n) + ")" + ext;
            std::string path = folderPath.empty() ? candidate : folderPath + "/" + candidate;
            try {
                return commitWith(
                    ownerId, path, staged.contentType,
                    [&](Poco::Data::Session& s, sdk::ReclaimList&) {
                        blobs_->attach(s, staged.blob.id);
                        return staged.blob;
                    },
                    false);
            } catch (const sdk::Conflict& e) {
                if (e.code() != "file_exists") throw;
            }
        }
        throw sdk::Conflict("Too many files named '" + name + "' here", "name_exhausted");
    } catch (...) {
        blobs_->discard(staged.blob.id);
        throw;
    }
}

StoredFile FileStore::commitWith(const std::string& ownerId, const std::string& path, const std::string& contentType,
                                 const BlobProducer& produce, bool replace) {
    StoredFile result;
    sdk::ReclaimList freed;
    int64_t oldSize = 0;
    // On PostgreSQL the row is locked while its old blob id is read, so concurrent replacements
    // each free the blob they replaced (SQLite's BEGIN IMMEDIATE already serialises writers).
    const std::string lock = db_->dialect() == sdk::Dialect::PostgreSQL ? " FOR UPDATE" : "";
    std::string fileType = fileTypeOf(baseName(path), contentType);
    int64_t at = nowMicros();
    for (int attempt = 0;; ++attempt) {
        try {
            db_->withTransaction([&](Poco::Data::Session& s) {
                freed.entries.clear();
                const sdk::BlobInfo blob = produce(s, freed);
                ensureParents(s, ownerId, path, at);
                std::vector<Row> rows;
                std::string o = ownerId, p = path, ct = contentType;
                s << std::string(kColumns) + "WHERE user_id = $1 AND file_path = $2" + lock, use(o), use(p), into(rows),
                    now;
                auto size = static_cast<int64_t>(blob.size);
                std::string blobId = blob.id, sha = blob.sha256;
                if (!rows.empty()) {
                    FileRow cur = fromRow(rows.front());
                    if (!replace) throw sdk::Conflict("'" + path + "' exists", "file_exists");
                    if (cur.isFolder()) throw sdk::Conflict("'" + path + "' is a folder", "is_folder");
                    blobs_->release(s, cur.blobId, freed);
                    oldSize = cur.size;
                    s << "UPDATE user_files SET blob_id = $1, sha256 = $2, size_bytes = $3, content_type = $4, "
                         "file_type = $5, updated_at = $6 WHERE id = $7",
                        use(blobId), use(sha), use(size), use(ct), use(fileType), use(at), use(cur.id), now;
                    cur.blobId = blob.id;
                    cur.sha256 = blob.sha256;
                    cur.size = size;
                    cur.contentType = contentType;
                    cur.fileType = fileType;
                    cur.updatedAt = at;
                    result = StoredFile{cur, false};
                } else {
                    FileRow f;
                    f.id = sdk::text::newUuid();
                    f.userId = ownerId;
                    f.path = path;
                    f.kind = "file";
                    f.fileType = fileType;
                    f.contentType = contentType;
                    f.size = size;
                    f.blobId = blob.id;
                    f.sha256 = blob.sha256;
                    f.createdAt = f.updatedAt = at;
                    s << "INSERT INTO user_files (id, user_id, file_path, kind, file_type, content_type, size_bytes, "
                         "blob_id, sha256, is_public, file_metadata, created_at, updated_at) "
                         "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
                        use(f.id), use(f.userId), use(f.path), use(f.kind), use(f.fileType), use(f.contentType),
                        use(f.size), use(f.blobId), use(f.sha256), use(f.isPublic), use(f.metadataJson),
                        use(f.createdAt), use(f.updatedAt), now;
                    result = StoredFile{f, true};
                }
            });
            break;
        } catch (const sdk::Error&) {
            throw;
        } catch (const std::exception& e) {
            // Two first uploads of one path raced on PostgreSQL: the loser retries and finds
            // the winner's row to replace.
            if (attempt < 3 && db_->isUniqueViolation(e)) continue;
            throw;
        }
    }
    blobs_->reclaim(freed);  // the replaced version's space comes back now
    publish(result.created ? "file.created" : "file.updated", result.row, ownerId, result.row.size - oldSize);
    return result;
}

FileRow FileStore::replace(const FileRow& file, const std::string& actorId, std::istream& content) {
    StagedUpload staged = stage(content, file.userId, file.path);
    const sdk::BlobInfo& blob = staged.blob;
    FileRow cur = file;
    sdk::ReclaimList freed;
    try {
        int64_t at = nowMicros();
        db_->withTransaction([&](Poco::Data::Session& s) {
            freed.entries.clear();
            std::vector<std::string> blobs;
            std::string id = file.id;
            const std::string lock = db_->dialect() == sdk::Dialect::PostgreSQL ? " FOR UPDATE" : "";
            s << "SELECT COALESCE(blob_id, '') FROM user_files WHERE id = $1" + lock, use(id), into(blobs), now;
            if (blobs.empty()) throw sdk::NotFound("File not found", "file_not_found");
            blobs_->attach(s, blob.id);
            blobs_->release(s, blobs[0], freed);
            auto size = static_cast<int64_t>(blob.size);
            std::string blobId = blob.id, sha = blob.sha256, contentType = staged.contentType;
            s << "UPDATE user_files SET blob_id = $1, sha256 = $2, size_bytes = $3, content_type = $4, updated_at = $5 "
                 "WHERE id = $6",
                use(blobId), use(sha), use(size), use(contentType), use(at), use(id), now;
            cur.blobId = blob.id;
            cur.sha256 = blob.sha256;
            cur.size = size;
            cur.contentType = staged.contentType;
            cur.updatedAt = at;
        });
    } catch (...) {
        blobs_->discard(blob.id);
        throw;
    }
    blobs_->reclaim(freed);
    publish("file.updated", cur, actorId, cur.size - file.size);
    return cur;
}

FileRow FileStore::makeFolder(const std::string& ownerId, const std::string& path) {
    int64_t at = nowMicros();
    db_->withTransaction([&](Poco::Data::Session& s) {
        ensureParents(s, ownerId, path + "/x", at);  // the folder itself and its parents
    });
    auto row = byPath(ownerId, path);
    if (!row) throw sdk::NotFound("Folder not found", "file_not_found");
    publish("file.created", *row, ownerId, 0);
    return *row;
}

std::vector<FileRow> FileStore::byIds(const std::vector<std::string>& rawIds) const {
    std::vector<std::string> ids;
    for (const auto& id : rawIds) {
        if (auto c = sdk::text::canonicalUuid(id); !c.empty()) ids.push_back(c);
    }
    std::vector<FileRow> out;
    constexpr std::size_t kBatch = 200;  // under both databases' parameter limits
    for (std::size_t first = 0; first < ids.size(); first += kBatch) {
        std::size_t n = std::min(kBatch, ids.size() - first);
        std::string sql = std::string(kColumns) + "WHERE id IN (";
        for (std::size_t i = 0; i < n; ++i) sql += (i ? ", $" : "$") + std::to_string(i + 1);
        sql += ")";
        std::vector<Row> rows;
        std::vector<std::string> batch(ids.begin() + static_cast<std::ptrdiff_t>(first),
                                       ids.begin() + static_cast<std::ptrdiff_t>(first + n));
        db_->withSession([&](Poco::Data::Session& s) {
            rows.clear();
            Poco::Data::Statement st(s);
            st << sql, into(rows);
            for (auto& id : batch) st, use(id);
            st.execute();
        });
        for (const auto& r : rows) out.push_back(fromRow(r));
    }
    std::sort(out.begin(), out.end(), [](const FileRow& a, const FileRow& b) { return a.path < b.path; });
    return out;
}

std::vector<FileRow> FileStore::ancestors(const FileRow& file) const {
    std::vector<std::string> paths;
    for (std::string dir = dirName(file.path); !dir.empty(); dir = dirName(dir)) paths.push_back(dir);
    std::vector<FileRow> out;
    if (paths.empty()) return out;
    std::string sql = std::string(kColumns) + "WHERE user_id = $1 AND kind = 'folder' AND file_path IN (";
    for (std::size_t i = 0; i < paths.size(); ++i) sql += (i ? ", $" : "$") + std::to_string(i + 2);
    sql += ") ORDER BY file_path";
    std::vector<Row> rows;
    std::string owner = file.userId;
    db_->withSession([&](Poco::Data::Session& s) {
        rows.clear();
        Poco::Data::Statement st(s);
        st << sql, use(owner), into(rows);
        for (auto& p : paths) st, use(p);
        st.execute();
    });
    for (const auto& r : rows) out.push_back(fromRow(r));
    return out;
}

std::vector<FileRow> FileStore::under(const FileRow& folder, bool filesOnly) const {
    std::vector<Row> rows;
    std::string o = folder.userId, prefix = folder.path + "/";
    int n = static_cast<int>(codePoints(prefix));
    db_->withSession([&](Poco::Data::Session& s) {
        rows.clear();
        s << std::string(kColumns) + "WHERE user_id = $1 AND substr(file_path, 1, $2) = $3" +
                 (filesOnly ? " AND kind = 'file'" : "") + " ORDER BY file_path",
            use(o), use(n), use(prefix), into(rows), now;
    });
    std::vector<FileRow> out;
    out.reserve(rows.size());
    for (const auto& r : rows) out.push_back(fromRow(r));
    return out;
}

int FileStore::remove(const FileRow& target) {
    sdk::ReclaimList reclaimable;
    int64_t freed = 0;
    int removed = 0;
    db_->withTransaction([&](Poco::Data::Session& s) {
        std::string o = target.userId, p = target.path, prefix = target.path + "/";
        int n = static_cast<int>(codePoints(prefix));
        std::vector<std::string> ids, kinds;
        std::vector<std::string> blobIds;
        std::vector<Poco::Int64> sizes;
        // RETURNING gives the blob ids of the rows actually deleted: a replacement that
        // committed meanwhile is released, not the version it replaced.
        s << "DELETE FROM user_files WHERE user_id = $1 AND (file_path = $2 OR substr(file_path, 1, $3) = $4) "
             "RETURNING CAST(id AS TEXT), kind, COALESCE(blob_id, ''), size_bytes",
            use(o), use(p), use(n), use(prefix), into(ids), into(kinds), into(blobIds), into(sizes), now;
        reclaimable.entries.clear();
        freed = 0;
        for (std::size_t i = 0; i < ids.size(); ++i) {
            blobs_->release(s, blobIds[i], reclaimable);
            access_->forgetResource(s, kinds[i], ids[i]);  // its grants and links go with it
            links_->forgetResource(s, kinds[i], ids[i]);
            freed += sizes[i];
        }
        removed = static_cast<int>(ids.size());
    });
    blobs_->reclaim(reclaimable);  // the space is free before the request returns
    publish("file.deleted", target, target.userId, -freed);
    return removed;
}

FileRow FileStore::move(const FileRow& target, const std::string& newPath) {
    if (newPath == target.path) return target;
    if (target.isFolder() && newPath.rfind(target.path + "/", 0) == 0) {
        throw sdk::ValidationError("A folder cannot be moved into itself", "move_into_self");
    }
    int64_t at = nowMicros();
    db_->withTransaction([&](Poco::Data::Session& s) {
        std::string o = target.userId, np = newPath;
        std::vector<std::string> existing;
        s << "SELECT kind FROM user_files WHERE user_id = $1 AND file_path = $2", use(o), use(np), into(existing), now;
        if (!existing.empty()) throw sdk::Conflict("File with new name already exists", "target_exists");
        ensureParents(s, target.userId, newPath, at);
        std::string id = target.id;
        s << "UPDATE user_files SET file_path = $1, updated_at = $2 WHERE id = $3", use(np), use(at), use(id), now;
        if (target.isFolder()) {
            std::string oldPrefix = target.path + "/", newPrefix = newPath + "/";
            int n = static_cast<int>(codePoints(oldPrefix));
            int from = n + 1;
            s << "UPDATE user_files SET file_path = $1 || substr(file_path, $2) WHERE user_id = $3 AND "
                 "substr(file_path, 1, $4) = $5",
                use(newPrefix), use(from), use(o), use(n), use(oldPrefix), now;
        }
    });
    auto moved = byId(target.id);
    if (!moved) throw sdk::NotFound("File not found", "file_not_found");
    publish("file.updated", *moved, target.userId, 0);
    return *moved;
}

FileRow FileStore::setPublic(const FileRow& target, bool isPublic) {
    int64_t at = nowMicros();
    db_->withTransaction([&](Poco::Data::Session& s) {
        std::string id = target.id;
        bool pub = isPublic;
        s << "UPDATE user_files SET is_public = $1, updated_at = $2 WHERE id = $3", use(pub), use(at), use(id), now;
    });
    FileRow out = target;
    out.isPublic = isPublic;
    out.updatedAt = at;
    publish("file.updated", out, target.userId, 0);
    return out;
}

}  // namespace hub::plugins::files
