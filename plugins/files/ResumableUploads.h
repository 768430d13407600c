// Resumable uploads of large files: a client declares the path and size, sends numbered parts
// in any order (retrying any that failed), then completes. Each part is a blob of the storage
// engine; completing concatenates their chunk lists into the file's blob without copying a
// byte. Idle uploads expire and their parts are freed.
#pragma once

#include <condition_variable>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "FileStore.h"
#include "hub/sdk/Sdk.h"

namespace hub::plugins::files {

struct UploadSettings {
    int64_t maxFileBytes = 0;                  ///< the files plugin's max_upload_mb
    int64_t minPartBytes = 5 * 1024 * 1024;    ///< every part but the last
    int64_t suggestedPartBytes = 8 * 1024 * 1024;
    int maxParts = 10000;
    int64_t expirySeconds = 24 * 3600;         ///< since the last part arrived
    int maxOpenPerUser = 32;
};

struct UploadPart {
    int number = 0;
    int64_t size = 0;
    std::string sha256;
    std::string blobId;
};

struct UploadRow {
    std::string id;
    std::string userId;
    std::string path;
    int64_t size = 0;
    std::string expectedSha256;  ///< empty when the client gave none
    int64_t createdAt = 0;
    int64_t expiresAt = 0;
    std::vector<UploadPart> parts;  ///< by part number

    int64_t received() const;
};

class ResumableUploads {
public:
    using EntryFn = std::function<Poco::JSON::Object::Ptr(const FileRow&)>;

    /// Whose upload space a request works in (the caller's, or a workspace's account when the
    /// caller's role there gives `need`); throws 404/403 like the files routes.
    using OwnerFn = std::function<std::string(sdk::RequestContext&, uint32_t need)>;
    /// Told of each completed upload (after the commit), with who completed it.
    using CommittedFn = std::function<void(const std::string& actorId, const StoredFile& file)>;
    ResumableUploads(UploadSettings settings, EntryFn entry, OwnerFn owner, CommittedFn committed)
        : settings_(settings), entry_(std::move(entry)), owner_(std::move(owner)), committed_(std::move(committed)) {}
    ~ResumableUploads();

    void registerRoutes(sdk::Registrar& r);
    /// Starts the expiry sweeper; `store` and `blobs` must outlive stop().
    void start(FileStore& store, sdk::ITransactionalBlobStore& blobs, sdk::IClock& clock);
    void stop() noexcept;

    /// Aborts every upload idle past its expiry; returns how many.
    int sweepExpired();

private:
    void create(sdk::RequestContext& ctx);
    void list(sdk::RequestContext& ctx);
    void show(sdk::RequestContext& ctx);
    void putPart(sdk::RequestContext& ctx);
    void complete(sdk::RequestContext& ctx);
    void abort(sdk::RequestContext& ctx);

    /// The caller's live upload named by the route; 404 otherwise (an expired one is aborted).
    UploadRow ownUpload(sdk::RequestContext& ctx);
    std::optional<UploadRow> load(const std::string& id);
    std::vector<UploadPart> partsOf(Poco::Data::Session& s, const std::string& uploadId);
    /// Releases the parts and deletes the upload rows (inside `s`).
    void dropIn(Poco::Data::Session& s, const std::string& uploadId, sdk::ReclaimList& freed);
    /// Releases an upload's parts and deletes it; with `onlyIfExpired`, only if it is still
    /// expired once locked.
    void abortUpload(const std::string& uploadId, bool onlyIfExpired);
    Poco::JSON::Object::Ptr describe(const UploadRow& u) const;
    std::string lockSuffix() const;

    UploadSettings settings_;
    EntryFn entry_;
    OwnerFn owner_;
    CommittedFn committed_;
    FileStore* store_ = nullptr;
    sdk::ITransactionalBlobStore* blobs_ = nullptr;
    sdk::IClock* clock_ = nullptr;

    std::mutex sweepMutex_;
    std::condition_variable sweepWake_;
    bool stopping_ = false;
    std::thread sweeper_;
};

}  // namespace hub::plugins::files
