// The files feature's data: rows of user_files plus blobs in core.storage.v2 (shares are
// grants of core.access.v1 on the resource types "file" and "folder"),
// kept consistent (a file is visible only once its bytes are durable; a blob is attached and
// released in the same transaction as the row that names it, and released space is reclaimed
// right after that commit).
#pragma once

#include <cstdint>
#include <functional>
#include <istream>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <Poco/JSON/Object.h>

#include "hub/sdk/services/IAccess.h"
#include "hub/sdk/services/IShareLinks.h"
#include "hub/sdk/services/ITransactionalBlobStore.h"
#include "hub/sdk/services/IClock.h"
#include "hub/sdk/services/IDatabase.h"
#include "hub/sdk/services/IEventBus.h"

namespace hub::plugins::files {

struct FileRow {
    std::string id;
    std::string userId;
    std::string path;
    std::string kind;  ///< "file" or "folder"
    std::string fileType;
    std::string contentType;
    int64_t size = 0;
    std::string blobId;
    std::string sha256;
    bool isPublic = false;
    std::string metadataJson = "{}";
    int64_t createdAt = 0;
    int64_t updatedAt = 0;

    bool isFolder() const { return kind == "folder"; }
};

/// The files API's view of a grant: read = view, write = edit, reshare = reshare (or manage).
struct Permissions {
    bool read = true;
    bool write = false;
    bool reshare = false;

    Poco::JSON::Object::Ptr toJson() const;
    uint32_t bits() const;
    static Permissions fromBits(uint32_t bits);
};

/// Bytes made durable in the blob store but not yet visible as a file.
struct StagedUpload {
    sdk::BlobInfo blob;
    std::string contentType;
};

/// Result of an upload: the row as stored and whether it replaced an existing file.
struct StoredFile {
    FileRow row;
    bool created = false;
};

class FileStore {
public:
    FileStore(std::shared_ptr<sdk::IDatabase> db, std::shared_ptr<sdk::ITransactionalBlobStore> blobs,
              std::shared_ptr<sdk::IClock> clock, std::shared_ptr<sdk::IEventBus> events,
              std::shared_ptr<sdk::IAccess> access, std::shared_ptr<sdk::IShareLinks> links, uint64_t maxUploadBytes);

    std::optional<FileRow> byPath(const std::string& ownerId, const std::string& path) const;
    std::optional<FileRow> byId(const std::string& id) const;
    /// The owner's rows (files and folders) ordered by path.
    std::vector<FileRow> all(const std::string& ownerId, bool filesOnly) const;
    /// Rows with these ids (any owner; unknown ids are skipped), ordered by path.
    std::vector<FileRow> byIds(const std::vector<std::string>& ids) const;
    /// The folders above `file`, outermost first.
    std::vector<FileRow> ancestors(const FileRow& file) const;
    /// Everything below `folder`, ordered by path.
    std::vector<FileRow> under(const FileRow& folder, bool filesOnly) const;

    /// Streams `content` into a new blob and makes it `path` (creating parent folders,
    /// replacing an existing file). Throws Conflict when a parent is a file or the path is a
    /// folder, PayloadTooLarge past the limit (nothing kept).
    StoredFile upload(const std::string& ownerId, const std::string& path, std::istream& content);
    /// Conflict checks that can run before any byte is stored (a parent is a file, the path
    /// is a folder).
    void checkUploadable(const std::string& ownerId, const std::string& path) const;
    /// Streams `content` into a durable blob of `ownerId`; nothing is visible yet.
    StagedUpload stage(std::istream& content, const std::string& ownerId, const std::string& nameForType);
    /// Makes a staged blob the content of `path`; removes the blob if that fails.
    StoredFile commit(const std::string& ownerId, const std::string& path, const StagedUpload& staged);
    /// Makes `path` a file whose blob `produce` supplies inside the transaction (attaching or
    /// creating it; it may also release blobs into the list, reclaimed after the commit).
    /// The file row is created or replaced as by commit(); the transaction may be retried,
    /// so `produce` must be repeatable.
    using BlobProducer = std::function<sdk::BlobInfo(Poco::Data::Session&, sdk::ReclaimList&)>;
    /// With `replace` false an existing row is a Conflict (`file_exists`) and nothing changes.
    StoredFile commitWith(const std::string& ownerId, const std::string& path, const std::string& contentType,
                          const BlobProducer& produce, bool replace = true);
    /// Makes a staged blob a new file `name` in `folderPath`, never replacing one: a taken name
    /// becomes "name (1).ext", "name (2).ext", ... Removes the blob if that fails.
    StoredFile commitNew(const std::string& ownerId, const std::string& folderPath, const std::string& name,
                         const StagedUpload& staged);
    /// Drops a staged blob that will not be committed.
    void discard(const StagedUpload& staged);
    /// Replaces the bytes of an existing file (by id).
    FileRow replace(const FileRow& file, const std::string& actorId, std::istream& content);
    FileRow makeFolder(const std::string& ownerId, const std::string& path);
    /// Deletes a file, or a folder with everything under it; returns how many rows went.
    int remove(const FileRow& target);
    /// Moves a file or folder (with its children) to `newPath`.
    FileRow move(const FileRow& target, const std::string& newPath);
    FileRow setPublic(const FileRow& target, bool isPublic);

    int64_t nowMicros() const { return clock_->nowMicros(); }
    sdk::IDatabase& db() const { return *db_; }
    sdk::ITransactionalBlobStore& blobs() const { return *blobs_; }
    uint64_t maxUploadBytes() const { return maxUploadBytes_; }

private:
    void publish(const std::string& topic, const FileRow& row, const std::string& actorId, int64_t sizeDelta) const;
    /// Inserts missing parent folders; Conflict if one of them is a file.
    void ensureParents(Poco::Data::Session& s, const std::string& ownerId, const std::string& path, int64_t at);

    std::shared_ptr<sdk::IDatabase> db_;
    std::shared_ptr<sdk::ITransactionalBlobStore> blobs_;
    std::shared_ptr<sdk::IClock> clock_;
    std::shared_ptr<sdk::IEventBus> events_;
    std::shared_ptr<sdk::IAccess> access_;
    std::shared_ptr<sdk::IShareLinks> links_;
    uint64_t maxUploadBytes_;
};

}  // namespace hub::plugins::files
