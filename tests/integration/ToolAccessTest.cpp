// Who may use which tool: config tools.access / tools.restricted and grants of `use` on the
// resource type "tool", given by server admins. GET /api/v1/tools, the tools offered to the
// model and the tools run all follow it.
#include <map>
#include <set>

#include <gtest/gtest.h>

#include "ServerProcess.h"
#include "hub/sdk/Json.h"

namespace hub::tests {
namespace {

std::vector<std::string> toolArgs(const std::vector<std::string>& extra) {
    std::vector<std::string> args{"--set", "logging.access_log=false", "--set",
                                  "plugin_search_path=[" + ServerProcess::bundledPluginDir() + "]", "--set",
                                  "auth.password.argon2_memory_kib=8192", "--set", "auth.password.argon2_iterations=1",
                                  "--set", "plugins.chat.config.echo_chunk_delay_ms=0", "--set", "access.cache_ms=0"};
    args.insert(args.end(), extra.begin(), extra.end());
    return args;
}

Poco::JSON::Array::Ptr arrayOf(const Response& r) {
    return sdk::json::parseStrict(r.body).extract<Poco::JSON::Array::Ptr>();
}

class ToolAccessTest : public ::testing::Test {
protected:
    void start(const std::vector<std::string>& extra) {
        ASSERT_TRUE(server_.start(toolArgs(extra), {{"API_USERNAME", "root"}, {"API_PASSWORD", "root password 1"}}))
            << server_.stderrText();
        root_ = server_.login("root", "root password 1");
        ASSERT_FALSE(root_.empty());
    }
    std::string user(const std::string& name) {
        EXPECT_EQ(server_.registerUser(name).status, 201);
        return server_.login(name);
    }
    std::set<std::string> listed(const std::string& token) const {
        auto r = server_.get("/api/v1/tools", ServerProcess::bearer(token));
        EXPECT_EQ(r.status, 200) << r.body;
        std::set<std::string> names;
        auto a = r.status == 200 ? arrayOf(r) : nullptr;
        for (std::size_t i = 0; a && i < a->size(); ++i) names.insert(a->getObject(i)->getValue<std::string>("name"));
        return names;
    }
    /// Runs `[[tool:NAME ARGS]]` through an echo advisor that lists both file tools; returns
    /// the echo provider's reply (which quotes the tool's result).
    std::string call(const std::string& token, const std::string& name, const std::string& args) {
        auto auth = ServerProcess::bearer(token);
        if (!conversations_.count(token)) {
            auto a = server_.postJson("/api/v1/advisors",
                                      R"({"name":"Tools","model":"m","stream":false,"tools":["list_files","read_file"],)"
                                      R"("messages":[]})",
                                      auth);
            EXPECT_EQ(a.status, 200) << a.body;
            auto c = server_.request("POST", "/api/v1/chat/advisor/" + a.object()->getValue<std::string>("id") + "/new",
                                     "", auth);
            conversations_[token] = c.object()->getValue<std::string>("id");
        }
        auto body = sdk::json::object();
        body->set("message", "[[tool:" + name + " " + args + "]]");
        auto r = server_.postJson("/api/v1/chat/" + conversations_[token] + "/message", sdk::json::stringify(body), auth);
        EXPECT_EQ(r.status, 200) << r.body;
        return r.status == 200 ? r.object()->getObject("message")->getValue<std::string>("content") : "";
    }
    Response grant(const std::string& token, const std::string& tool, const std::string& principalType,
                   const std::string& principal, const std::string& role) const {
        auto o = sdk::json::object();
        o->set("resource_type", "tool");
        o->set("resource_id", tool);
        o->set("principal_type", principalType);
        o->set("principal_name", principal);
        o->set("role", role);
        return server_.postJson("/api/v1/shares", sdk::json::stringify(o), ServerProcess::bearer(token));
    }

