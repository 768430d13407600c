// Hub's storage engine behind core.storage.v2 (and the older core.storage.v1 contract):
// content-defined chunks named by a hash of their plaintext, deduplicated, reference-counted
// in the database, zstd-compressed where that pays, optionally encrypted per owner, cached
// when hot. Layout under the storage root:
//   chunks/<scope>/<hash[0:2]>/<hash>   one file per chunk (ChunkCodec format)
//   tmp/                                 chunk files being written (renamed when durable)
//   <id[0:2]>/<id>                        blobs of the earlier whole-file store (read as they
//                                         are until `hubd migrate` converts them)
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <memory>
#include <optional>
#include <ostream>
#include <set>
#include <string>
#include <vector>

#include <Poco/Logger.h>

#include "db/Database.h"
#include "hub/sdk/services/IBlobStore.h"
#include "hub/sdk/services/ITransactionalBlobStore.h"
#include "storage/ChunkCache.h"
#include "storage/ChunkCodec.h"
#include "storage/Chunker.h"
#include "storage/KeyRing.h"

namespace hub::core::storage {

struct StorageSettings {
    std::string root;
    ChunkerParams chunking;
    CodecSettings codec;
    bool dedupPerOwner = false;  ///< false: one scope for everyone (only without encryption)
    bool encrypt = false;
    std::string masterKey;  ///< 32 raw bytes or empty
    std::size_t cacheBytes = 64u << 20;
};

/// One chunk reference of a blob, in order.
struct ManifestEntry {
    uint64_t offset = 0;
    uint64_t size = 0;
    std::string scope;
    std::string hash;
};

struct GcReport {
    int stagedBlobs = 0;
    int chunksFreed = 0;
    int orphanFiles = 0;
    int tempFiles = 0;
    uint64_t bytesFreed = 0;
};

struct FsckReport {
    uint64_t chunksChecked = 0;
    uint64_t bytesChecked = 0;
    std::vector<std::string> damage;    ///< each line one problem that loses or corrupts data
    std::vector<std::string> warnings;  ///< reclaimable leftovers (hubd gc removes them)
    bool clean() const { return damage.empty(); }
};

class BlobEngine : public sdk::ITransactionalBlobStore, public sdk::IBlobStore {
public:
    BlobEngine(Database& db, StorageSettings settings);
    ~BlobEngine() override;

    // core.storage.v2
    sdk::StagedBlob stage(std::istream& in, const std::string& ownerId, uint64_t maxBytes) override;
    void attach(Poco::Data::Session& session, const std::string& blobId) override;
    void release(Poco::Data::Session& session, const std::string& blobId, sdk::ReclaimList& out) override;
    void reclaim(const sdk::ReclaimList& list) noexcept override;
    void discard(const std::string& blobId) noexcept override;
    sdk::BlobInfo concat(Poco::Data::Session& session, const std::string& ownerId, const std::vector<std::string>& parts,
                         const std::string& sha256) override;
    std::unique_ptr<std::istream> open(const std::string& blobId) const override;
    std::optional<sdk::BlobInfo> stat(const std::string& blobId) const override;

    // core.storage.v1 (a put is staged and attached at once; remove releases and reclaims)
    sdk::BlobInfo put(std::istream& in, uint64_t maxBytes) override;
    bool remove(const std::string& blobId) override;

    /// The plaintext of one chunk, verified; throws sdk::Error(500, storage_corrupt) after
    /// logging when it is missing or fails verification. `cache` keeps it in the chunk cache.
    ChunkCache::Data loadChunk(const ManifestEntry& chunk, const std::string& blobId, bool cache = true) const;
    /// Whether reads of a blob of `size` bytes go through the cache: only blobs that fit in a
    /// quarter of it, so one large download does not flush every hot small file.
    bool cacheable(uint64_t size) const { return size <= settings_.cacheBytes / 4; }

