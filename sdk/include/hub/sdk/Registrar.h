// What a plugin may add to the server during registerComponents().
#pragma once

#include <functional>
#include <memory>
#include <string>

#include <Poco/JSON/Object.h>

#include "hub/sdk/CommandSpec.h"
#include "hub/sdk/Export.h"
#include "hub/sdk/Migration.h"
#include "hub/sdk/RouteSpec.h"
#include "hub/sdk/ToolSpec.h"

namespace hub {
namespace sdk {
inline namespace v1 {

/// Handler of a published event: topic and JSON payload. Must be thread-safe.
using EventHandler = std::function<void(const std::string& topic, const Poco::JSON::Object::Ptr&)>;

/**
 * Collects a plugin's components. Everything registered is tagged with the plugin and
 * dropped before its library is released. Only valid during registerComponents().
 */
class HUB_SDK_API Registrar {
public:
    virtual ~Registrar();

    /// Adds a route; a duplicate method+path (in any plugin or the core) is fatal.
    virtual void route(RouteSpec spec) = 0;
    virtual void middleware(MiddlewareSpec spec) = 0;
    /// Adds a tool; a duplicate tool name is fatal.
    virtual void tool(ToolSpec spec) = 0;
    /// Adds a schema migration of this plugin.
    virtual void migration(Migration m) = 0;
    /// Offers a service under `id` to plugins that start later (declare `requires:`).
    virtual void provideRaw(const std::string& id, std::shared_ptr<void> service) = 0;
    /// Subscribes to a topic ("file.created"); "*" receives every topic.
    virtual void subscribe(const std::string& topic, EventHandler handler) = 0;

    /// Adds a `hubd` subcommand; a duplicate command name is fatal.
    virtual void command(CommandSpec spec) = 0;

    template <class T>
    void provide(std::shared_ptr<T> service) {
        provideRaw(T::kServiceId, std::static_pointer_cast<void>(std::move(service)));
    }
};

}  // namespace v1
}  // namespace sdk
}  // namespace hub
