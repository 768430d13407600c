#include "storage/BlobEngine.h"

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fcntl.h>
#include <fstream>
#include <map>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <Poco/Data/Session.h>

#include "hub/sdk/Error.h"
#include "util/Crypto.h"

namespace fs = std::filesystem;
using namespace Poco::Data::Keywords;

namespace hub::core::storage {
namespace {

constexpr std::size_t kHeadBytes = 4096;
constexpr std::size_t kReadBlock = 256 * 1024;

bool isHex(const std::string& s, std::size_t len) {
    return s.size() == len && s.find_first_not_of("0123456789abcdef") == std::string::npos;
}

bool validBlobId(const std::string& id) { return isHex(id, 32); }

/// Owner ids become directory names: only what user and workspace ids are made of, and not
/// the name of the shared scope's directory (gc would take that owner's chunks for orphans).
bool validScope(const std::string& s) {
    return s.size() <= 64 && s != "_shared" &&
           std::all_of(s.begin(), s.end(), [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_'; });
}

std::string chunkAad(const std::string& scope, const std::string& hash) { return "hub-chunk:" + scope + ":" + hash; }

std::string reclaimEntry(const std::string& scope, const std::string& hash) { return "chunk:" + scope + ":" + hash; }

void fsyncPath(const std::string& path, int flags) {
    int fd = ::open(path.c_str(), flags);
    if (fd < 0) throw std::runtime_error("cannot open " + path + " for fsync: " + std::strerror(errno));
    int rc = ::fsync(fd);
    ::close(fd);
    if (rc != 0) throw std::runtime_error("fsync failed for " + path);
}

/// The whole file, or nullopt when it does not exist.
std::optional<std::string> readWholeFile(const std::string& path) {
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        if (errno == ENOENT) return std::nullopt;
        throw std::runtime_error("cannot open " + path + ": " + std::strerror(errno));
    }
    struct stat st {};
    if (::fstat(fd, &st) != 0) {
        ::close(fd);
        throw std::runtime_error("cannot stat " + path);
    }
    std::string out(static_cast<std::size_t>(st.st_size), '\0');
    std::size_t got = 0;
    while (got < out.size()) {
        ssize_t n = ::read(fd, out.data() + got, out.size() - got);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        got += static_cast<std::size_t>(n);
    }
    ::close(fd);
    out.resize(got);
    return out;
}

sdk::Error storageCorrupt() {
    return sdk::Error(500, "storage_corrupt",
                      "The file's stored data failed an integrity check and was not served; the server log and "
                      "`hubd fsck` name the damaged chunk");
}

bool olderThan(const fs::path& p, int64_t graceSeconds) {
    std::error_code ec;
    auto t = fs::last_write_time(p, ec);
    if (ec) return false;
    return std::chrono::file_clock::now() - t > std::chrono::seconds(graceSeconds);
}

/// A seekable read-only stream over a blob's chunks; one decoded chunk in memory at a time.
class BlobReadBuf : public std::streambuf {
public:
    /// `chunks` must already be pinned; the buffer unpins them when it goes.
    BlobReadBuf(const BlobEngine& engine, std::string blobId, std::vector<ManifestEntry> chunks, uint64_t size)
        : engine_(engine), blobId_(std::move(blobId)), chunks_(std::move(chunks)), size_(size) {}
    ~BlobReadBuf() override {
        data_.reset();
        engine_.unpin(chunks_);
    }
    BlobReadBuf(const BlobReadBuf&) = delete;
    BlobReadBuf& operator=(const BlobReadBuf&) = delete;

    /// Loads the chunk holding `pos` (so its verification happens now, not mid-response).
    bool positionAt(uint64_t pos) {
        if (pos > size_) return false;
        if (pos == size_) {
            current_ = chunks_.size();
            data_.reset();
            setg(nullptr, nullptr, nullptr);
            return true;
        }
        auto it = std::upper_bound(chunks_.begin(), chunks_.end(), pos,
                                   [](uint64_t p, const ManifestEntry& e) { return p < e.offset; });
        std::size_t index = static_cast<std::size_t>(it - chunks_.begin()) - 1;
        load(index);
        char* base = const_cast<char*>(data_->data());
        setg(base, base + (pos - chunks_[index].offset), base + data_->size());
        return true;
    }

protected:
    int_type underflow() override {
        if (gptr() < egptr()) return traits_type::to_int_type(*gptr());
        std::size_t next = current_ == kNone ? 0 : current_ + 1;
        if (next >= chunks_.size()) {
            current_ = chunks_.size();
            return traits_type::eof();
        }
        load(next);
        char* base = const_cast<char*>(data_->data());
        setg(base, base, base + data_->size());
        if (gptr() == egptr()) return traits_type::eof();
        return traits_type::to_int_type(*gptr());
    }

    pos_type seekoff(off_type off, std::ios_base::seekdir dir, std::ios_base::openmode which) override {
        if ((which & std::ios_base::in) == 0) return pos_type(off_type(-1));
        int64_t base = 0;
        if (dir == std::ios_base::cur) {
            base = static_cast<int64_t>(tell());
        } else if (dir == std::ios_base::end) {
            base = static_cast<int64_t>(size_);
        }
        int64_t target = base + off;
        if (target < 0) return pos_type(off_type(-1));
        if (dir == std::ios_base::cur && off == 0) return pos_type(off_type(target));
        if (!positionAt(static_cast<uint64_t>(target))) return pos_type(off_type(-1));
        return pos_type(off_type(target));
    }

    pos_type seekpos(pos_type pos, std::ios_base::openmode which) override {
        return seekoff(off_type(pos), std::ios_base::beg, which);
    }

    std::streamsize showmanyc() override {
        return static_cast<std::streamsize>(size_ - tell());
    }

private:
    static constexpr std::size_t kNone = static_cast<std::size_t>(-1);

    uint64_t tell() const {
        if (current_ == kNone) return 0;
        if (current_ >= chunks_.size()) return size_;
        return chunks_[current_].offset + static_cast<uint64_t>(gptr() - eback());
    }

    void load(std::size_t index) {
        data_ = engine_.loadChunk(chunks_[index], blobId_, engine_.cacheable(size_));
        current_ = index;
    }

    const BlobEngine& engine_;
    std::string blobId_;
    std::vector<ManifestEntry> chunks_;
    uint64_t size_;
    std::size_t current_ = kNone;
    ChunkCache::Data data_;
};

class BlobStream : public std::istream {
public:
    explicit BlobStream(std::unique_ptr<BlobReadBuf> buf) : std::istream(buf.get()), buf_(std::move(buf)) {
        exceptions(std::ios::badbit);  // a chunk that fails verification ends the read loudly
    }
    BlobReadBuf& buffer() { return *buf_; }

private:
    std::unique_ptr<BlobReadBuf> buf_;
};

}  // namespace

/// Per-stage() state: where the chunks go and what has been written.
struct BlobEngine::WriteState {
    std::string blobId;
    std::string scope;
    OwnerKeys keys;
    bool encrypt = false;
    int seq = 0;
    uint64_t offset = 0;
    /// Chunk files written to tmp/ but not yet in place: they are synced and renamed together
    /// when the blob's bytes are all in, so the disk sees large writes instead of one sync per
    /// chunk. Nothing references them before then (the blob is only staged).
    std::vector<std::pair<std::string, std::string>> pending;  ///< temp path, final path
    std::set<std::string> pendingHashes;
    ~WriteState() {
        for (const auto& [tmp, final] : pending) ::unlink(tmp.c_str());
    }
};

BlobEngine::BlobEngine(Database& db, StorageSettings settings)
    : db_(db),
      settings_(std::move(settings)),
      chunker_(settings_.chunking),
      codec_(settings_.codec),
      keys_(db, settings_.masterKey),
      cache_(settings_.cacheBytes),
      logger_(Poco::Logger::get("storage")) {
    if (settings_.encrypt && !keys_.hasMasterKey()) {
        throw std::invalid_argument("storage encryption is on but no master key is configured");
    }
    fs::create_directories(fs::path(settings_.root) / "tmp");
    fs::create_directories(fs::path(settings_.root) / "chunks");
}

BlobEngine::~BlobEngine() {
    if (lockFd_ >= 0) ::close(lockFd_);  // releases the flock
}

bool BlobEngine::lockStorage(bool exclusive) {
    if (lockFd_ < 0) {
        std::string path = (fs::path(settings_.root) / "serving.lock").string();
        lockFd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
        if (lockFd_ < 0) throw std::runtime_error("cannot open " + path + ": " + std::strerror(errno));
    }
    return ::flock(lockFd_, (exclusive ? LOCK_EX : LOCK_SH) | LOCK_NB) == 0;
}

int64_t BlobEngine::nowMicros() const {
    return std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::system_clock::now().time_since_epoch())
        .count();
}

std::string BlobEngine::scopeFor(const std::string& ownerId) const {
    return settings_.dedupPerOwner || settings_.encrypt ? ownerId : std::string();
}

std::string BlobEngine::chunkPath(const std::string& scope, const std::string& hash) const {
    return (fs::path(settings_.root) / "chunks" / (scope.empty() ? std::string("_shared") : scope) / hash.substr(0, 2) /
            hash)
        .string();
}

std::string BlobEngine::legacyPath(const std::string& blobId) const {
    return (fs::path(settings_.root) / blobId.substr(0, 2) / blobId).string();
}

sdk::StagedBlob BlobEngine::stage(std::istream& in, const std::string& ownerId, uint64_t maxBytes) {
    return stageAs(crypto::randomHex(16), in, ownerId, maxBytes);
}

sdk::StagedBlob BlobEngine::stageAs(const std::string& blobId, std::istream& in, const std::string& ownerId,
                                    uint64_t maxBytes) {
    if (!validScope(ownerId)) throw std::invalid_argument("invalid storage owner id '" + ownerId + "'");
    WriteState w;
    w.blobId = blobId;
    w.scope = scopeFor(ownerId);
    w.encrypt = settings_.encrypt;
    if (w.encrypt) w.keys = keys_.keysFor(w.scope, true);
    {
        std::string id = blobId, owner = ownerId, empty;
        int64_t at = nowMicros(), zero = 0;
        db_.withTransaction([&](Poco::Data::Session& s) {
            s << "INSERT INTO storage_blobs (id, owner_id, state, size_bytes, sha256, chunk_count, created_at) "
                 "VALUES ($1, $2, 'staged', $3, $4, 0, $5)",
                use(id), use(owner), use(zero), use(empty), use(at), now;
        });
    }
    sdk::StagedBlob staged;
    crypto::Sha256 whole;
    uint64_t total = 0;
    try {
        std::vector<uint8_t> buf(chunker_.maxSize() + kReadBlock);
        std::size_t len = 0;
        bool atEnd = false;
        while (!atEnd || len > 0) {
            while (!atEnd && len < chunker_.maxSize()) {
                in.read(reinterpret_cast<char*>(buf.data() + len), static_cast<std::streamsize>(std::min(kReadBlock, buf.size() - len)));
                auto n = static_cast<std::size_t>(in.gcount());
                if (n == 0) {
                    // Without badbit in its exception mask a stream reports a failed read only
                    // as badbit: that is not the end of the upload.
                    if (in.bad()) throw std::runtime_error("the input stream failed before its end");
                    atEnd = true;
                    break;
                }
                if (total + n > maxBytes) {
                    throw sdk::PayloadTooLarge("Upload is larger than the limit of " + std::to_string(maxBytes) + " bytes");
                }
                if (staged.head.size() < kHeadBytes) {
                    staged.head.append(reinterpret_cast<const char*>(buf.data() + len), std::min(n, kHeadBytes - staged.head.size()));
                }
                whole.update(buf.data() + len, n);
                total += n;
                len += n;
            }
            if (len == 0) break;
            std::size_t cut = chunker_.cut(buf.data(), len);
            storeChunk(w, buf.data(), cut);
            std::memmove(buf.data(), buf.data() + cut, len - cut);
            len -= cut;
        }
        placeDurably(w);
        staged.info = sdk::BlobInfo{blobId, total, whole.finalHex()};
        std::string id = blobId, sha = staged.info.sha256;
        auto size = static_cast<int64_t>(total);
        int count = w.seq;
        db_.withTransaction([&](Poco::Data::Session& s) {
            s << "UPDATE storage_blobs SET size_bytes = $1, sha256 = $2, chunk_count = $3 WHERE id = $4", use(size),
                use(sha), use(count), use(id), now;
        });
    } catch (...) {
        discard(blobId);
        throw;
    }
    return staged;
}

void BlobEngine::storeChunk(WriteState& w, const uint8_t* data, std::size_t n) {
    std::string hash = w.encrypt ? crypto::hmacSha256Hex(w.keys.idKey, data, n) : crypto::sha256Hex(data, n);
    std::string path = chunkPath(w.scope, hash);
    // Compress/encrypt only when the chunk is new to this scope; a dedup hit costs a hash.
    std::string encoded;
    std::error_code ec;
    const bool known = w.pendingHashes.count(hash) > 0 || fs::exists(path, ec);
    if (!known) encoded = codec_.encode(data, n, w.encrypt ? w.keys.cipherKey : std::string(), chunkAad(w.scope, hash));
    // The reference is committed before the file is checked again: a concurrent reclaim
    // either ran before (and the file is written below) or waits for this row.
    std::string blobId = w.blobId, scope = w.scope;
    int seq = w.seq;
    auto offset = static_cast<int64_t>(w.offset), size = static_cast<int64_t>(n);
    auto stored = static_cast<int64_t>(encoded.size());
    int64_t at = nowMicros();
    // On SQLite a reclaim frees a chunk file only after its commit is durable, outside the
    // transaction; this stripe keeps it from slipping between our reference and our check.
    std::unique_lock<std::mutex> stripe(stripeFor(scope + ":" + hash), std::defer_lock);
    if (db_.dialect() == sdk::Dialect::SQLite) stripe.lock();
    db_.withTransaction([&](Poco::Data::Session& s) {
        s << "INSERT INTO storage_blob_chunks (blob_id, seq, scope, hash, offset_bytes, size_bytes) "
             "VALUES ($1, $2, $3, $4, $5, $6)",
            use(blobId), use(seq), use(scope), use(hash), use(offset), use(size), now;
        s << "INSERT INTO storage_chunks (scope, hash, size_bytes, stored_bytes, refcount, created_at) "
             "VALUES ($1, $2, $3, $4, 1, $5) ON CONFLICT (scope, hash) DO UPDATE SET refcount = storage_chunks.refcount + 1",
            use(scope), use(hash), use(size), use(stored), use(at), now;
        // A staged blob's created_at is its last activity: gc removes only uploads idle past
        // the grace period, not long ones still arriving.
        s << "UPDATE storage_blobs SET created_at = $1 WHERE id = $2", use(at), use(blobId), now;
    });
    const bool needFile = w.pendingHashes.count(hash) == 0 && !fs::exists(path, ec);
    if (stripe.owns_lock()) stripe.unlock();
    if (needFile) {
        if (encoded.empty()) encoded = codec_.encode(data, n, w.encrypt ? w.keys.cipherKey : std::string(), chunkAad(w.scope, hash));
        w.pending.emplace_back(writeTemp(w.blobId, encoded), path);
        w.pendingHashes.insert(hash);
    }
    ++w.seq;
    w.offset += n;
}

std::string BlobEngine::writeTemp(const std::string& blobId, const std::string& bytes) {
    // Named after the blob, so a sweep can tell an upload still arriving from a dead one.
    std::string tmp = (fs::path(settings_.root) / "tmp" / (blobId + "-" + crypto::randomHex(8) + ".chunk")).string();
    int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) throw sdk::Unavailable("The blob store could not create a file (" + std::string(std::strerror(errno)) + ")", "storage_write_failed");
    std::size_t done = 0;
    while (done < bytes.size()) {
        ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) {
            int err = errno;
            ::close(fd);
            ::unlink(tmp.c_str());
            throw sdk::Unavailable("The blob store could not write (" + std::string(std::strerror(err)) + ")", "storage_write_failed");
        }
        done += static_cast<std::size_t>(n);
    }
    // Start writeback now, without waiting: by the time placeDurably() syncs, most is on disk.
    ::sync_file_range(fd, 0, 0, SYNC_FILE_RANGE_WRITE);
    ::close(fd);
    return tmp;
}