    ServerProcess server_;
    std::string root_;
    std::map<std::string, std::string> conversations_;
};

TEST_F(ToolAccessTest, ARestrictedToolNeedsAnAdminsGrantAndFollowsItOnTheNextRequest) {
    start({"--set", "tools.restricted=[read_file]"});
    std::string bob = user("bob"), carol = user("carol");
    ASSERT_EQ(server_.request("PUT", "/api/v1/files/a.txt", "alpha", ServerProcess::bearer(bob)).status, 201);

    EXPECT_FALSE(listed(bob).count("read_file"));
    EXPECT_TRUE(listed(bob).count("list_files"));
    EXPECT_TRUE(listed(root_).count("read_file"));  // admins may use every tool
    EXPECT_NE(call(bob, "read_file", R"({"path": "a.txt"})").find("unknown tool 'read_file'"), std::string::npos);
    EXPECT_NE(call(bob, "list_files", "{}").find("a.txt"), std::string::npos);  // the open tool still runs

    // Only admins grant tools: to a user, the tool is invisible (404); an unknown tool is 404.
    EXPECT_EQ(grant(bob, "read_file", "user", "carol", "user").status, 404);
    EXPECT_EQ(grant(root_, "no_such_tool", "user", "bob", "user").status, 404);

    auto g = grant(root_, "read_file", "user", "bob", "user");
    ASSERT_EQ(g.status, 201) << g.body;
    EXPECT_TRUE(listed(bob).count("read_file"));
    EXPECT_NE(call(bob, "read_file", R"({"path": "a.txt"})").find("alpha"), std::string::npos);
    EXPECT_FALSE(listed(carol).count("read_file"));
    // view alone does not let one use it.
    ASSERT_EQ(grant(root_, "read_file", "user", "carol", "viewer").status, 201);
    EXPECT_FALSE(listed(carol).count("read_file"));

    // The admin sees the grants on the tool; revoking ends it on the next request.
    auto grants = server_.get("/api/v1/shares?resource_type=tool&resource_id=read_file", ServerProcess::bearer(root_));
    ASSERT_EQ(grants.status, 200) << grants.body;
    EXPECT_EQ(arrayOf(grants)->size(), 2u);
    ASSERT_EQ(server_.request("DELETE", "/api/v1/shares/" + g.object()->getValue<std::string>("id"), "",
                              ServerProcess::bearer(root_))
                  .status,
              200);
    EXPECT_FALSE(listed(bob).count("read_file"));
    EXPECT_NE(call(bob, "read_file", R"({"path": "a.txt"})").find("unknown tool"), std::string::npos);
}

TEST_F(ToolAccessTest, WithGrantedOnlyEveryToolNeedsAGrantAndTeamsCount) {
    start({"--set", "tools.access=granted"});
    std::string bob = user("bob");
    EXPECT_TRUE(listed(bob).empty());
    EXPECT_TRUE(listed(root_).count("list_files"));
    EXPECT_TRUE(listed(root_).count("read_file"));

    auto team = server_.postJson("/api/v1/teams", R"({"name":"readers"})", ServerProcess::bearer(root_));
    ASSERT_EQ(team.status, 201) << team.body;
    std::string teamId = team.object()->getValue<std::string>("id");
    ASSERT_EQ(server_.postJson("/api/v1/teams/" + teamId + "/members", R"({"username":"bob"})", ServerProcess::bearer(root_))
                  .status,
              201);
    ASSERT_EQ(grant(root_, "list_files", "team", "readers", "user").status, 201);
    EXPECT_EQ(listed(bob), (std::set<std::string>{"list_files"}));
    // Why: explain names the team's grant.
    auto why = server_.get("/api/v1/access/explain?resource_type=tool&resource_id=list_files&user=bob",
                           ServerProcess::bearer(bob));
    ASSERT_EQ(why.status, 200) << why.body;
    EXPECT_NE(why.body.find("readers"), std::string::npos) << why.body;

    // Leaving the team ends it.
    std::string bobId = server_.get("/api/v1/auth/users/me", ServerProcess::bearer(bob)).object()->getValue<std::string>("id");
    ASSERT_EQ(server_.request("DELETE", "/api/v1/teams/" + teamId + "/members/" + bobId, "", ServerProcess::bearer(bob))
                  .status,
              200);
    EXPECT_TRUE(listed(bob).empty());
}

TEST_F(ToolAccessTest, AnUnknownPolicyIsAConfigErrorAndAnUnknownRestrictedToolIsReported) {
    ServerProcess bad;
    EXPECT_EQ(bad.runToExit({"--check-config", "--set", "tools.access=nobody"}), 78);
    start({"--set", "tools.restricted=[read_fiel]"});
    EXPECT_TRUE(server_.waitForStderr("tools.restricted names 'read_fiel'")) << server_.stderrText();
}

}  // namespace
}  // namespace hub::tests
