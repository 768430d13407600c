// Registers a route, then fails in start(): hubd refuses to start unless `optional: true`,
// in which case the plugin is shown as failed and its route is gone (404).
#include "hub/sdk/Sdk.h"

class ThrowsInStartPlugin : public hub::sdk::Plugin {
public:
    void registerComponents(hub::sdk::Registrar& r, const hub::sdk::ConfigView&) override {
        r.route({"GET", "/api/v1/thrower", hub::sdk::AuthMode::None, 0,
                 [](hub::sdk::RequestContext& ctx) { ctx.respond(200, "text/plain", "should not be reachable"); }});
    }
    void start(hub::sdk::PluginContext&) override { throw std::runtime_error("cannot reach the frobnicator"); }
};
HUB_PLUGIN(ThrowsInStartPlugin, "thrower", "1.0.0")