void BlobEngine::placeDurably(WriteState& w) {
    std::set<std::string> dirs;
    try {
        for (const auto& [tmp, final] : w.pending) fsyncPath(tmp, O_RDONLY);
    } catch (const std::runtime_error& e) {
        throw sdk::Unavailable(std::string("The blob store could not sync to disk (") + e.what() + ")", "storage_write_failed");
    }
    for (const auto& [tmp, final] : w.pending) {
        fs::path target(final);
        std::error_code ec;
        // A directory made now (a new owner's scope, a new prefix) must itself survive a
        // power cut: its parent is synced too.
        for (fs::path dir = target.parent_path(); !fs::exists(dir, ec); dir = dir.parent_path()) {
            dirs.insert(dir.parent_path().string());
        }
        fs::create_directories(target.parent_path(), ec);
        fs::rename(tmp, target, ec);
        if (ec) throw sdk::Unavailable("The blob store could not place a chunk (" + ec.message() + ")", "storage_write_failed");
        dirs.insert(target.parent_path().string());
    }
    w.pending.clear();
    try {
        // Deepest first, so a new directory is synced before the entry that names it.
        for (auto it = dirs.rbegin(); it != dirs.rend(); ++it) fsyncPath(*it, O_RDONLY | O_DIRECTORY);
    } catch (const std::runtime_error& e) {
        throw sdk::Unavailable(std::string("The blob store could not sync to disk (") + e.what() + ")", "storage_write_failed");
    }
}

