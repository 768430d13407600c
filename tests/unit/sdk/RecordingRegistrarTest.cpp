#include <memory>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "hub/sdk/Json.h"
#include "hub/sdk/testing/FakeRequestContext.h"
#include "hub/sdk/testing/FakeServices.h"

namespace hub::sdk {
namespace {

using testing::FakeRequestContext;
using testing::FakeServiceRegistry;
using testing::RecordingActivity;
using testing::RecordingRegistrar;
using ::testing::UnorderedElementsAre;

struct EchoService {
    static constexpr const char* kServiceId = "test.echo.v1";
    std::string prefix;
};

RouteSpec makeRoute(const std::string& method, const std::string& path, int status) {
    RouteSpec spec;
    spec.method = method;
    spec.path = path;
    spec.auth = AuthMode::None;
    spec.handler = [status](RequestContext& ctx) {
        auto body = json::object();
        body->set("id", ctx.pathParam("id"));
        ctx.respondJson(status, body);
    };
    return spec;
}

TEST(RecordingRegistrarTest, FindRouteReturnsTheRouteForMethodAndTemplate) {
    RecordingRegistrar registrar;
    registrar.route(makeRoute("GET", "/api/v1/items/{id}", 200));
    registrar.route(makeRoute("DELETE", "/api/v1/items/{id}", 204));

    const RouteSpec* get = registrar.findRoute("GET", "/api/v1/items/{id}");
    ASSERT_NE(get, nullptr);
    EXPECT_EQ(get->method, "GET");
    EXPECT_EQ(get->auth, AuthMode::None);

    FakeRequestContext ctx("GET", "/api/v1/items/42");
    ctx.withPathParam("id", "42");
    get->handler(ctx);
    EXPECT_EQ(ctx.status(), 200);
    EXPECT_EQ(ctx.responseBody(), R"({"id":"42"})");

    const RouteSpec* del = registrar.findRoute("DELETE", "/api/v1/items/{id}");
    ASSERT_NE(del, nullptr);
    EXPECT_NE(del, get);
}

TEST(RecordingRegistrarTest, FindRouteReturnsNullForUnknownMethodOrTemplate) {
    RecordingRegistrar registrar;
    registrar.route(makeRoute("GET", "/api/v1/items/{id}", 200));
    EXPECT_EQ(registrar.findRoute("POST", "/api/v1/items/{id}"), nullptr);
    EXPECT_EQ(registrar.findRoute("GET", "/api/v1/items/42"), nullptr);
    EXPECT_EQ(registrar.findRoute("GET", "/api/v1/items"), nullptr);
}

TEST(RecordingRegistrarTest, RecordsEveryKindOfRegistration) {
    RecordingRegistrar registrar;
    registrar.middleware(MiddlewareSpec{"m", 5, nullptr});
    ToolSpec tool;
    tool.name = "search";
    registrar.tool(tool);
    Migration m;
    m.version = 1;
    registrar.migration(m);
    registrar.subscribe("file.created", nullptr);
    registrar.provide(std::make_shared<EchoService>());

    ASSERT_EQ(registrar.middlewares.size(), 1u);
    EXPECT_EQ(registrar.middlewares[0].name, "m");
    ASSERT_EQ(registrar.tools.size(), 1u);
    EXPECT_EQ(registrar.tools[0].name, "search");
    ASSERT_EQ(registrar.migrations.size(), 1u);
    EXPECT_EQ(registrar.migrations[0].version, 1);
    ASSERT_EQ(registrar.subscriptions.size(), 1u);
    EXPECT_EQ(registrar.subscriptions[0].first, "file.created");
    EXPECT_EQ(registrar.provided.count("test.echo.v1"), 1u);
}

TEST(FakeServiceRegistryTest, FindsServicesByTheirId) {
    FakeServiceRegistry registry;
    EXPECT_EQ(registry.find<EchoService>(), nullptr);
    EXPECT_THROW(registry.require<EchoService>(), std::runtime_error);

    auto echo = std::make_shared<EchoService>();
    echo->prefix = ">";
    registry.add(echo);

    EXPECT_EQ(registry.find<EchoService>(), echo);
    EXPECT_EQ(registry.require<EchoService>()->prefix, ">");
    EXPECT_THAT(registry.ids(), UnorderedElementsAre("test.echo.v1"));
}

TEST(RecordingActivityTest, KeepsWhatAPluginRecordsThroughTheRegistry) {
    FakeServiceRegistry registry;
    auto recorded = std::make_shared<RecordingActivity>();
    registry.add<IActivity>(recorded);
    auto activity = registry.require<IActivity>();
    ActivityEntry e;
    e.actorId = "u1";
    e.action = "thing.created";
    e.resourceType = "thing";
    e.resourceId = "t1";
    e.ownerId = "u1";
    EXPECT_FALSE(activity->record(e).empty());
    e.action = "thing.deleted";
    activity->record(e);
    auto entries = recorded->entries();
    ASSERT_EQ(entries.size(), 2u);
    EXPECT_EQ(entries[0].action, "thing.created");
    EXPECT_EQ(entries[1].action, "thing.deleted");
}

}  // namespace
}  // namespace hub::sdk
