// Owns everything a running hubd is made of and drives it through its phases. Shared by
// the server and the subcommands (migrate, user, check-config) so they see the same config,
// database and plugins.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include <Poco/Logger.h>

#include "access/AccessService.h"
#include "access/ShareLinks.h"
#include "activity/ActivityService.h"
#include "auth/AuthService.h"
#include "config/ConfigTree.h"
#include "db/Database.h"
#include "db/MigrationRunner.h"
#include "http/ConnectionWatchdog.h"
#include "http/HttpServer.h"
#include "http/RequestPipeline.h"
#include "http/Router.h"
#include "http/StaticFiles.h"
#include "hub/sdk/ConfigView.h"
#include "plugin/PluginManager.h"
#include "services/CoreServices.h"
#include "storage/BlobEngine.h"

namespace hub::core {

/// What the command line asked for (flags override the config file).
struct CommandLine {
    std::string configFile;
    std::string port;
    std::string dataDir;
    std::string databaseUrl;
    std::vector<std::string> sets;
};

class Runtime {
public:
    explicit Runtime(CommandLine cl);
    ~Runtime();

    /// Loads YAML, flags and env, validates the core schema, discovers and configures
    /// plugins. Returns every error found (empty = valid).
    std::vector<ConfigError> loadConfig();

    /// Opens the pool and applies the core's migrations.
    void openDatabase();
    /// Builds auth and the other core services (needs the database).
    void initServices();
    /// Core routes + every enabled plugin's registerComponents().
    void registerComponents();
    /// Applies plugin migrations (after registerComponents()).
    void migratePlugins();
    void startPlugins();
    /// Binds the port; returns the bound port.
    int serve();
    /// Graceful stop: stop accepting, drain, stop plugins, close the database.
    void shutdown();

    /// The plugin command whose name matches the leading words of `args`, and how many words
    /// it used; nullptr when none does.
    const sdk::CommandSpec* findCommand(const std::vector<std::string>& args, std::size_t& words) const;
    const std::vector<std::pair<std::string, sdk::CommandSpec>>& commands() const { return commands_; }
    const sdk::ServiceRegistry& services() const { return *services_; }
    const sdk::ConfigView& config() const { return core_; }
    Database& database() { return *db_; }
    AuthService& auth() { return *auth_; }
    /// The activity store (after initServices()).
    ActivityService& activity() { return *activity_; }
    /// The storage engine (after initServices()).
    storage::BlobEngine& storage() { return *blobs_; }
    PluginManager& plugins() { return *plugins_; }
    const std::string& dataDir() const { return dataDir_; }
    std::string listenHost() const;
    Poco::Logger& logger() { return logger_; }

private:
    void registerCoreRoutes();
    std::string resolveJwtSecret();
    /// The storage master key (raw bytes) from storage.encryption.master_key_file or
    /// HUB_STORAGE_MASTER_KEY; empty when neither is set. Throws std::invalid_argument.
    std::string resolveStorageMasterKey() const;
    bool ready();

    CommandLine cl_;
    Poco::Logger& logger_;
    ConfigTree tree_;
    sdk::ConfigView core_;
    std::string dataDir_;
    std::string sourceName_;

    SystemClock clock_;
    std::unique_ptr<EventBus> events_;
    std::unique_ptr<ToolRegistry> tools_;
    std::unique_ptr<ServiceRegistryImpl> services_;
    std::unique_ptr<PluginManager> plugins_;
    std::unique_ptr<Router> router_;
    std::unique_ptr<StaticFiles> staticFiles_;  ///< the page at `/`
    std::vector<std::pair<std::string, sdk::MiddlewareSpec>> middleware_;
    std::vector<std::pair<std::string, sdk::CommandSpec>> commands_;

    std::shared_ptr<Database> db_;
    std::unique_ptr<MigrationRunner> migrations_;
    std::unique_ptr<PasswordHasher> hasher_;
    std::unique_ptr<JwtService> jwt_;
    std::unique_ptr<LoginThrottle> throttle_;
    std::shared_ptr<AuthService> auth_;
    std::shared_ptr<AccessService> access_;
    std::shared_ptr<ShareLinks> links_;
    std::shared_ptr<ActivityService> activity_;
    std::shared_ptr<storage::BlobEngine> blobs_;

    std::unique_ptr<ConnectionWatchdog> watchdog_;
    std::unique_ptr<RequestPipeline> pipeline_;
    std::unique_ptr<HttpServer> http_;
    bool pluginsStarted_ = false;

    std::mutex readyMutex_;
    std::chrono::steady_clock::time_point readyCheckedAt_{};
    bool readyCached_ = false;
};

}  // namespace hub::core