void BlobEngine::attach(Poco::Data::Session& s, const std::string& blobId) {
    std::string id = blobId;
    std::vector<std::string> hit;
    s << "UPDATE storage_blobs SET state = 'live' WHERE id = $1 AND state = 'staged' RETURNING id", use(id), into(hit), now;
    if (hit.empty()) throw sdk::NotFound("The staged upload no longer exists", "blob_not_staged");
}

void BlobEngine::releaseIn(Poco::Data::Session& s, const std::string& blobId, sdk::ReclaimList& out, Release mode,
                           int64_t idleBefore) {
    std::string id = blobId;
    std::vector<std::string> states;
    std::vector<Poco::Int64> active;
    // The blob row is the lock: a second release of the same blob waits here, then finds no
    // row, so chunk counts are never decremented twice.
    const std::string lock = db_.dialect() == sdk::Dialect::PostgreSQL ? " FOR UPDATE" : "";
    s << "SELECT state, created_at FROM storage_blobs WHERE id = $1" + lock, use(id), into(states), into(active), now;
    if (states.empty()) {
        std::error_code ec;
        if (mode == Release::Any && validBlobId(blobId) && fs::exists(legacyPath(blobId), ec)) {
            out.entries.push_back("legacy:" + blobId);
        }
        return;
    }
    // A blob that became part of a file is its owner's to release, never a discard's.
    if (mode == Release::StagedOnly && states[0] != "staged") return;
    if (idleBefore > 0 && active[0] >= idleBefore) return;  // the upload moved on meanwhile
    std::vector<std::string> scopes, hashes;
    std::vector<Poco::Int64> counts;
    // Sorted, so concurrent releases lock chunk rows in the same order.
    s << "SELECT scope, hash, COUNT(*) FROM storage_blob_chunks WHERE blob_id = $1 GROUP BY scope, hash "
         "ORDER BY scope, hash",
        use(id), into(scopes), into(hashes), into(counts), now;
    int64_t at = nowMicros();
    for (std::size_t i = 0; i < scopes.size(); ++i) {
        std::vector<Poco::Int64> left;
        Poco::Int64 n = counts[i];
        s << "UPDATE storage_chunks SET refcount = refcount - $1, released_at = $2 WHERE scope = $3 AND hash = $4 "
             "RETURNING refcount",
            use(n), use(at), use(scopes[i]), use(hashes[i]), into(left), now;
        if (!left.empty() && left.front() <= 0) out.entries.push_back(reclaimEntry(scopes[i], hashes[i]));
    }
    s << "DELETE FROM storage_blob_chunks WHERE blob_id = $1", use(id), now;
    s << "DELETE FROM storage_blobs WHERE id = $1", use(id), now;
}

