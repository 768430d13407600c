// The interface every plugin implements, and its lifecycle.
#pragma once

#include <string>

#include "hub/sdk/ConfigSchema.h"
#include "hub/sdk/ConfigView.h"
#include "hub/sdk/Export.h"
#include "hub/sdk/PluginContext.h"
#include "hub/sdk/Registrar.h"

namespace hub {
namespace sdk {
inline namespace v1 {

/// Health of a plugin as shown by /api/v1/admin/plugins.
struct HealthReport {
    bool ok = true;
    std::string message;
};

/**
 * Lifecycle, driven by the core in dependency order (`requires:` in YAML):
 *   1. declareConfig(schema)        pure: declare keys of `plugins.<name>.config`
 *   2. registerComponents(r, cfg)   routes, middleware, tools, migrations, services
 *   3. (core runs migrations)
 *   4. start(ctx)                   resolve services; throwing refuses to start the server
 *                                   unless the plugin is `optional: true`
 *   5. stop()                       reverse order; must not throw
 * Adding a virtual function here is an ABI major change (plugins implement it).
 */
class HUB_SDK_API Plugin {
public:
    virtual ~Plugin();

    virtual void declareConfig(ConfigSchema& schema) const;
    virtual void registerComponents(Registrar& registrar, const ConfigView& config) = 0;
    virtual void start(PluginContext& context);
    virtual void stop() noexcept;
    virtual HealthReport health() const;
};

}  // namespace v1
}  // namespace sdk
}  // namespace hub
