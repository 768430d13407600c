// Discovers, configures, orders, registers, migrates, starts and stops plugins.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include <Poco/JSON/Object.h>
#include <Poco/Logger.h>

#include "config/ConfigTree.h"
#include "hub/sdk/CommandSpec.h"
#include "hub/sdk/ConfigSchema.h"
#include "hub/sdk/Plugin.h"
#include "plugin/PluginLoader.h"

namespace hub::core {

class Router;
class ToolRegistry;
class ServiceRegistryImpl;
class EventBus;
class MigrationRunner;

/// Where registrations go; all keyed by owner so a plugin's can be dropped together.
struct ComponentSinks {
    Router& router;
    ToolRegistry& tools;
    ServiceRegistryImpl& services;
    EventBus& events;
    std::vector<std::pair<std::string, sdk::MiddlewareSpec>>& middleware;
    std::vector<std::pair<std::string, sdk::CommandSpec>>& commands;
};

/// A fatal plugin problem at start-up (message names the plugin and the reason).
class PluginStartError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

class PluginManager {
public:
    explicit PluginManager(Poco::Logger& logger);
    ~PluginManager();

    /// Loads every hub_*.so in the directories; refusals are appended to `errors` as
    /// config errors at `plugin_search_path`. Duplicate names are refused.
    void discover(const std::vector<std::string>& searchPath, std::vector<ConfigError>& errors);
    /**
     * Applies the `plugins` section: enabled/optional/requires/config per plugin, validated
     * against each enabled plugin's declared schema. Unknown plugin names, unmet requirements
     * and cycles are errors.
     */
    void configure(const Poco::JSON::Object::Ptr& pluginsSection, const ConfigTree& tree,
                   std::vector<ConfigError>& errors);

    /// registerComponents() in dependency order. Throws PluginStartError (non-optional plugins).
    void registerAll(ComponentSinks sinks);
    /// Applies each started-to-be plugin's migrations.
    void migrateAll(MigrationRunner& runner);
    /// Migrations not yet applied across plugins (for /ready).
    int pendingMigrations(MigrationRunner& runner);
    /// start() in dependency order. Throws PluginStartError (non-optional plugins).
    void startAll(const sdk::ServiceRegistry& services, const std::string& dataDir, ComponentSinks sinks);
    /// stop() in reverse order, drop registrations, destroy instances, release libraries.
    void stopAll(ComponentSinks sinks);

    /// For GET /api/v1/admin/plugins.
    Poco::JSON::Array::Ptr describe() const;
    std::vector<std::string> enabledNames() const;

private:
    struct Entry;
    void fail(Entry& e, const std::string& what, ComponentSinks* sinks);

    Poco::Logger& logger_;
    std::vector<std::unique_ptr<Entry>> entries_;  ///< discovery order
    std::vector<Entry*> order_;                    ///< enabled, dependency order
};

}  // namespace hub::core