void BlobEngine::release(Poco::Data::Session& s, const std::string& blobId, sdk::ReclaimList& out) {
    if (blobId.empty()) return;
    releaseIn(s, blobId, out, Release::Any);
}

void BlobEngine::pin(const std::vector<ManifestEntry>& chunks) const {
    std::lock_guard<std::mutex> lock(pinMutex_);
    for (const auto& c : chunks) ++pins_[c.scope + ":" + c.hash];
}

void BlobEngine::unpin(const std::vector<ManifestEntry>& chunks) const {
    std::vector<std::string> ready;
    {
        std::lock_guard<std::mutex> lock(pinMutex_);
        for (const auto& c : chunks) {
            std::string key = c.scope + ":" + c.hash;
            auto it = pins_.find(key);
            if (it == pins_.end() || --it->second > 0) continue;
            pins_.erase(it);
            if (deferred_.erase(key) > 0) ready.push_back(reclaimEntry(c.scope, c.hash));
        }
    }
    if (!ready.empty()) const_cast<BlobEngine*>(this)->reclaim(sdk::ReclaimList{ready});
}

void BlobEngine::reclaim(const sdk::ReclaimList& list) noexcept { reclaimCounting(list); }

uint64_t BlobEngine::reclaimCounting(const sdk::ReclaimList& list) noexcept {
    const bool sqlite = db_.dialect() == sdk::Dialect::SQLite;
    uint64_t freed = 0;
    std::vector<std::string> parked;
    std::vector<std::string> legacy;
    for (const auto& entry : list.entries) {
        try {
            if (entry.rfind("legacy:", 0) == 0) {
                if (validBlobId(entry.substr(7))) legacy.push_back(entry.substr(7));
            } else if (entry.rfind("chunk:", 0) == 0) {
                std::string rest = entry.substr(6);
                auto colon = rest.rfind(':');
                if (colon == std::string::npos) continue;
                freed += freeChunk(rest.substr(0, colon), rest.substr(colon + 1), sqlite ? &parked : nullptr);
            }
        } catch (const std::exception& e) {
            logger_.warning("could not reclaim %s now (hubd gc will): %s", entry, std::string(e.what()));
        }
    }
    if (parked.empty() && legacy.empty()) return freed;
    // SQLite commits are not synced one by one (synchronous=NORMAL): files go only once the
    // release is in the database file, so a power cut cannot bring back rows without data.
    bool durable = true;
    if (sqlite) {
        try {
            durable = checkpointDatabase();
        } catch (const std::exception& e) {
            durable = false;
            logger_.warning("storage: checkpoint before freeing space failed: %s", std::string(e.what()));
        }
    }
    if (!durable) {
        if (!parked.empty()) logger_.information("storage: %z freed chunk file(s) wait in tmp/ for the next sweep", parked.size());
        return freed;
    }
    std::error_code ec;
    for (const auto& p : parked) fs::remove(p, ec);
    for (const auto& id : legacy) {
        auto size = fs::file_size(legacyPath(id), ec);
        if (fs::remove(legacyPath(id), ec)) freed += size;
    }
    return freed;
}

std::mutex& BlobEngine::stripeFor(const std::string& key) const {
    return stripes_[std::hash<std::string>{}(key) % stripes_.size()];
}

std::string BlobEngine::parkedPath(const std::string& scope, const std::string& hash) const {
    return (fs::path(settings_.root) / "tmp" / ("reclaimed-" + (scope.empty() ? std::string("_shared") : scope) + "-" + hash))
        .string();
}