    // Maintenance (hubd gc / fsck / migrate / keys rotate). `progress` gets a line now and
    // then on long runs.
    GcReport gc(int64_t graceSeconds, std::ostream& progress);
    FsckReport fsck(std::ostream& progress);
    /// Converts blobs of the earlier whole-file store into chunks under the same ids;
    /// returns how many were converted. Safe to interrupt and run again.
    int convertLegacyBlobs(std::ostream& progress);
    /// Puts back chunk files a reclaim had moved aside when the release that freed them was
    /// lost (SQLite, power cut) and removes the others; returns how many were put back.
    int recoverParkedChunks();
    /// How many blobs of the earlier store are still waiting for conversion.
    int countLegacyBlobs() const;
    /// Removes temp files older than `graceSeconds` (crash leftovers), except those of
    /// uploads still active within that period.
    int sweepTemp(int64_t graceSeconds);

    /// A running server holds a shared lock on `<root>/serving.lock` for its lifetime;
    /// `hubd keys rotate` needs it exclusively, so it never runs beside a server that keeps
    /// the old master key in memory (it would wrap new owners' keys with it). Returns false
    /// when the lock is held the other way.
    bool lockStorage(bool exclusive);

    KeyRing& keys() { return keys_; }
    const ChunkCache& cache() const { return cache_; }
    const StorageSettings& settings() const { return settings_; }
    std::string chunkPath(const std::string& scope, const std::string& hash) const;

    /// Open readers pin the chunks they will read: a chunk whose last reference goes while a
    /// download of the old version is still running is freed when that download ends.
    void pin(const std::vector<ManifestEntry>& chunks) const;
    void unpin(const std::vector<ManifestEntry>& chunks) const;

private:
    struct WriteState;
    sdk::StagedBlob stageAs(const std::string& blobId, std::istream& in, const std::string& ownerId, uint64_t maxBytes);
    void storeChunk(WriteState& w, const uint8_t* data, std::size_t n);
    /// Deletes one chunk if its count is still zero (and no local download pins it). Its file
    /// goes inside that transaction, or, with `parked` (SQLite), is moved aside and listed
    /// there, to be deleted once the release is durable.
    uint64_t freeChunk(const std::string& scope, const std::string& hash, std::vector<std::string>* parked);
    enum class Release { Any, StagedOnly };
    std::string parkedPath(const std::string& scope, const std::string& hash) const;
    /// A FULL WAL checkpoint: true when every committed change is in the database file.
    bool checkpointDatabase();
    std::mutex& stripeFor(const std::string& key) const;
    /// reclaim() that reports how many bytes it freed.
    uint64_t reclaimCounting(const sdk::ReclaimList& list) noexcept;
    /// Drops a blob and its chunk references inside `s`, locking its row first. StagedOnly
    /// leaves committed blobs alone; `idleBefore` > 0 leaves blobs active since then alone.
    void releaseIn(Poco::Data::Session& s, const std::string& blobId, sdk::ReclaimList& out, Release mode,
                   int64_t idleBefore = 0);
    std::string legacyPath(const std::string& blobId) const;
    std::vector<ManifestEntry> manifestOf(const std::string& blobId) const;
    std::string scopeFor(const std::string& ownerId) const;
    std::string decodeVerified(std::string stored, const ManifestEntry& chunk) const;
    /// Writes a chunk file into tmp/ and starts its writeback; returns the temp path.
    std::string writeTemp(const std::string& blobId, const std::string& bytes);
    /// Syncs the blob's pending chunk files, renames them into place, syncs their directories.
    void placeDurably(WriteState& w);
    int64_t nowMicros() const;

    Database& db_;
    StorageSettings settings_;
    Chunker chunker_;
    mutable ChunkCodec codec_;
    mutable KeyRing keys_;
    mutable ChunkCache cache_;
    Poco::Logger& logger_;
    int lockFd_ = -1;
    mutable std::array<std::mutex, 64> stripes_;  ///< SQLite: chunk reference vs. reclaim
    mutable std::mutex pinMutex_;
    mutable std::map<std::string, int> pins_;    ///< "scope:hash" -> open readers
    mutable std::set<std::string> deferred_;     ///< reclaims waiting for their readers
};

}  // namespace hub::core::storage
