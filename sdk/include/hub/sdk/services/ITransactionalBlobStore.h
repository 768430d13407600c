// core.storage.v2: blobs whose references are committed in the caller's own database
// transaction, so file metadata and storage reference counts can never disagree.
#pragma once

#include <cstdint>
#include <istream>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <Poco/Data/Session.h>

#include "hub/sdk/Export.h"
#include "hub/sdk/services/IBlobStore.h"

namespace hub {
namespace sdk {
inline namespace v1 {

/// A staged blob: durable bytes that nothing references yet.
struct StagedBlob {
    BlobInfo info;
    std::string head;  ///< the first (up to) 4096 bytes, for content-type detection
};

/// Chunks whose last reference a release() dropped. Pass it to reclaim() after your commit.
struct ReclaimList {
    std::vector<std::string> entries;  ///< opaque to plugins
    bool empty() const { return entries.empty(); }
};

/**
 * The storage engine: content-defined chunks, deduplicated within an owner's scope (or across
 * owners when the operator allows it and encryption is off), compressed and optionally
 * encrypted. A blob is an ordered list of chunks.
 *
 * Life of a blob:
 *  1. stage() streams bytes into durable chunks (outside any transaction: it commits its own
 *     small transactions and must never be called while the caller holds one).
 *  2. attach() inside the caller's transaction makes it referenced; the caller stores the id
 *     in its own row in the same transaction.
 *  3. release() inside the caller's transaction drops it (the caller deletes or changes its
 *     row in the same transaction); after the commit, reclaim() frees the space at once.
 * A staged blob that is never attached is discard()ed, or removed by `hubd gc` after a grace
 * period if the process died. Thread-safe.
 */
class HUB_SDK_API ITransactionalBlobStore {
public:
    static constexpr const char* kServiceId = "core.storage.v2";
    virtual ~ITransactionalBlobStore();

    /// Streams everything `in` yields into chunks of `ownerId`'s scope (a user or workspace
    /// id; it selects the dedup scope and the encryption key). Throws PayloadTooLarge past
    /// `maxBytes` (nothing kept). Exceptions thrown by `in` reach the caller.
    virtual StagedBlob stage(std::istream& in, const std::string& ownerId, uint64_t maxBytes) = 0;
    /// In the caller's transaction: marks a staged blob as referenced. Throws NotFound when
    /// it is not a staged blob.
    virtual void attach(Poco::Data::Session& session, const std::string& blobId) = 0;
    /// In the caller's transaction: drops a referenced blob and its chunk references,
    /// appending what may be freed to `out`. Unknown ids are ignored.
    virtual void release(Poco::Data::Session& session, const std::string& blobId, ReclaimList& out) = 0;
    /// After the caller's commit: deletes the chunks in `list` that are still unreferenced.
    /// Never throws; what it cannot delete `hubd gc` finds later.
    virtual void reclaim(const ReclaimList& list) noexcept = 0;
    /// Drops a staged blob that will not be attached (its own transaction, then reclaim).
    virtual void discard(const std::string& blobId) noexcept = 0;
    /// In the caller's transaction: a new referenced blob of `ownerId` made of the chunks of
    /// `parts` in order, without copying data. `size` and `sha256` describe the whole (the
    /// caller has computed them by reading the parts). The parts stay as they are.
    virtual BlobInfo concat(Poco::Data::Session& session, const std::string& ownerId,
                            const std::vector<std::string>& parts, const std::string& sha256) = 0;
    /// A seekable stream over the blob; nullptr when it does not exist. Reading a chunk that
    /// fails verification throws sdk::Error (500, "storage_corrupt") and is never returned;
    /// the first chunk (and the chunk a seek lands in) is verified before this returns.
    virtual std::unique_ptr<std::istream> open(const std::string& blobId) const = 0;
    virtual std::optional<BlobInfo> stat(const std::string& blobId) const = 0;
};

}  // namespace v1
}  // namespace sdk
}  // namespace hub