uint64_t BlobEngine::freeChunk(const std::string& scope, const std::string& hash, std::vector<std::string>* parked) {
    const std::string key = scope + ":" + hash;
    {
        std::lock_guard<std::mutex> lock(pinMutex_);
        if (pins_.count(key) > 0) {
            deferred_.insert(key);  // a download still reads it
            return 0;
        }
    }
    std::unique_lock<std::mutex> stripe(stripeFor(key), std::defer_lock);
    if (parked != nullptr) stripe.lock();
    uint64_t freed = 0;
    std::string sc = scope, h = hash, moved;
    db_.withTransaction([&](Poco::Data::Session& s) {
        std::vector<std::string> gone;
        s << "DELETE FROM storage_chunks WHERE scope = $1 AND hash = $2 AND refcount <= 0 RETURNING hash", use(sc), use(h),
            into(gone), now;
        freed = 0;
        moved.clear();
        if (gone.empty()) return;
        // The file goes while the row deletion is uncommitted: a writer that wants this chunk
        // again waits for the commit (PostgreSQL's row lock, SQLite's stripe), then finds no
        // file and writes it anew. On SQLite it is only moved aside, to be deleted once the
        // release is durable.
        std::string path = chunkPath(scope, hash);
        std::error_code ec;
        auto size = fs::file_size(path, ec);
        if (parked == nullptr) {
            if (fs::remove(path, ec) && !ec) freed = size;
        } else {
            std::string aside = parkedPath(scope, hash);
            fs::rename(path, aside, ec);
            if (!ec) {
                moved = aside;
                freed = size;
            }
        }
    });
    if (!moved.empty()) parked->push_back(moved);
    cache_.erase(key);
    return freed;
}

bool BlobEngine::checkpointDatabase() {
    int busy = 1, logFrames = 0, checkpointed = 0;
    db_.withSession([&](Poco::Data::Session& s) {
        s << "PRAGMA wal_checkpoint(FULL)", into(busy), into(logFrames), into(checkpointed), now;
    });
    return busy == 0 && checkpointed >= logFrames;
}

int BlobEngine::recoverParkedChunks() {
    int restored = 0;
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator(fs::path(settings_.root) / "tmp", ec)) {
        std::string name = entry.path().filename().string();
        if (name.rfind("reclaimed-", 0) != 0 || name.size() < 10 + 1 + 64) continue;
        std::string hash = name.substr(name.size() - 64);
        std::string scopeDir = name.substr(10, name.size() - 10 - 65);
        std::string scope = scopeDir == "_shared" ? std::string() : scopeDir;
        if (!isHex(hash, 64) || !validScope(scope)) continue;
        std::vector<Poco::Int64> refs;
        db_.withSession([&](Poco::Data::Session& s) {
            refs.clear();
            s << "SELECT refcount FROM storage_chunks WHERE scope = $1 AND hash = $2", use(scope), use(hash), into(refs), now;
        });
        std::error_code rec;
        fs::path target = chunkPath(scope, hash);
        if (!refs.empty() && refs[0] > 0 && !fs::exists(target, rec)) {
            // The release that freed it did not survive (power cut): the chunk is in use again.
            fs::create_directories(target.parent_path(), rec);
            fs::rename(entry.path(), target, rec);
            if (!rec) {
                fsyncPath(target.parent_path().string(), O_RDONLY | O_DIRECTORY);
                ++restored;
                continue;
            }
        }
        fs::remove(entry.path(), rec);
    }
    return restored;
}

void BlobEngine::discard(const std::string& blobId) noexcept {
    sdk::ReclaimList list;
    try {
        db_.withTransaction([&](Poco::Data::Session& s) {
            list.entries.clear();
            releaseIn(s, blobId, list, Release::StagedOnly);
        });
    } catch (const std::exception& e) {
        logger_.warning("could not discard staged blob %s (hubd gc will): %s", blobId, std::string(e.what()));
        return;
    }
    reclaim(list);
}

sdk::BlobInfo BlobEngine::concat(Poco::Data::Session& s, const std::string& ownerId, const std::vector<std::string>& parts,
                                 const std::string& sha256) {
    if (!validScope(ownerId)) throw std::invalid_argument("invalid storage owner id '" + ownerId + "'");
    std::string id = crypto::randomHex(16), owner = ownerId, sha = sha256;
    int64_t at = nowMicros(), zero = 0;
    s << "INSERT INTO storage_blobs (id, owner_id, state, size_bytes, sha256, chunk_count, created_at) "
         "VALUES ($1, $2, 'live', $3, $4, 0, $5)",
        use(id), use(owner), use(zero), use(sha), use(at), now;
    Poco::Int64 seqBase = 0, offsetBase = 0;
    for (const auto& part : parts) {
        std::string p = part;
        std::vector<Poco::Int64> sizes, counts;
        s << "SELECT size_bytes, chunk_count FROM storage_blobs WHERE id = $1", use(p), into(sizes), into(counts), now;
        if (sizes.empty()) throw sdk::NotFound("An uploaded part is missing from storage", "part_missing");
        s << "INSERT INTO storage_blob_chunks (blob_id, seq, scope, hash, offset_bytes, size_bytes) "
             "SELECT $1, seq + $2, scope, hash, offset_bytes + $3, size_bytes FROM storage_blob_chunks WHERE blob_id = $4",
            use(id), use(seqBase), use(offsetBase), use(p), now;
        seqBase += counts.front();
        offsetBase += sizes.front();
    }
    std::vector<std::string> scopes, hashes;
    std::vector<Poco::Int64> refs;
    s << "SELECT scope, hash, COUNT(*) FROM storage_blob_chunks WHERE blob_id = $1 GROUP BY scope, hash "
         "ORDER BY scope, hash",
        use(id), into(scopes), into(hashes), into(refs), now;
    for (std::size_t i = 0; i < scopes.size(); ++i) {
        Poco::Int64 n = refs[i];
        s << "UPDATE storage_chunks SET refcount = refcount + $1 WHERE scope = $2 AND hash = $3", use(n), use(scopes[i]),
            use(hashes[i]), now;
    }
    int count = static_cast<int>(seqBase);
    s << "UPDATE storage_blobs SET size_bytes = $1, chunk_count = $2 WHERE id = $3", use(offsetBase), use(count), use(id),
        now;
    return sdk::BlobInfo{id, static_cast<uint64_t>(offsetBase), sha256};
}

std::vector<ManifestEntry> BlobEngine::manifestOf(const std::string& blobId) const {
    std::vector<Poco::Int64> offsets, sizes;
    std::vector<std::string> scopes, hashes;
    std::string id = blobId;
    db_.withSession([&](Poco::Data::Session& s) {
        offsets.clear();
        sizes.clear();
        scopes.clear();
        hashes.clear();
        s << "SELECT offset_bytes, size_bytes, scope, hash FROM storage_blob_chunks WHERE blob_id = $1 ORDER BY seq",
            use(id), into(offsets), into(sizes), into(scopes), into(hashes), now;
    });
    std::vector<ManifestEntry> out(offsets.size());
    for (std::size_t i = 0; i < out.size(); ++i) {
        out[i] = ManifestEntry{static_cast<uint64_t>(offsets[i]), static_cast<uint64_t>(sizes[i]), scopes[i], hashes[i]};
    }
    return out;
}

