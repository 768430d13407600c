// Unit tests of HelloPlugin against HubSDK::testing: no server, no library loading.
#include "HelloPlugin.h"

#include <string>

#include <gtest/gtest.h>

#include <Poco/JSON/Object.h>

#include "hub/sdk/ConfigSchema.h"
#include "hub/sdk/ConfigView.h"
#include "hub/sdk/Error.h"
#include "hub/sdk/Json.h"
#include "hub/sdk/testing/FakeRequestContext.h"
#include "hub/sdk/testing/FakeServices.h"

namespace hub::plugins::hello {
namespace {

using sdk::testing::FakeRequestContext;
using sdk::testing::RecordingRegistrar;

/// The plugin's config as the core would pass it: schema defaults, then `overrides`.
sdk::ConfigView configFor(const HelloPlugin& plugin, Poco::JSON::Object::Ptr overrides = nullptr) {
    sdk::ConfigSchema schema;
    plugin.declareConfig(schema);
    auto values = sdk::json::object();
    for (const auto& field : schema.fields()) {
        if (field->defaultVal()) {
            values->set(field->name(), *field->defaultVal());
        }
    }
    if (overrides) {
        for (const auto& name : overrides->getNames()) {
            values->set(name, overrides->get(name));
        }
    }
    return sdk::ConfigView(values);
}

Poco::JSON::Object::Ptr jsonOf(const FakeRequestContext& ctx) {
    return ctx.responseJson().extract<Poco::JSON::Object::Ptr>();
}

TEST(HelloPluginTest, DeclaresGreetingWithDefault) {
    HelloPlugin plugin;
    sdk::ConfigSchema schema;
    plugin.declareConfig(schema);
    const sdk::ConfigField* field = schema.findField("greeting");
    ASSERT_NE(field, nullptr);
    EXPECT_EQ(field->type(), sdk::ConfigType::String);
    ASSERT_TRUE(field->defaultVal().has_value());
    EXPECT_EQ(field->defaultVal()->convert<std::string>(), "Hello");
}

TEST(HelloPluginTest, RegistersTwoRoutesWithTheirAuthModes) {
    HelloPlugin plugin;
    RecordingRegistrar registrar;
    plugin.registerComponents(registrar, configFor(plugin));
    ASSERT_EQ(registrar.routes.size(), 2u);
    const sdk::RouteSpec* hello = registrar.findRoute("GET", "/api/v1/hello");
    const sdk::RouteSpec* me = registrar.findRoute("GET", "/api/v1/hello/me");
    ASSERT_NE(hello, nullptr);
    ASSERT_NE(me, nullptr);
    EXPECT_EQ(hello->auth, sdk::AuthMode::None);
    EXPECT_EQ(me->auth, sdk::AuthMode::Required);
}

TEST(HelloPluginTest, HelloAnswersWithDefaultGreeting) {
    HelloPlugin plugin;
    RecordingRegistrar registrar;
    plugin.registerComponents(registrar, configFor(plugin));
    const sdk::RouteSpec* route = registrar.findRoute("GET", "/api/v1/hello");
    ASSERT_NE(route, nullptr);

    FakeRequestContext ctx("GET", "/api/v1/hello");
    route->handler(ctx);

    EXPECT_EQ(ctx.status(), 200);
    EXPECT_EQ(ctx.responseContentType(), "application/json");
    EXPECT_EQ(ctx.responseBody(), R"({"message":"Hello, world","plugin":"hello"})");
    auto body = jsonOf(ctx);
    EXPECT_EQ(body->getValue<std::string>("message"), "Hello, world");
    EXPECT_EQ(body->getValue<std::string>("plugin"), "hello");
}

TEST(HelloPluginTest, HelloUsesConfiguredGreeting) {
    HelloPlugin plugin;
    RecordingRegistrar registrar;
    auto overrides = sdk::json::object();
    overrides->set("greeting", std::string("Hi"));
    plugin.registerComponents(registrar, configFor(plugin, overrides));

    FakeRequestContext ctx("GET", "/api/v1/hello");
    registrar.findRoute("GET", "/api/v1/hello")->handler(ctx);

    EXPECT_EQ(ctx.status(), 200);
    EXPECT_EQ(jsonOf(ctx)->getValue<std::string>("message"), "Hi, world");
}

TEST(HelloPluginTest, MeGreetsTheCaller) {
    HelloPlugin plugin;
    RecordingRegistrar registrar;
    plugin.registerComponents(registrar, configFor(plugin));
    const sdk::RouteSpec* route = registrar.findRoute("GET", "/api/v1/hello/me");
    ASSERT_NE(route, nullptr);

    sdk::AuthContext alice;
    alice.userId = "00000000-0000-0000-0000-000000000001";
    alice.username = "alice";
    alice.role = "user";
    alice.method = "bearer";
    FakeRequestContext ctx("GET", "/api/v1/hello/me");
    ctx.withAuth(alice);
    route->handler(ctx);

    EXPECT_EQ(ctx.status(), 200);
    EXPECT_EQ(ctx.responseBody(), R"({"message":"Hello, alice"})");
}

TEST(HelloPluginTest, MeWithoutCallerIsUnauthorized) {
    // In hubd the core answers 401 before the handler runs; called directly, the handler
    // refuses through requireAuth() with the same status.
    HelloPlugin plugin;
    RecordingRegistrar registrar;
    plugin.registerComponents(registrar, configFor(plugin));

    FakeRequestContext ctx("GET", "/api/v1/hello/me");
    try {
        registrar.findRoute("GET", "/api/v1/hello/me")->handler(ctx);
        FAIL() << "expected sdk::Unauthorized";
    } catch (const sdk::Unauthorized& e) {
        EXPECT_EQ(e.status(), 401);
    }
    EXPECT_FALSE(ctx.responded());
}

}  // namespace
}  // namespace hub::plugins::hello
