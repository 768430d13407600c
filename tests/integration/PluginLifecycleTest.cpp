// A real plugin (tests/fixtures/testkit) loaded by a real hubd: config, routes of every auth
// mode, migrations, middleware, tools, events, streaming, error mapping, enable/disable.
#include <gtest/gtest.h>

#include "ServerProcess.h"
#include "hub/sdk/Version.h"

namespace hub::tests {
namespace {

class PluginLifecycleTest : public ::testing::Test {
protected:
    void startWith(std::vector<std::string> extra = {}, std::map<std::string, std::string> env = {}) {
        std::vector<std::string> args{"--set", "logging.access_log=false", "--set",
                                      "plugin_search_path=[" + ServerProcess::pluginDir("good") + "]", "--set",
                                      "auth.password.argon2_memory_kib=8192", "--set", "auth.password.argon2_iterations=1"};
        args.insert(args.end(), extra.begin(), extra.end());
        ASSERT_TRUE(server_.start(args, env)) << server_.stderrText();
    }
    std::string userToken(const std::string& name) {
        EXPECT_EQ(server_.registerUser(name).status, 201);
        return server_.login(name);
    }
    ServerProcess server_;
};

TEST_F(PluginLifecycleTest, PluginRouteServesWithItsDefaultConfig) {
    startWith();
    auto r = server_.get("/api/v1/testkit/ping");
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(r.body, "{\"pong\":true,\"greeting\":\"hi\"}");
    EXPECT_EQ(r.header("X-Testkit"), "1");  // plugin middleware ran
}

TEST_F(PluginLifecycleTest, PluginConfigComesFromSetOverrides) {
    startWith({"--set", "plugins.testkit.config.greeting=bonjour"});
    EXPECT_EQ(server_.get("/api/v1/testkit/ping").object()->getValue<std::string>("greeting"), "bonjour");
}

TEST_F(PluginLifecycleTest, DisabledPluginRoutesAre404) {
    startWith({"--set", "plugins.testkit.enabled=false"});
    EXPECT_EQ(server_.get("/api/v1/testkit/ping").status, 404);
    EXPECT_EQ(server_.get("/health").status, 200);
}

TEST_F(PluginLifecycleTest, AuthModesAreEnforcedForPluginRoutes) {
    startWith();
    std::string token = userToken("alice");
    EXPECT_EQ(server_.postJson("/api/v1/testkit/echo", "{\"a\":1}").status, 401);
    auto echo = server_.postJson("/api/v1/testkit/echo", "{\"a\":1}", ServerProcess::bearer(token));
    EXPECT_EQ(echo.status, 200);
    EXPECT_EQ(echo.body, "{\"a\":1}");
    EXPECT_EQ(server_.get("/api/v1/testkit/whoami").body, "{\"user\":null}");
    EXPECT_EQ(server_.get("/api/v1/testkit/whoami", ServerProcess::bearer(token)).body, "{\"user\":\"alice\"}");
    EXPECT_EQ(server_.get("/api/v1/testkit/whoami", ServerProcess::bearer("bad")).status, 401);
    EXPECT_EQ(server_.get("/api/v1/testkit/admin", ServerProcess::bearer(token)).status, 403);
}

TEST_F(PluginLifecycleTest, RouteBodyLimitGives413) {
    startWith();
    std::string token = userToken("bob");
    auto r = server_.postJson("/api/v1/testkit/echo", "{\"a\":\"" + std::string(2000, 'x') + "\"}",
                              ServerProcess::bearer(token));
    EXPECT_EQ(r.status, 413);
}

TEST_F(PluginLifecycleTest, MigrationsCreateThePluginTableAndBadInputWritesNothing) {
    startWith();
    std::string token = userToken("carol");
    EXPECT_EQ(server_.scalar("SELECT COUNT(*) FROM hub_migrations WHERE owner = 'testkit'"), 1);
    auto ok = server_.postJson("/api/v1/testkit/items", "{\"name\":\"one\"}", ServerProcess::bearer(token));
    EXPECT_EQ(ok.status, 201) << ok.body;
    for (const std::string& bad : {std::string("{\"name\":5}"), std::string("{}"), std::string("{\"name\":\"a\",\"name\":\"b\"}"),
                                   std::string("not json"), std::string("{\"name\":\"" + std::string(200, 'x') + "\"}")}) {
        auto r = server_.postJson("/api/v1/testkit/items", bad, ServerProcess::bearer(token));
        EXPECT_EQ(r.status, 422) << bad;
    }
    EXPECT_EQ(server_.scalar("SELECT COUNT(*) FROM testkit_items"), 1);
    auto list = server_.get("/api/v1/testkit/items", ServerProcess::bearer(token));
    EXPECT_EQ(list.object()->getValue<int>("count"), 1);
    EXPECT_EQ(list.object()->getValue<int>("events"), 1);  // the event bus delivered item_created
}

TEST_F(PluginLifecycleTest, UnexpectedExceptionIs500WithoutInternals) {
    startWith();
    auto r = server_.get("/api/v1/testkit/boom", {{"X-Request-Id", "trace-me-1"}});
    EXPECT_EQ(r.status, 500);
    EXPECT_EQ(r.errorCode(), "internal_error");
    EXPECT_EQ(r.body.find("private.key"), std::string::npos);
    EXPECT_EQ(r.body.find("secret"), std::string::npos);
    EXPECT_NE(r.body.find("trace-me-1"), std::string::npos);
    EXPECT_TRUE(server_.waitForStderr("trace-me-1"));  // logged with the request id
    EXPECT_EQ(server_.get("/health").status, 200);
}

TEST_F(PluginLifecycleTest, PathParamFollowedByLiteralSuffix) {
    startWith();
    auto r = server_.get("/api/v1/testkit/files/a/b%20c/d.txt/share");
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.object()->getValue<std::string>("path"), "a/b c/d.txt");
}

TEST_F(PluginLifecycleTest, StreamingResponseIsChunked) {
    startWith();
    auto r = server_.get("/api/v1/testkit/stream");
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.header("Transfer-Encoding"), "chunked");
    EXPECT_EQ(r.body, "data: {\"n\": 0}\n\ndata: {\"n\": 1}\n\ndata: {\"n\": 2}\n\n");
}