std::optional<sdk::BlobInfo> BlobEngine::stat(const std::string& blobId) const {
    if (!validBlobId(blobId)) return std::nullopt;
    std::vector<Poco::Int64> sizes;
    std::vector<std::string> shas;
    std::string id = blobId;
    db_.withSession([&](Poco::Data::Session& s) {
        sizes.clear();
        shas.clear();
        // Staged blobs are nobody's content yet (a blob of the earlier store being converted
        // is still read from its old file meanwhile).
        s << "SELECT size_bytes, sha256 FROM storage_blobs WHERE id = $1 AND state = 'live'", use(id), into(sizes),
            into(shas), now;
    });
    if (!sizes.empty()) return sdk::BlobInfo{blobId, static_cast<uint64_t>(sizes.front()), shas.front()};
    std::error_code ec;
    auto size = fs::file_size(legacyPath(blobId), ec);
    if (ec) return std::nullopt;
    return sdk::BlobInfo{blobId, size, ""};
}

std::unique_ptr<std::istream> BlobEngine::open(const std::string& blobId) const {
    auto info = stat(blobId);
    if (!info) return nullptr;
    std::vector<ManifestEntry> chunks = manifestOf(blobId);
    if (chunks.empty() && info->size > 0) {
        // A blob of the earlier whole-file store, not converted yet: read it as it is.
        auto in = std::make_unique<std::ifstream>(legacyPath(blobId), std::ios::binary);
        if (!*in) return nullptr;
        in->exceptions(std::ios::badbit);
        return in;
    }
    // Pin, then make sure the blob was not released meanwhile: a release that commits after
    // this check finds the pins and defers freeing the chunks until this reader is done.
    pin(chunks);
    auto buf = std::make_unique<BlobReadBuf>(*this, blobId, std::move(chunks), info->size);
    if (!stat(blobId)) return nullptr;  // ~BlobReadBuf unpins
    auto stream = std::make_unique<BlobStream>(std::move(buf));
    stream->buffer().positionAt(0);  // the first chunk is verified before anything is sent
    return stream;
}

std::string BlobEngine::decodeVerified(std::string stored, const ManifestEntry& chunk) const {
    ChunkHeader header = ChunkHeader::parse(stored);
    if (header.plainSize != chunk.size) throw CorruptChunk("chunk header does not match its recorded size");
    OwnerKeys keys;
    if (header.encrypted()) {
        try {
            keys = keys_.keysFor(chunk.scope, false);
        } catch (const std::exception& e) {
            throw CorruptChunk(std::string("cannot decrypt: ") + e.what());
        }
    }
    std::string plain = codec_.decode(std::move(stored), keys.cipherKey, chunkAad(chunk.scope, chunk.hash));
    if (plain.size() != chunk.size) throw CorruptChunk("chunk has the wrong length");
    // A sealed chunk stored as is was authenticated whole by its tag, with its id in the
    // associated data: hashing it again proves nothing more. Anything that went through
    // zstd, or was never sealed, is checked against its id.
    if (header.encrypted() && !header.compressed()) return plain;
    std::string hash = header.encrypted() ? crypto::hmacSha256Hex(keys.idKey, plain.data(), plain.size())
                                          : crypto::sha256Hex(plain.data(), plain.size());
    if (hash != chunk.hash) throw CorruptChunk("content does not match the chunk's hash");
    return plain;
}

ChunkCache::Data BlobEngine::loadChunk(const ManifestEntry& chunk, const std::string& blobId, bool cache) const {
    const std::string key = chunk.scope + ":" + chunk.hash;
    if (auto hit = cache_.get(key)) return hit;
    std::string path = chunkPath(chunk.scope, chunk.hash);
    try {
        auto stored = readWholeFile(path);
        if (!stored) throw CorruptChunk("chunk file is missing");
        auto data = std::make_shared<const std::string>(decodeVerified(std::move(*stored), chunk));
        if (cache) cache_.put(key, data);
        return data;
    } catch (const CorruptChunk& e) {
        logger_.error("blob %s: chunk %s was not served: %s (run hubd fsck)", blobId, path, std::string(e.what()));
        throw storageCorrupt();
    }
}

sdk::BlobInfo BlobEngine::put(std::istream& in, uint64_t maxBytes) {
    sdk::StagedBlob staged = stage(in, "", maxBytes);
    try {
        db_.withTransaction([&](Poco::Data::Session& s) { attach(s, staged.info.id); });
    } catch (...) {
        discard(staged.info.id);
        throw;
    }
    return staged.info;
}

bool BlobEngine::remove(const std::string& blobId) {
    if (!stat(blobId)) return false;
    sdk::ReclaimList list;
    db_.withTransaction([&](Poco::Data::Session& s) {
        list.entries.clear();
        releaseIn(s, blobId, list, Release::Any);
    });
    reclaim(list);
    return true;
}

// ---- maintenance ---------------------------------------------------------------------

int BlobEngine::sweepTemp(int64_t graceSeconds) {
    int n = 0;
    const int64_t cutoff = nowMicros() - graceSeconds * 1000000;
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator(fs::path(settings_.root) / "tmp", ec)) {
        if (!olderThan(entry.path(), graceSeconds)) continue;
        // A chunk of an upload that is still arriving (its staged blob active within the grace
        // period) waits in tmp/ until the blob is complete: keep it, however old the file.
        std::string name = entry.path().filename().string();
        std::string blob = name.substr(0, name.find('-'));
        if (validBlobId(blob)) {
            std::vector<Poco::Int64> active;
            db_.withSession([&](Poco::Data::Session& s) {
                active.clear();
                s << "SELECT created_at FROM storage_blobs WHERE id = $1 AND state = 'staged'", use(blob), into(active), now;
            });
            if (!active.empty() && active[0] >= cutoff) continue;
        }
        std::error_code rec;
        if (fs::remove(entry.path(), rec)) ++n;
    }
    return n;
}

