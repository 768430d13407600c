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
    void share(sdk::RequestContext& ctx, const FileRow& file, const Permissions& granterHolds);
    void unshare(sdk::RequestContext& ctx);
    void myShares(sdk::RequestContext& ctx);
    void sharedWithMe(sdk::RequestContext& ctx);

    /// The caller's own file at the route's {path}; 404 when absent.
    FileRow ownFile(sdk::RequestContext& ctx, const std::string& param = "path") const;
    /// A file by id as the caller may see it: returns the file and the caller's permissions;
    /// 404 when the caller may not see it (public files are readable by anyone).
    std::pair<FileRow, Permissions> visibleFile(sdk::RequestContext& ctx) const;
    Poco::JSON::Object::Ptr entry(const FileRow& f) const;

    int64_t maxUploadBytes_ = 0;
    int64_t maxContentBytes_ = 0;
    std::unique_ptr<FileStore> store_;
    std::unique_ptr<ResumableUploads> uploads_;
    std::shared_ptr<sdk::IAuth> auth_;
};

}  // namespace hub::plugins::files
