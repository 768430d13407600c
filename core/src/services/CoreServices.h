// The core's implementations of SDK services: clock, event bus, tool registry, service
// registry. (The blob store is the storage engine in storage/.)
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <shared_mutex>
#include <string>
#include <vector>

#include <Poco/Logger.h>

#include "hub/sdk/Registrar.h"
#include "hub/sdk/ServiceRegistry.h"
#include "hub/sdk/services/IAccess.h"
#include "hub/sdk/services/IClock.h"
#include "hub/sdk/services/IEventBus.h"
#include "hub/sdk/services/IToolRegistry.h"

namespace hub::core {

class SystemClock : public sdk::IClock {
public:
    int64_t nowMicros() const override;
};

/// Synchronous in-process pub/sub. Subscriptions are added before serving and removed per
/// owner at shutdown.
class EventBus : public sdk::IEventBus {
public:
    explicit EventBus(Poco::Logger& logger) : logger_(logger) {}
    void publish(const std::string& topic, const Poco::JSON::Object::Ptr& payload) override;
    void subscribe(const std::string& owner, const std::string& topic, sdk::EventHandler handler);
    void removeOwner(const std::string& owner);

private:
    struct Subscription {
        std::string owner;
        std::string topic;
        sdk::EventHandler handler;
    };
    Poco::Logger& logger_;
    std::shared_mutex mutex_;
    std::vector<Subscription> subs_;
};

/// Who may use tools (config `tools.access`, `tools.restricted`).
struct ToolPolicy {
    bool grantedOnly = false;             ///< every tool needs a grant
    std::set<std::string> restricted;     ///< these need one even when the others are open
};

class ToolRegistry : public sdk::IToolRegistry {
public:
    /// Throws std::runtime_error on a duplicate name.
    void add(sdk::ToolSpec spec, const std::string& owner);
    void removeOwner(const std::string& owner);
    std::vector<const sdk::ToolSpec*> list() const override;
    const sdk::ToolSpec* find(const std::string& name) const override;
    std::string ownerOf(const std::string& name) const override;
    bool usableBy(const std::string& userId, const std::string& name) const override;

    /// Tools that need a grant are checked against `access` (which outlives the registry's
    /// use); until this is called every tool is open.
    void enforce(const sdk::IAccess* access, ToolPolicy policy);
    bool needsGrant(const std::string& name) const { return policy_.grantedOnly || policy_.restricted.count(name) > 0; }

private:
    std::vector<std::pair<std::string, std::unique_ptr<sdk::ToolSpec>>> tools_;
    const sdk::IAccess* access_ = nullptr;
    ToolPolicy policy_;
};

class ServiceRegistryImpl : public sdk::ServiceRegistry {
public:
    /// Throws std::runtime_error if `id` is already provided.
    void add(const std::string& id, std::shared_ptr<void> service, const std::string& owner);
    void removeOwner(const std::string& owner);
    std::shared_ptr<void> findRaw(const std::string& id) const override;
    std::vector<std::string> ids() const override;
    std::string ownerOf(const std::string& id) const;

private:
    mutable std::mutex mutex_;
    std::map<std::string, std::pair<std::string, std::shared_ptr<void>>> services_;
};

}  // namespace hub::core
