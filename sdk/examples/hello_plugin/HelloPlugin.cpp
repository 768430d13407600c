#include "HelloPlugin.h"

#include <string>

#include "hub/sdk/ConfigSchema.h"
#include "hub/sdk/ConfigView.h"
#include "hub/sdk/Json.h"
#include "hub/sdk/PluginDescriptor.h"
#include "hub/sdk/Registrar.h"
#include "hub/sdk/RequestContext.h"
#include "hub/sdk/RouteSpec.h"

namespace hub::plugins::hello {

void HelloPlugin::declareConfig(sdk::ConfigSchema& schema) const {
    schema.string("greeting")
        .defaultValue(std::string("Hello"))
        .description("Word put in front of the name in every answer");
}

void HelloPlugin::registerComponents(sdk::Registrar& registrar, const sdk::ConfigView& config) {
    // Config is read once here; the handlers capture a copy (no reference into `config`).
    const std::string greeting = config.getString("greeting");

    sdk::RouteSpec hello;
    hello.method = "GET";
    hello.path = "/api/v1/hello";
    hello.auth = sdk::AuthMode::None;
    hello.handler = [greeting](sdk::RequestContext& ctx) {
        auto body = sdk::json::object();
        body->set("message", greeting + ", world");
        body->set("plugin", std::string("hello"));
        ctx.respondJson(200, body);
    };
    registrar.route(std::move(hello));

    sdk::RouteSpec me;
    me.method = "GET";
    me.path = "/api/v1/hello/me";
    me.auth = sdk::AuthMode::Required;  // the core answers 401 before the handler runs
    me.handler = [greeting](sdk::RequestContext& ctx) {
        const sdk::AuthContext& caller = ctx.requireAuth();
        auto body = sdk::json::object();
        body->set("message", greeting + ", " + caller.username);
        ctx.respondJson(200, body);
    };
    registrar.route(std::move(me));
}

}  // namespace hub::plugins::hello

// The one exported symbol: the descriptor the host checks before running any plugin code.
HUB_PLUGIN(hub::plugins::hello::HelloPlugin, "hello", "1.0.0")
