#include "ResumableUploads.h"

#include <algorithm>

#include <Poco/Crypto/DigestEngine.h>
#include <Poco/Data/Session.h>
#include <Poco/Logger.h>

#include "ContentType.h"
#include "FilePath.h"

using namespace Poco::Data::Keywords;

namespace hub::plugins::files {
namespace {

constexpr std::size_t kJsonBodyLimit = 64 * 1024;
constexpr std::size_t kHeadBytes = 4096;

std::string mib(int64_t bytes) {
    if (bytes % (1024 * 1024) == 0) return std::to_string(bytes / (1024 * 1024)) + " MiB";
    return std::to_string(bytes) + " bytes";
}

/// Part numbers are plain decimal 1..max (no sign, no leading zero).
int parsePartNumber(const std::string& text, int maxParts) {
    bool digits = !text.empty() && text.size() <= 6 && text[0] != '0' &&
                  text.find_first_not_of("0123456789") == std::string::npos;
    int n = digits ? std::stoi(text) : 0;
    if (n < 1 || n > maxParts) {
        throw sdk::ValidationError("Part numbers run from 1 to " + std::to_string(maxParts), "invalid_part_number");
    }
    return n;
}

/// Feeds `in` to `sha` (OpenSSL through Poco::Crypto, hardware-accelerated where available),
/// keeping the first bytes for type detection.
void consume(Poco::Crypto::DigestEngine& sha, std::istream& in, std::string& head) {
    std::vector<char> buf(256 * 1024);
    while (in) {
        in.read(buf.data(), static_cast<std::streamsize>(buf.size()));
        auto n = static_cast<std::size_t>(in.gcount());
        if (n == 0) break;
        if (head.size() < kHeadBytes) head.append(buf.data(), std::min(n, kHeadBytes - head.size()));
        sha.update(buf.data(), n);
    }
}

}  // namespace

int64_t UploadRow::received() const {
    int64_t total = 0;
    for (const auto& p : parts) total += p.size;
    return total;
}

ResumableUploads::~ResumableUploads() { stop(); }

void ResumableUploads::registerRoutes(sdk::Registrar& r) {
    using sdk::AuthMode;
    auto bind = [this](void (ResumableUploads::*fn)(sdk::RequestContext&)) {
        return [this, fn](sdk::RequestContext& ctx) { (this->*fn)(ctx); };
    };
    const auto partLimit = static_cast<std::size_t>(settings_.maxFileBytes);
    // The caller's own uploads, and (under /api/v1/workspaces/{id}) the workspace's, which
    // every member who may write there can continue, complete or abort.
    for (const std::string uploads : {"/api/v1/uploads", "/api/v1/workspaces/{workspace_id}/uploads"}) {
        r.route({"POST", uploads, AuthMode::Required, kJsonBodyLimit, bind(&ResumableUploads::create)});
        r.route({"GET", uploads, AuthMode::Required, 0, bind(&ResumableUploads::list)});
        r.route({"GET", uploads + "/{upload_id}", AuthMode::Required, 0, bind(&ResumableUploads::show)});
        r.route({"PUT", uploads + "/{upload_id}/parts/{part}", AuthMode::Required, partLimit,
                 bind(&ResumableUploads::putPart)});
        r.route({"POST", uploads + "/{upload_id}/complete", AuthMode::Required, kJsonBodyLimit,
                 bind(&ResumableUploads::complete)});
        r.route({"DELETE", uploads + "/{upload_id}", AuthMode::Required, 0, bind(&ResumableUploads::abort)});
    }
}

void ResumableUploads::start(FileStore& store, sdk::ITransactionalBlobStore& blobs, sdk::IClock& clock) {
    store_ = &store;
    blobs_ = &blobs;
    clock_ = &clock;
    stopping_ = false;
    // Often enough that an expired upload's space returns within a few minutes of expiry.
    auto interval = std::chrono::seconds(std::clamp<int64_t>(settings_.expirySeconds / 2, 1, 300));
    sweeper_ = std::thread([this, interval] {
        std::unique_lock<std::mutex> lock(sweepMutex_);
        while (!sweepWake_.wait_for(lock, interval, [this] { return stopping_; })) {
            lock.unlock();
            try {
                if (int n = sweepExpired(); n > 0) {
                    Poco::Logger::get("files").information("aborted %d expired upload(s)", n);
                }
            } catch (const std::exception& e) {
                Poco::Logger::get("files").warning("expired-upload sweep failed: %s", std::string(e.what()));
            }
            lock.lock();
        }
    });
}

void ResumableUploads::stop() noexcept {
    {
        std::lock_guard<std::mutex> lock(sweepMutex_);
        stopping_ = true;
    }
    sweepWake_.notify_all();
    if (sweeper_.joinable()) sweeper_.join();
    store_ = nullptr;
}

std::string ResumableUploads::lockSuffix() const {
    return store_->db().dialect() == sdk::Dialect::PostgreSQL ? " FOR UPDATE" : "";
}

std::vector<UploadPart> ResumableUploads::partsOf(Poco::Data::Session& s, const std::string& uploadId) {
    std::vector<int> numbers;
    std::vector<Poco::Int64> sizes;
    std::vector<std::string> shas, blobs;
    std::string id = uploadId;
    s << "SELECT part_number, size_bytes, sha256, blob_id FROM file_upload_parts WHERE upload_id = $1 "
         "ORDER BY part_number",
        use(id), into(numbers), into(sizes), into(shas), into(blobs), now;
    std::vector<UploadPart> out(numbers.size());
    for (std::size_t i = 0; i < out.size(); ++i) out[i] = UploadPart{numbers[i], sizes[i], shas[i], blobs[i]};
    return out;
}

std::optional<UploadRow> ResumableUploads::load(const std::string& rawId) {
    std::string id = sdk::text::canonicalUuid(rawId);
    if (id.empty()) return std::nullopt;
    std::optional<UploadRow> out;
    store_->db().withSession([&](Poco::Data::Session& s) {
        out.reset();
        std::vector<std::string> users, paths, shas;
        std::vector<Poco::Int64> sizes, created, expires;
        s << "SELECT CAST(user_id AS TEXT), file_path, size_bytes, COALESCE(sha256, ''), created_at, expires_at "
             "FROM file_uploads WHERE id = $1",
            use(id), into(users), into(paths), into(sizes), into(shas), into(created), into(expires), now;
        if (users.empty()) return;
        UploadRow u;
        u.id = id;
        u.userId = users[0];
        u.path = paths[0];
        u.size = sizes[0];
        u.expectedSha256 = shas[0];
        u.createdAt = created[0];
        u.expiresAt = expires[0];
        u.parts = partsOf(s, id);
        out = u;
    });
    return out;
}

UploadRow ResumableUploads::ownUpload(sdk::RequestContext& ctx) {
    auto u = load(ctx.pathParam("upload_id"));
    if (!u || u->userId != owner_(ctx, sdk::access::kEdit)) throw sdk::NotFound("Upload not found", "upload_not_found");
    if (u->expiresAt <= clock_->nowMicros()) {
        abortUpload(u->id, true);
        throw sdk::NotFound("Upload not found (it expired; start a new one)", "upload_not_found");
    }
    return *u;
}

Poco::JSON::Object::Ptr ResumableUploads::describe(const UploadRow& u) const {
    auto o = sdk::json::object();
    o->set("id", u.id);
    o->set("path", u.path);
    o->set("size", u.size);
    o->set("sha256", u.expectedSha256.empty() ? Poco::Dynamic::Var() : Poco::Dynamic::Var(u.expectedSha256));
    // A part size that fits the part-count limit, never below the minimum.
    int64_t perPart = (u.size + settings_.maxParts - 1) / settings_.maxParts;
    o->set("part_size", std::max(settings_.suggestedPartBytes, perPart));
    o->set("min_part_size", settings_.minPartBytes);
    o->set("max_parts", settings_.maxParts);
    auto parts = sdk::json::array();
    for (const auto& p : u.parts) {
        auto po = sdk::json::object();
        po->set("part_number", p.number);
        po->set("size", p.size);
        po->set("sha256", p.sha256);
        parts->add(po);
    }
    o->set("parts", parts);
    o->set("received_bytes", u.received());
    o->set("created_at", sdk::IClock::formatIso(u.createdAt));
    o->set("expires_at", sdk::IClock::formatIso(u.expiresAt));
    return o;
}

void ResumableUploads::create(sdk::RequestContext& ctx) {
    const std::string owner = owner_(ctx, sdk::access::kEdit);
    sdk::BodyValidator v(ctx.jsonBody());
    std::string rawPath = v.requiredString("path", 4096);
    int64_t size = v.requiredInt("size", 1, INT64_MAX);
    auto sha = v.optionalString("sha256", 64);
    if (sha) {
        std::transform(sha->begin(), sha->end(), sha->begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
        if (sha->size() != 64 || sha->find_first_not_of("0123456789abcdef") != std::string::npos) {
            v.fail("sha256", "value_error", "sha256 must be 64 hexadecimal digits");
        }
    }
    v.finish();
    std::string path = normalisePath(rawPath);
    // Limits before the first byte.
    if (size > settings_.maxFileBytes) {
        throw sdk::PayloadTooLarge("A file of " + std::to_string(size) + " bytes is larger than the limit of " +
                                   std::to_string(settings_.maxFileBytes) + " bytes");
    }
    store_->checkUploadable(owner, path);
    UploadRow u;
    u.id = sdk::text::newUuid();
    u.userId = owner;
    u.path = path;
    u.size = size;
    u.expectedSha256 = sha.value_or("");
    u.createdAt = clock_->nowMicros();
    u.expiresAt = u.createdAt + settings_.expirySeconds * 1000000;
    store_->db().withTransaction([&](Poco::Data::Session& s) {
        int open = 0;
        std::string o = owner;
        int64_t t = u.createdAt;
        s << "SELECT COUNT(*) FROM file_uploads WHERE user_id = $1 AND expires_at > $2", use(o), use(t), into(open), now;
        if (open >= settings_.maxOpenPerUser) {
            throw sdk::TooManyRequests("You have " + std::to_string(open) +
                                           " unfinished uploads; complete or abort one first",
                                       60, "too_many_uploads");
        }
        Poco::Nullable<std::string> expected;
        if (!u.expectedSha256.empty()) expected = u.expectedSha256;
        s << "INSERT INTO file_uploads (id, user_id, file_path, size_bytes, sha256, created_at, updated_at, expires_at) "
             "VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            use(u.id), use(o), use(u.path), use(u.size), use(expected), use(u.createdAt), use(u.createdAt),
            use(u.expiresAt), now;
    });
    // The upload's address in the space it was created in.
    const std::string space = ctx.pathParam("workspace_id").empty() ? "" : "/workspaces/" + ctx.pathParam("workspace_id");
    ctx.setHeader("Location", "/api/v1" + space + "/uploads/" + u.id);
    ctx.respondJson(201, describe(u));
}

void ResumableUploads::list(sdk::RequestContext& ctx) {
    std::vector<std::string> ids;
    std::string owner = owner_(ctx, sdk::access::kEdit);
    int64_t t = clock_->nowMicros();
    store_->db().withSession([&](Poco::Data::Session& s) {
        ids.clear();
        s << "SELECT CAST(id AS TEXT) FROM file_uploads WHERE user_id = $1 AND expires_at > $2 ORDER BY created_at",
            use(owner), use(t), into(ids), now;
    });
    auto out = sdk::json::array();
    for (const auto& id : ids) {
        if (auto u = load(id)) out->add(describe(*u));
    }
    ctx.respondJson(200, out);
}

void ResumableUploads::show(sdk::RequestContext& ctx) { ctx.respondJson(200, describe(ownUpload(ctx))); }

void ResumableUploads::putPart(sdk::RequestContext& ctx) {
    UploadRow u = ownUpload(ctx);
    const int number = parsePartNumber(ctx.pathParam("part"), settings_.maxParts);
    int64_t others = 0;
    for (const auto& p : u.parts) others += p.number == number ? 0 : p.size;
    const int64_t room = u.size - others;
    if (auto cl = ctx.header("Content-Length")) {
        try {
            if (std::stoll(*cl) > room) {
                throw sdk::PayloadTooLarge("Part " + std::to_string(number) + " would exceed the declared size: " +
                                           std::to_string(room) + " bytes are left");
            }
        } catch (const std::logic_error&) {
            // The core has already refused malformed lengths; nothing to add here.
        }
    }
    sdk::StagedBlob staged;
    try {
        staged = blobs_->stage(ctx.bodyStream(), u.userId, static_cast<uint64_t>(std::max<int64_t>(room, 0)));
    } catch (const sdk::PayloadTooLarge&) {
        throw sdk::PayloadTooLarge("Part " + std::to_string(number) + " would exceed the declared size: " +
                                   std::to_string(room) + " bytes are left");
    }
    if (staged.info.size == 0) {
        blobs_->discard(staged.info.id);
        throw sdk::ValidationError("A part must not be empty", "empty_part");
    }
    sdk::ReclaimList freed;
    int64_t received = 0;
    try {
        store_->db().withTransaction([&](Poco::Data::Session& s) {
            freed.entries.clear();
            std::vector<Poco::Int64> sizes;
            std::string id = u.id;
            s << "SELECT size_bytes FROM file_uploads WHERE id = $1" + lockSuffix(), use(id), into(sizes), now;
            if (sizes.empty()) throw sdk::NotFound("Upload not found (it was completed or aborted)", "upload_not_found");
            std::vector<UploadPart> parts = partsOf(s, id);
            int64_t total = static_cast<int64_t>(staged.info.size);
            std::string replaced;
            for (const auto& p : parts) {
                if (p.number == number) {
                    replaced = p.blobId;
                } else {
                    total += p.size;
                }
            }
            if (total > sizes[0]) {
                throw sdk::PayloadTooLarge("The parts would exceed the declared size of " + std::to_string(sizes[0]) + " bytes");
            }
            blobs_->attach(s, staged.info.id);
            if (!replaced.empty()) {
                blobs_->release(s, replaced, freed);
                int replacedNumber = number;
                s << "DELETE FROM file_upload_parts WHERE upload_id = $1 AND part_number = $2", use(id),
                    use(replacedNumber), now;
            }
            auto size = static_cast<int64_t>(staged.info.size);
            int64_t at = clock_->nowMicros(), expires = at + settings_.expirySeconds * 1000000;
            std::string blobId = staged.info.id, sha = staged.info.sha256;
            int n = number;
            s << "INSERT INTO file_upload_parts (upload_id, part_number, blob_id, size_bytes, sha256, created_at) "
                 "VALUES ($1, $2, $3, $4, $5, $6)",
                use(id), use(n), use(blobId), use(size), use(sha), use(at), now;
            s << "UPDATE file_uploads SET updated_at = $1, expires_at = $2 WHERE id = $3", use(at), use(expires), use(id),
                now;
            received = total;
        });
    } catch (...) {
        blobs_->discard(staged.info.id);
        throw;
    }
    blobs_->reclaim(freed);
    auto o = sdk::json::object();
    o->set("part_number", number);
    o->set("size", staged.info.size);
    o->set("sha256", staged.info.sha256);
    o->set("received_bytes", received);
    o->set("upload_size", u.size);
    ctx.respondJson(200, o);
}

void ResumableUploads::complete(sdk::RequestContext& ctx) {
    UploadRow u = ownUpload(ctx);
    // Every part present, contiguous from 1, adding up to the declared size.
    std::vector<std::string> missing;
    int expectNumber = 1;
    for (const auto& p : u.parts) {
        for (; expectNumber < p.number && missing.size() < 20; ++expectNumber) missing.push_back(std::to_string(expectNumber));
        expectNumber = p.number + 1;
    }
    if (u.parts.empty() || !missing.empty() || u.received() != u.size) {
        std::string message = "The upload has " + std::to_string(u.received()) + " of " + std::to_string(u.size) + " bytes";
        if (!missing.empty()) {
            std::string list;
            for (const auto& m : missing) list += (list.empty() ? "" : ", ") + m;
            message += "; missing part(s) " + list;
        }
        throw sdk::Conflict(message, "upload_incomplete");
    }
    for (std::size_t i = 0; i + 1 < u.parts.size(); ++i) {
        if (u.parts[i].size < settings_.minPartBytes) {
            throw sdk::Conflict("Part " + std::to_string(u.parts[i].number) + " is " + std::to_string(u.parts[i].size) +
                                    " bytes; every part but the last must be at least " + mib(settings_.minPartBytes),
                                "part_too_small");
        }
    }
    // The whole file's SHA-256 (its ETag) and first bytes (its type), read back from the parts.
    Poco::Crypto::DigestEngine hasher("SHA256");
    std::string head;
    for (const auto& p : u.parts) {
        auto in = blobs_->open(p.blobId);
        if (!in) throw sdk::Conflict("The upload changed while completing (aborted or a part replaced); check it and complete again", "upload_changed");
        consume(hasher, *in, head);
    }
    std::string sha = Poco::DigestEngine::digestToHex(hasher.digest());
    if (!u.expectedSha256.empty() && sha != u.expectedSha256) {
        throw sdk::Error(422, "sha256_mismatch",
                         "The parts' SHA-256 is " + sha + ", not the declared " + u.expectedSha256 +
                             "; replace the wrong part(s) and complete again");
    }
    store_->checkUploadable(u.userId, u.path);
    std::vector<std::string> partBlobs;
    for (const auto& p : u.parts) partBlobs.push_back(p.blobId);
    StoredFile stored = store_->commitWith(
        u.userId, u.path, detectContentType(head, u.path), [&](Poco::Data::Session& s, sdk::ReclaimList& freed) {
            std::vector<std::string> found;
            std::string id = u.id;
            s << "SELECT CAST(id AS TEXT) FROM file_uploads WHERE id = $1" + lockSuffix(), use(id), into(found), now;
            if (found.empty()) throw sdk::NotFound("Upload not found (it was completed or aborted)", "upload_not_found");
            std::vector<std::string> current;
            for (const auto& p : partsOf(s, id)) current.push_back(p.blobId);
            if (current != partBlobs) throw sdk::Conflict("A part changed while the upload was completing; complete again", "upload_changed");
            sdk::BlobInfo whole = blobs_->concat(s, u.userId, partBlobs, sha);
            dropIn(s, id, freed);
            return whole;
        });
    if (committed_) committed_(ctx.requireAuth().userId, stored);
    auto o = entry_(stored.row);
    o->set("upload_id", u.id);
    ctx.respondJson(stored.created ? 201 : 200, o);
}

void ResumableUploads::dropIn(Poco::Data::Session& s, const std::string& uploadId, sdk::ReclaimList& freed) {
    std::string id = uploadId;
    for (const auto& p : partsOf(s, id)) blobs_->release(s, p.blobId, freed);
    s << "DELETE FROM file_upload_parts WHERE upload_id = $1", use(id), now;
    s << "DELETE FROM file_uploads WHERE id = $1", use(id), now;
}

void ResumableUploads::abortUpload(const std::string& uploadId, bool onlyIfExpired) {
    sdk::ReclaimList freed;
    store_->db().withTransaction([&](Poco::Data::Session& s) {
        freed.entries.clear();
        // Lock the upload first: a complete, a part or another abort of it waits, or finds
        // it gone, so its parts are released exactly once.
        std::vector<Poco::Int64> expires;
        std::string id = uploadId;
        s << "SELECT expires_at FROM file_uploads WHERE id = $1" + lockSuffix(), use(id), into(expires), now;
        if (expires.empty()) return;
        if (onlyIfExpired && expires[0] > clock_->nowMicros()) return;  // a part just arrived
        dropIn(s, uploadId, freed);
    });
    blobs_->reclaim(freed);
}

void ResumableUploads::abort(sdk::RequestContext& ctx) {
    UploadRow u = ownUpload(ctx);
    abortUpload(u.id, false);
    auto o = sdk::json::object();
    o->set("status", "success");
    o->set("id", u.id);
    ctx.respondJson(200, o);
}

int ResumableUploads::sweepExpired() {
    if (store_ == nullptr) return 0;
    std::vector<std::string> ids;
    int64_t t = clock_->nowMicros();
    store_->db().withSession([&](Poco::Data::Session& s) {
        ids.clear();
        s << "SELECT CAST(id AS TEXT) FROM file_uploads WHERE expires_at <= $1", use(t), into(ids), now;
    });
    for (const auto& id : ids) abortUpload(id, true);
    return static_cast<int>(ids.size());
}

}  // namespace hub::plugins::files
