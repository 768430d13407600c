// Registers GET /health, which the core already serves: the server must refuse to start.
#include "hub/sdk/Sdk.h"

class DuplicateRoutePlugin : public hub::sdk::Plugin {
public:
    void registerComponents(hub::sdk::Registrar& r, const hub::sdk::ConfigView&) override {
        r.route({"GET", "/health/", hub::sdk::AuthMode::None, 0,
                 [](hub::sdk::RequestContext& ctx) { ctx.respond(200, "text/plain", "shadow"); }});
    }
};
HUB_PLUGIN(DuplicateRoutePlugin, "duplicate_route", "1.0.0")
