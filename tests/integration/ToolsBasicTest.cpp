// tools_basic through the chat tool loop (echo provider): files shared with the caller are
// reachable as shared/<owner>/<path> exactly while the share allows reading.
#include <gtest/gtest.h>

#include "ServerProcess.h"
#include "hub/sdk/Json.h"

namespace hub::tests {
namespace {

class ToolsBasicTest : public ::testing::Test {
protected:
    void SetUp() override {
        ASSERT_TRUE(server_.start({"--set", "logging.access_log=false", "--set",
                                   "plugin_search_path=[" + ServerProcess::bundledPluginDir() + "]", "--set",
                                   "auth.password.argon2_memory_kib=8192", "--set", "auth.password.argon2_iterations=1",
                                   "--set", "plugins.chat.config.echo_chunk_delay_ms=0"}))
            << server_.stderrText();
    }
    std::string user(const std::string& name) {
        EXPECT_EQ(server_.registerUser(name).status, 201);
        return server_.login(name);
    }
    /// Runs `[[tool:NAME ARGS]]` as `token` through an echo advisor; returns the tool's result.
    std::string tool(const std::string& token, const std::string& name, const std::string& args) {
        auto auth = ServerProcess::bearer(token);
        if (!conversations_.count(token)) {
            auto a = server_.postJson("/api/v1/advisors",
                                      "{\"name\":\"Tools\",\"model\":\"m\",\"stream\":false,\"tools\":[\"list_files\","
                                      "\"read_file\"],\"messages\":[]}",
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
        std::string reply = r.object()->getObject("message")->getValue<std::string>("content");
        std::string prefix = "Tool " + name + " returned: ";
        EXPECT_EQ(reply.rfind(prefix, 0), 0u) << reply;
        return reply.substr(prefix.size());
    }
    ServerProcess server_;
    std::map<std::string, std::string> conversations_;
};

TEST_F(ToolsBasicTest, SharedFilesAreReadableOnlyWhileShared) {
    std::string alice = user("alice"), bob = user("bob"), mallory = user("mallory");
    ASSERT_EQ(server_.request("PUT", "/api/v1/files/notes/a.txt", "alpha caf\xc3\xa9", ServerProcess::bearer(alice)).status,
              201);
    auto share = server_.postJson("/api/v1/files/notes/a.txt/share", "{\"shared_with\":\"bob\"}", ServerProcess::bearer(alice));
    ASSERT_EQ(share.status, 200) << share.body;

    EXPECT_EQ(tool(alice, "read_file", "{\"path\": \"notes/a.txt\"}"),
              "{\"path\":\"notes/a.txt\",\"content\":\"alpha caf\xc3\xa9\"}");  // multi-byte ending intact
    EXPECT_EQ(tool(bob, "list_files", "{\"pattern\": \"*\"}"), "{\"files\":[\"shared/alice/notes/a.txt\"]}");
    EXPECT_EQ(tool(bob, "read_file", "{\"path\": \"shared/alice/notes/a.txt\"}"),
              "{\"path\":\"shared/alice/notes/a.txt\",\"content\":\"alpha caf\xc3\xa9\"}");
    EXPECT_EQ(tool(mallory, "list_files", "{}"), "{\"files\":[]}");
    EXPECT_NE(tool(mallory, "read_file", "{\"path\": \"shared/alice/notes/a.txt\"}").find("error"), std::string::npos);

    std::string bobId = server_.get("/api/v1/auth/users/me", ServerProcess::bearer(bob)).object()->getValue<std::string>("id");
    ASSERT_EQ(server_.request("DELETE", "/api/v1/files/notes/a.txt/share/" + bobId, "", ServerProcess::bearer(alice)).status,
              200);
    EXPECT_NE(tool(bob, "read_file", "{\"path\": \"shared/alice/notes/a.txt\"}").find("error"), std::string::npos);
    EXPECT_EQ(tool(bob, "list_files", "{}"), "{\"files\":[]}");
}

}  // namespace
}  // namespace hub::tests
