// What a plugin receives in start(): its config, services, logger and data directory.
#pragma once

#include <string>

#include <Poco/Logger.h>

#include "hub/sdk/ConfigView.h"
#include "hub/sdk/Export.h"
#include "hub/sdk/ServiceRegistry.h"

namespace hub {
namespace sdk {
inline namespace v1 {

/// Owned by the core; valid until the plugin's stop() returns.
class HUB_SDK_API PluginContext {
public:
    virtual ~PluginContext();

    virtual const std::string& pluginName() const = 0;
    /// The plugin's validated `plugins.<name>.config` section.
    virtual const ConfigView& config() const = 0;
    virtual const ServiceRegistry& services() const = 0;
    /// Logger named `plugin.<name>`.
    virtual Poco::Logger& logger() const = 0;
    /// A directory reserved for this plugin (created on demand): `<data_dir>/plugins/<name>`.
    virtual std::string dataDir() const = 0;
};

}  // namespace v1
}  // namespace sdk
}  // namespace hub