TEST_F(PluginLifecycleTest, ToolsRegisteredByPluginsAreInvocable) {
    startWith();
    auto r = server_.get("/api/v1/testkit/tools");
    EXPECT_EQ(r.object()->getArray("tools")->getElement<std::string>(0), "testkit_add");
    EXPECT_EQ(r.object()->getValue<std::string>("result"), "{\"sum\":5}");
}

TEST_F(PluginLifecycleTest, PluginsAddHubdSubcommands) {
    std::string dir = "plugin_search_path=[" + ServerProcess::pluginDir("good") + "]";
    EXPECT_EQ(server_.runToExit({"testkit", "count", "--user", "alice", "--set", dir}), 0) << server_.stderrText();
    EXPECT_EQ(server_.stdoutText(), "items: 0 user=alice\n");
    EXPECT_EQ(server_.runToExit({"testkit", "count", "extra", "--set", dir}), 3);
    EXPECT_NE(server_.stdoutText().find("arg=extra"), std::string::npos);
    EXPECT_EQ(server_.runToExit({"frobnicate", "--set", dir}), 64);
    EXPECT_NE(server_.stderrText().find("testkit count"), std::string::npos) << "unknown commands list the known ones";
}

TEST_F(PluginLifecycleTest, AdminPluginListShowsNameVersionAbiStateAndLibrary) {
    startWith({}, {{"API_USERNAME", "root"}, {"API_PASSWORD", "root password 1"}});
    std::string admin = server_.login("root", "root password 1");
    auto r = server_.get("/api/v1/admin/plugins", ServerProcess::bearer(admin));
    ASSERT_EQ(r.status, 200) << r.body;
    auto list = r.json().extract<Poco::JSON::Array::Ptr>();
    ASSERT_EQ(list->size(), 1u);
    auto p = list->getObject(0);
    EXPECT_EQ(p->getValue<std::string>("name"), "testkit");
    EXPECT_EQ(p->getValue<std::string>("version"), "1.0.0");
    // The testkit plugin is built with this tree's SDK.
    EXPECT_EQ(p->getValue<std::string>("abi"), std::to_string(HUB_SDK_ABI_MAJOR) + "." + std::to_string(HUB_SDK_ABI_MINOR));
    EXPECT_EQ(p->getValue<std::string>("state"), "started");
    EXPECT_NE(p->getValue<std::string>("library").find("hub_testkit.so"), std::string::npos);
}

}  // namespace
}  // namespace hub::tests