GcReport BlobEngine::gc(int64_t graceSeconds, std::ostream& progress) {
    GcReport r;
    int64_t cutoff = nowMicros() - graceSeconds * 1000000;
    // 1. Staged blobs whose upload died with its process.
    std::vector<std::string> staged;
    db_.withSession([&](Poco::Data::Session& s) {
        staged.clear();
        s << "SELECT id FROM storage_blobs WHERE state = 'staged' AND created_at < $1", use(cutoff),
            into(staged), now;
    });
    for (const auto& id : staged) {
        sdk::ReclaimList list;
        bool released = false;
        db_.withTransaction([&](Poco::Data::Session& s) {
            list.entries.clear();
            releaseIn(s, id, list, Release::StagedOnly, cutoff);
            std::vector<std::string> left;
            std::string blob = id;
            s << "SELECT id FROM storage_blobs WHERE id = $1", use(blob), into(left), now;
            released = left.empty();
        });
        r.bytesFreed += reclaimCounting(list);
        if (released) ++r.stagedBlobs;
    }
    // 2. Chunks whose last reference went without the reclaim that should have followed.
    std::vector<std::string> scopes, hashes;
    db_.withSession([&](Poco::Data::Session& s) {
        scopes.clear();
        hashes.clear();
        // Only those released before the grace period: a running server may still be serving
        // one to a download that pinned it (pins live in that server's memory).
        s << "SELECT scope, hash FROM storage_chunks WHERE refcount <= 0 AND (released_at IS NULL OR released_at < $1)",
            use(cutoff), into(scopes), into(hashes), now;
    });
    sdk::ReclaimList unreferenced;
    for (std::size_t i = 0; i < scopes.size(); ++i) unreferenced.entries.push_back(reclaimEntry(scopes[i], hashes[i]));
    r.bytesFreed += reclaimCounting(unreferenced);
    r.chunksFreed = static_cast<int>(scopes.size());
    progress << "gc: " << r.stagedBlobs << " abandoned upload(s), " << r.chunksFreed << " unreferenced chunk(s)\n";
    // 3. Chunk files without a row (older than the grace period, so no writer is between
    //    its reference and its file). A placeholder row holds the key while the file goes.
    //    Rows are read once, so only files without one cost a transaction.
    std::set<std::string> known;
    db_.withSession([&](Poco::Data::Session& s) {
        std::vector<std::string> sc, h;
        s << "SELECT scope, hash FROM storage_chunks", into(sc), into(h), now;
        known.clear();
        for (std::size_t i = 0; i < sc.size(); ++i) known.insert(sc[i] + ":" + h[i]);
    });
    std::error_code ec;
    fs::path chunksDir = fs::path(settings_.root) / "chunks";
    for (auto it = fs::recursive_directory_iterator(chunksDir, ec); !ec && it != fs::recursive_directory_iterator();
         it.increment(ec)) {
        if (!it->is_regular_file(ec)) continue;
        fs::path p = it->path();
        std::string hash = p.filename().string();
        std::string scopeDir = p.parent_path().parent_path().filename().string();
        std::string scope = scopeDir == "_shared" ? std::string() : scopeDir;
        if (!isHex(hash, 64) || known.count(scope + ":" + hash) > 0 || !olderThan(p, graceSeconds)) continue;
        int64_t at = nowMicros(), zero = 0;
        bool removed = false;
        std::error_code sizeError;  // not `ec`, which drives the directory walk
        uint64_t size = fs::file_size(p, sizeError);
        if (sizeError) continue;
        db_.withTransaction([&](Poco::Data::Session& s) {
            std::vector<std::string> claimed;
            s << "INSERT INTO storage_chunks (scope, hash, size_bytes, stored_bytes, refcount, created_at) "
                 "VALUES ($1, $2, $3, $3, 0, $4) ON CONFLICT (scope, hash) DO NOTHING RETURNING hash",
                use(scope), use(hash), use(zero), use(at), into(claimed), now;
            removed = false;
            if (claimed.empty()) return;  // referenced: keep it
            std::error_code rec;
            removed = fs::remove(p, rec);
            s << "DELETE FROM storage_chunks WHERE scope = $1 AND hash = $2", use(scope), use(hash), now;
        });
        if (removed) {
            ++r.orphanFiles;
            r.bytesFreed += size;
        }
    }
    // 4. Temp files of writes that never finished.
    recoverParkedChunks();
    r.tempFiles = sweepTemp(graceSeconds);
    return r;
}

