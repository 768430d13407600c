// The files feature: per-user storage, sharing between users and public files, with the
// HubGPT routes of contract §4.4 (their bugs fixed) and Hub's own additions.
#pragma once

#include <memory>

#include "FileStore.h"
#include "ResumableUploads.h"
#include "hub/sdk/Sdk.h"

namespace hub::plugins::files {

class FilesPlugin : public sdk::Plugin {
public:
    void declareConfig(sdk::ConfigSchema& schema) const override;
    void registerComponents(sdk::Registrar& registrar, const sdk::ConfigView& config) override;
    void start(sdk::PluginContext& context) override;
    void stop() noexcept override;

private:
    class Reader;
    void registerRoutes(sdk::Registrar& r);

    // Handlers.
    void list(sdk::RequestContext& ctx);
    void tree(sdk::RequestContext& ctx);
    void uploadMultipart(sdk::RequestContext& ctx);
    void uploadRaw(sdk::RequestContext& ctx);
    void makeFolder(sdk::RequestContext& ctx);
    void content(sdk::RequestContext& ctx, const FileRow& file);
    void raw(sdk::RequestContext& ctx, const FileRow& file);
    void remove(sdk::RequestContext& ctx);
    void patch(sdk::RequestContext& ctx);
    void share(sdk::RequestContext& ctx, const FileRow& file);
    void unshare(sdk::RequestContext& ctx);
    void myShares(sdk::RequestContext& ctx);
    void sharedWithMe(sdk::RequestContext& ctx);

    // Share links (FileLinks.cpp).
    void registerLinkRoutes(sdk::Registrar& r, std::size_t uploadLimit);
    void createLink(sdk::RequestContext& ctx);
    void listLinks(sdk::RequestContext& ctx);
    void revokeLink(sdk::RequestContext& ctx);
    void linkInfo(sdk::RequestContext& ctx);
    void linkDownload(sdk::RequestContext& ctx);
    /// An upload through a folder's link: `rawName` from the route (raw body) or the part's
    /// filename (multipart).
    void linkUpload(sdk::RequestContext& ctx, const std::string& rawName, bool multipart);
    /// The route's file or folder by id, when the caller may share it (403 otherwise).
    FileRow linkableFile(sdk::RequestContext& ctx) const;
    /// The file or folder a link names; 404 as for a bad token when it is gone.
    FileRow linkTarget(const sdk::ShareLink& link) const;
    /// Records what happened to a file or folder in core.activity.v1 (after the change
    /// committed). `actorId` "" = someone holding a link.
    void recordActivity(const std::string& actorId, const std::string& action, const FileRow& f,
                        Poco::JSON::Object::Ptr details = nullptr) const;
    /// A conditional GET the file's ETag satisfies (304, no bytes).
    static bool notModified(const sdk::RequestContext& ctx, const FileRow& f);

    /// Whose files a route works on: the caller's own, or (under /api/v1/workspaces/{id}) the
    /// workspace's account's, when the caller's role there gives `need` (404 for non-members,
    /// 403 without the bit).
    struct Space {
        std::string ownerId;
    };
    Space scope(sdk::RequestContext& ctx, uint32_t need) const;
    /// The file at the route's {path} in scope(); 404 when absent.
    FileRow spaceFile(sdk::RequestContext& ctx, uint32_t need) const;
    /// A file by id as the caller may see it: returns the file and the caller's permissions;
    /// 404 when the caller may not see it (public files are readable by anyone).
    std::pair<FileRow, Permissions> visibleFile(sdk::RequestContext& ctx) const;
    Poco::JSON::Object::Ptr entry(const FileRow& f) const;
    /// A grant on a file or folder as the files API shows shares.
    Poco::JSON::Object::Ptr shareJson(const sdk::AccessGrant& g, const std::string& path) const;

    /// The caller's bits on `f`: the owner's, or the union of grants on it and on the folders
    /// above it; 0 when they may not see it.
    uint32_t accessTo(const std::string& userId, const FileRow& f) const;
    /// Files of others the user may view (shared directly or through a folder).
    std::vector<FileRow> sharedFiles(const std::string& userId) const;
    /// Live grants on any of these rows (files and folders).
    std::vector<sdk::AccessGrant> grantsOnFiles(const std::vector<FileRow>& rows) const;

    int64_t maxUploadBytes_ = 0;
    int64_t maxContentBytes_ = 0;
    std::shared_ptr<FileStore> store_;  // shared with the access model's describe functions
    std::unique_ptr<ResumableUploads> uploads_;
    std::shared_ptr<sdk::IAuth> auth_;
    std::shared_ptr<sdk::IAccess> access_;
    std::shared_ptr<sdk::IShareLinks> links_;
    std::shared_ptr<sdk::IActivity> activity_;  ///< null when the server offers none
};

}  // namespace hub::plugins::files
