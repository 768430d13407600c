// HelloPlugin: the smallest useful Hub plugin, and the template for new ones.
#pragma once

#include "hub/sdk/Plugin.h"

namespace hub::plugins::hello {

/**
 * Greets callers. Config (`plugins.hello.config`):
 *   greeting: string, default "Hello"
 * Routes:
 *   GET /api/v1/hello     (no auth)  -> {"message": "<greeting>, world", "plugin": "hello"}
 *   GET /api/v1/hello/me  (auth)     -> {"message": "<greeting>, <username>"}
 * Thread-safety: the handlers only read state fixed in registerComponents(), so they are
 * reentrant as required by the core's thread pool.
 */
class HelloPlugin : public sdk::Plugin {
public:
    void declareConfig(sdk::ConfigSchema& schema) const override;
    void registerComponents(sdk::Registrar& registrar, const sdk::ConfigView& config) override;
};

}  // namespace hub::plugins::hello