FsckReport BlobEngine::fsck(std::ostream& progress) {
    FsckReport r;
    // 1. Every chunk against its hash (and its authentication tag when encrypted).
    std::vector<std::string> scopes, hashes;
    std::vector<Poco::Int64> sizes, refcounts;
    db_.withSession([&](Poco::Data::Session& s) {
        scopes.clear();
        hashes.clear();
        sizes.clear();
        refcounts.clear();
        s << "SELECT scope, hash, size_bytes, refcount FROM storage_chunks ORDER BY scope, hash", into(scopes), into(hashes),
            into(sizes), into(refcounts), now;
    });
    auto started = std::chrono::steady_clock::now();
    auto lastReport = started;
    for (std::size_t i = 0; i < scopes.size(); ++i) {
        ManifestEntry c{0, static_cast<uint64_t>(sizes[i]), scopes[i], hashes[i]};
        std::string path = chunkPath(c.scope, c.hash);
        try {
            auto stored = readWholeFile(path);
            if (!stored) {
                if (refcounts[i] <= 0) continue;
                // A chunk is counted before its file is written: an upload that died in between
                // leaves a staged blob naming a missing file. That is gc's work, not damage.
                int live = 0;
                std::string sc = c.scope, h = c.hash;
                db_.withSession([&](Poco::Data::Session& s) {
                    s << "SELECT COUNT(*) FROM storage_blob_chunks m JOIN storage_blobs b ON b.id = m.blob_id "
                         "WHERE m.scope = $1 AND m.hash = $2 AND b.state = 'live'",
                        use(sc), use(h), into(live), now;
                });
                if (live > 0) {
                    r.damage.push_back("missing chunk file " + path);
                } else {
                    r.warnings.push_back("chunk file " + path + " of an unfinished upload was never written (hubd gc clears it)");
                }
                continue;
            }
            decodeVerified(std::move(*stored), c);
            r.bytesChecked += static_cast<uint64_t>(sizes[i]);
        } catch (const CorruptChunk& e) {
            r.damage.push_back("corrupt chunk " + path + ": " + e.what());
        }
        ++r.chunksChecked;
        auto t = std::chrono::steady_clock::now();
        if (t - lastReport > std::chrono::seconds(2)) {
            progress << "fsck: checked " << (i + 1) << "/" << scopes.size() << " chunks\n" << std::flush;
            lastReport = t;
        }
    }
    // 2. Reference counts against the manifests.
    db_.withSession([&](Poco::Data::Session& s) {
        std::vector<std::string> sc, h;
        std::vector<Poco::Int64> have, want;
        s << "SELECT c.scope, c.hash, c.refcount, (SELECT COUNT(*) FROM storage_blob_chunks m WHERE m.scope = c.scope "
             "AND m.hash = c.hash) FROM storage_chunks c",
            into(sc), into(h), into(have), into(want), now;
        for (std::size_t i = 0; i < sc.size(); ++i) {
            if (have[i] != want[i]) {
                std::string line = "chunk " + chunkPath(sc[i], h[i]) + " has reference count " + std::to_string(have[i]) +
                                   " but " + std::to_string(want[i]) + " reference(s)";
                // Too high only wastes space until gc; too low would free data still in use.
                (have[i] < want[i] ? r.damage : r.warnings).push_back(line);
            }
        }
        std::vector<std::string> blobs, ms, mh;
        s << "SELECT m.blob_id, m.scope, m.hash FROM storage_blob_chunks m LEFT JOIN storage_chunks c ON c.scope = m.scope "
             "AND c.hash = m.hash WHERE c.hash IS NULL",
            into(blobs), into(ms), into(mh), now;
        for (std::size_t i = 0; i < blobs.size(); ++i) {
            r.damage.push_back("blob " + blobs[i] + " refers to unknown chunk " + chunkPath(ms[i], mh[i]));
        }
        std::vector<std::string> ids;
        std::vector<Poco::Int64> declared, summed;
        s << "SELECT b.id, b.size_bytes, COALESCE(SUM(m.size_bytes), 0) FROM storage_blobs b LEFT JOIN storage_blob_chunks m "
             "ON m.blob_id = b.id WHERE b.state = 'live' GROUP BY b.id, b.size_bytes",
            into(ids), into(declared), into(summed), now;
        for (std::size_t i = 0; i < ids.size(); ++i) {
            if (declared[i] != summed[i]) {
                r.damage.push_back("blob " + ids[i] + " is " + std::to_string(declared[i]) + " bytes but its chunks hold " +
                                   std::to_string(summed[i]));
            }
        }
        int stagedCount = 0;
        s << "SELECT COUNT(*) FROM storage_blobs WHERE state = 'staged'", into(stagedCount), now;
        if (stagedCount > 0) {
            r.warnings.push_back(std::to_string(stagedCount) + " staged blob(s) not attached (uploads in flight or abandoned; "
                                 "hubd gc removes those older than the grace period)");
        }
    });
    // 3. Data keys that the configured master key cannot unwrap.
    if (keys_.hasMasterKey()) {
        if (int foreign = keys_.countForeignKeys(); foreign > 0) {
            r.damage.push_back(std::to_string(foreign) + " data key(s) are wrapped by a different master key");
        }
    }
    // 4. Files nothing refers to.
    std::set<std::string> known;
    for (std::size_t i = 0; i < scopes.size(); ++i) known.insert(chunkPath(scopes[i], hashes[i]));
    std::error_code ec;
    int orphans = 0;
    for (auto it = fs::recursive_directory_iterator(fs::path(settings_.root) / "chunks", ec);
         !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
        if (it->is_regular_file(ec) && !known.count(it->path().string())) ++orphans;
    }
    if (orphans > 0) r.warnings.push_back(std::to_string(orphans) + " chunk file(s) without a database row (hubd gc removes them)");
    if (int legacy = countLegacyBlobs(); legacy > 0) {
        r.warnings.push_back(std::to_string(legacy) + " blob(s) of the earlier store are not converted (hubd migrate converts them)");
    }
    return r;
}

int BlobEngine::countLegacyBlobs() const {
    int n = 0;
    std::error_code ec;
    for (const auto& dir : fs::directory_iterator(settings_.root, ec)) {
        std::string name = dir.path().filename().string();
        if (!dir.is_directory(ec) || !isHex(name, 2)) continue;
        for (const auto& f : fs::directory_iterator(dir.path(), ec)) {
            if (validBlobId(f.path().filename().string())) ++n;
        }
    }
    return n;
}

int BlobEngine::convertLegacyBlobs(std::ostream& progress) {
    int converted = 0;
    std::error_code ec;
    std::vector<fs::path> legacy;
    for (const auto& dir : fs::directory_iterator(settings_.root, ec)) {
        std::string name = dir.path().filename().string();
        if (!dir.is_directory(ec) || !isHex(name, 2)) continue;
        for (const auto& f : fs::directory_iterator(dir.path(), ec)) {
            if (validBlobId(f.path().filename().string())) legacy.push_back(f.path());
        }
    }
    for (const auto& path : legacy) {
        std::string id = path.filename().string();
        std::vector<std::string> known;
        db_.withSession([&](Poco::Data::Session& s) {
            known.clear();
            s << "SELECT state FROM storage_blobs WHERE id = $1", use(id), into(known), now;
        });
        if (!known.empty() && known[0] == "staged") {
            discard(id);  // an earlier run died mid-conversion: start this blob over
            known.clear();
        }
        if (known.empty()) {
            std::ifstream in(path, std::ios::binary);
            if (!in) continue;
            // The earlier store did not record owners: converted blobs share one scope.
            sdk::StagedBlob staged = stageAs(id, in, "", UINT64_MAX);
            db_.withTransaction([&](Poco::Data::Session& s) { attach(s, staged.info.id); });
            ++converted;
        }
        fs::remove(path, ec);
        fsyncPath(path.parent_path().string(), O_RDONLY | O_DIRECTORY);
        if (converted > 0 && converted % 100 == 0) progress << "migrate: converted " << converted << " blob(s)\n" << std::flush;
    }
    return converted;
}

}  // namespace hub::core::storage
