// `hubd import chats DIR --user NAME`: HubGPT's legacy chat files become the user's
// conversations, readable through the chat routes; re-running imports nothing twice.
#include <gtest/gtest.h>

#include "ServerProcess.h"

namespace hub::tests {
namespace {

TEST(ChatImportTest, LegacyChatFilesBecomeTheUsersConversations) {
    ServerProcess p;
    std::string plugins = "plugin_search_path=[" + ServerProcess::bundledPluginDir() + "]";
    std::string fixtures = std::string(HUB_SOURCE_DIR) + "/tests/fixtures";
    ASSERT_EQ(p.runToExit({"user", "create", "alice", "--set", plugins}, {}, "alice password 1\n"), 0) << p.stderrText();
    ASSERT_EQ(p.runToExit({"import", "advisors", fixtures + "/advisors", "--user", "alice", "--set", plugins}), 0)
        << p.stderrText();

    ASSERT_EQ(p.runToExit({"import", "chats", fixtures + "/chats", "--user", "alice", "--set", plugins}), 0)
        << p.stderrText();
    std::string out = p.stdoutText();
    EXPECT_NE(out.find("imported chats/Naval_Ravikant.json: 4 messages with 'Naval Ravikant'"), std::string::npos) << out;
    EXPECT_NE(out.find("imported archive/Naval_Ravikant_ab12cd.json: 2 messages"), std::string::npos) << out;
    EXPECT_NE(out.find("skipped chats/Nobody_Known.json: no advisor named 'Nobody Known'"), std::string::npos) << out;
    EXPECT_NE(out.find("skipped archive/Naval_Ravikant_ffffff.json: not valid JSON"), std::string::npos) << out;
    EXPECT_NE(out.find("imported 2, skipped 2"), std::string::npos) << out;
    EXPECT_EQ(p.scalar("SELECT COUNT(*) FROM conversations WHERE status = 'archived'"), 1);

    // Idempotent.
    ASSERT_EQ(p.runToExit({"import", "chats", fixtures + "/chats", "--user", "alice", "--set", plugins}), 0);
    EXPECT_NE(p.stdoutText().find("imported 0, skipped 4"), std::string::npos) << p.stdoutText();
    EXPECT_EQ(p.scalar("SELECT COUNT(*) FROM conversations"), 2);

    // Readable through the API, in order, with tool calls kept.
    ASSERT_TRUE(p.start({"--set", plugins, "--set", "logging.access_log=false"}));
    std::string token = p.login("alice", "alice password 1");
    std::string conv = p.text("SELECT CAST(id AS TEXT) FROM conversations WHERE status = 'active'");
    auto history = p.get("/api/v1/chat/" + conv, ServerProcess::bearer(token));
    ASSERT_EQ(history.status, 200) << history.body;
    auto messages = history.object()->getArray("messages");
    ASSERT_EQ(messages->size(), 4u);
    EXPECT_EQ(messages->getObject(0)->getValue<std::string>("content"), "How do I get rich without getting lucky?");
    EXPECT_EQ(messages->getObject(2)->getArray("tool_calls")->getObject(0)->getValue<std::string>("id"), "call_1");

    // Usage errors.
    EXPECT_EQ(p.runToExit({"import", "chats", fixtures + "/chats", "--set", plugins}), 64);
    EXPECT_EQ(p.runToExit({"import", "chats", fixtures + "/chats", "--user", "nobody", "--set", plugins}), 1);
}

}  // namespace
}  // namespace hub::tests
