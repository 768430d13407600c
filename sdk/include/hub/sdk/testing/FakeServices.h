// A service registry, plugin context and registrar for plugin unit tests.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "hub/sdk/PluginContext.h"
#include "hub/sdk/Registrar.h"
#include "hub/sdk/ServiceRegistry.h"
#include "hub/sdk/services/IActivity.h"

namespace hub {
namespace sdk {
inline namespace v1 {
namespace testing {

/// A registry you fill by hand. Not thread-safe while being filled.
class HUB_SDK_API FakeServiceRegistry : public ServiceRegistry {
public:
    FakeServiceRegistry();
    ~FakeServiceRegistry() override;

    template <class T>
    void add(std::shared_ptr<T> service) {
        services_[T::kServiceId] = std::static_pointer_cast<void>(std::move(service));
    }
    std::shared_ptr<void> findRaw(const std::string& id) const override;
    std::vector<std::string> ids() const override;

private:
    std::map<std::string, std::shared_ptr<void>> services_;
};

/// Records every registration so a test can find a route and call its handler.
class HUB_SDK_API RecordingRegistrar : public Registrar {
public:
    RecordingRegistrar();
    ~RecordingRegistrar() override;

    void route(RouteSpec spec) override;
    void middleware(MiddlewareSpec spec) override;
    void tool(ToolSpec spec) override;
    void migration(Migration m) override;
    void provideRaw(const std::string& id, std::shared_ptr<void> service) override;
    void subscribe(const std::string& topic, EventHandler handler) override;
    void command(CommandSpec spec) override;

    /// The route registered for method+template, or nullptr.
    const RouteSpec* findRoute(const std::string& method, const std::string& path) const;

    std::vector<RouteSpec> routes;
    std::vector<MiddlewareSpec> middlewares;
    std::vector<ToolSpec> tools;
    std::vector<Migration> migrations;
    std::map<std::string, std::shared_ptr<void>> provided;
    std::vector<std::pair<std::string, EventHandler>> subscriptions;
    std::vector<CommandSpec> commands;
};

/// A PluginContext over a FakeServiceRegistry and a config you supply.
class HUB_SDK_API FakePluginContext : public PluginContext {
public:
    FakePluginContext(std::string name, ConfigView config, std::string dataDir);
    ~FakePluginContext() override;

    FakeServiceRegistry& registry() { return registry_; }

    const std::string& pluginName() const override { return name_; }
    const ConfigView& config() const override { return config_; }
    const ServiceRegistry& services() const override { return registry_; }
    Poco::Logger& logger() const override;
    std::string dataDir() const override { return dataDir_; }

private:
    std::string name_;
    ConfigView config_;
    std::string dataDir_;
    FakeServiceRegistry registry_;
};

/// core.activity.v1 that keeps the entries in memory, for asserting what a plugin records.
/// record(session, entry) ignores the session: a test of rollback needs the real store.
/// Thread-safe.
class HUB_SDK_API RecordingActivity : public IActivity {
public:
    RecordingActivity();
    ~RecordingActivity() override;

    std::string record(Poco::Data::Session& session, const ActivityEntry& entry) override;
    std::string record(const ActivityEntry& entry) override;
    /// A copy of what was recorded, oldest first.
    std::vector<ActivityEntry> entries() const;

private:
    mutable std::mutex mutex_;
    std::vector<ActivityEntry> entries_;
};

}  // namespace testing
}  // namespace v1
}  // namespace sdk
}  // namespace hub
