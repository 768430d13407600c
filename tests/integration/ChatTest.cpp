// Chat over real HTTP: conversations per user, replies streamed as HubGPT's SSE events from
// the offline `echo` provider and from a scripted OpenAI-compatible upstream that this test
// runs on loopback (text deltas, split tool-call deltas, errors, a slow stream for cancel).
#include <atomic>
#include <future>
#include <thread>

#include <gtest/gtest.h>
#include <Poco/Net/HTTPRequestHandler.h>
#include <Poco/Net/HTTPRequestHandlerFactory.h>
#include <Poco/Net/HTTPServer.h>
#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerResponse.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/Net/StreamSocket.h>
#include <Poco/StreamCopier.h>
#include <Poco/String.h>

#include "ServerProcess.h"
#include "hub/sdk/Json.h"

namespace hub::tests {
namespace {

/// A scripted OpenAI-compatible upstream. The advisor's model picks the script.
class ScriptHandler : public Poco::Net::HTTPRequestHandler {
public:
    explicit ScriptHandler(std::atomic<int>& requests, std::string& lastBody, std::mutex& m)
        : requests_(requests), lastBody_(lastBody), mutex_(m) {}
    void handleRequest(Poco::Net::HTTPServerRequest& req, Poco::Net::HTTPServerResponse& resp) override {
        ++requests_;
        std::string body;
        Poco::StreamCopier::copyToString(req.stream(), body);
        {
            std::lock_guard<std::mutex> lock(mutex_);
            lastBody_ = body;
        }
        auto json = sdk::json::parseStrictObject(body);
        std::string model = json->getValue<std::string>("model");
        bool hasToolResult = body.find("\"role\":\"tool\"") != std::string::npos;
        if (model == "script-500") {
            resp.setStatus(Poco::Net::HTTPResponse::HTTP_INTERNAL_SERVER_ERROR);
            resp.send() << "{\"error\":{\"message\":\"upstream exploded\"}}";
            return;
        }
        if (model == "script-hang") {
            // Accepts the request and then says nothing for longer than the read timeout.
            std::this_thread::sleep_for(std::chrono::milliseconds(2500));
            resp.setStatus(Poco::Net::HTTPResponse::HTTP_OK);
            resp.send() << "data: [DONE]\n\n";
            return;
        }
        if (model == "script-401") {
            resp.setStatus(Poco::Net::HTTPResponse::HTTP_UNAUTHORIZED);
            resp.send() << "{\"error\":{\"message\":\"bad key\"}}";
            return;
        }
        resp.setContentType("text/event-stream");
        resp.setChunkedTransferEncoding(true);
        std::ostream& out = resp.send();
        auto chunk = [&](const std::string& delta) {
            out << "data: {\"id\":\"up-1\",\"choices\":[{\"index\":0,\"delta\":" << delta << "}]}\n\n" << std::flush;
        };
        if (model == "script-tool" && !hasToolResult) {
            // The call arrives in pieces: id and name, then the arguments split mid-string.
            chunk("{\"role\":\"assistant\",\"tool_calls\":[{\"index\":0,\"id\":\"call_9\",\"type\":\"function\","
                  "\"function\":{\"name\":\"testkit_add\",\"arguments\":\"\"}}]}");
            chunk("{\"tool_calls\":[{\"index\":0,\"function\":{\"arguments\":\"{\\\"a\\\": 2,\"}}]}");
            chunk("{\"tool_calls\":[{\"index\":0,\"function\":{\"arguments\":\" \\\"b\\\": 40}\"}}]}");
            out << "data: {\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"tool_calls\"}]}\n\n";
            out << "data: [DONE]\n\n" << std::flush;
            return;
        }
        if (model == "script-slow") {
            for (int i = 0; i < 50; ++i) {
                chunk("{\"content\":\"tick \"}");
                std::this_thread::sleep_for(std::chrono::milliseconds(100));
                if (!out.good()) return;
            }
            out << "data: [DONE]\n\n" << std::flush;
            return;
        }
        if (model == "script-midstream") {
            chunk("{\"content\":\"partial \"}");
            out << "data: {not json\n\n" << std::flush;
            return;
        }
        std::string text = hasToolResult ? "The sum is 42." : "Hello w\\u00f6rld \\\"quoted\\\"\\nline";
        chunk("{\"role\":\"assistant\",\"content\":\"\"}");
        chunk("{\"content\":\"" + text.substr(0, 6) + "\"}");
        chunk("{\"content\":\"" + text.substr(6) + "\"}");
        out << "data: {\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}],"
               "\"usage\":{\"prompt_tokens\":11,\"completion_tokens\":3,\"total_tokens\":14}}\n\n";
        out << "data: [DONE]\n\n" << std::flush;
    }

private:
    std::atomic<int>& requests_;
    std::string& lastBody_;
    std::mutex& mutex_;
};

class ScriptFactory : public Poco::Net::HTTPRequestHandlerFactory {
public:
    ScriptFactory(std::atomic<int>& r, std::string& b, std::mutex& m) : r_(r), b_(b), m_(m) {}
    Poco::Net::HTTPRequestHandler* createRequestHandler(const Poco::Net::HTTPServerRequest&) override {
        return new ScriptHandler(r_, b_, m_);
    }

private:
    std::atomic<int>& r_;
    std::string& b_;
    std::mutex& m_;
};

class ChatTest : public ::testing::Test {
protected:
    void SetUp() override {
        upstreamSocket_ = Poco::Net::ServerSocket(Poco::Net::SocketAddress("127.0.0.1", 0));
        auto params = new Poco::Net::HTTPServerParams;
        params->setMaxThreads(16);
        upstream_ = std::make_unique<Poco::Net::HTTPServer>(new ScriptFactory(requests_, lastBody_, mutex_),
                                                            upstreamSocket_, params);
        upstream_->start();
        std::string base = "\"http://127.0.0.1:" + std::to_string(upstreamSocket_.address().port()) + "/v1\"";
        std::string providers = "plugins.chat.config.providers={script: {base_url: " + base +
                                ", read_timeout_seconds: 5, retries: 1}, impatient: {base_url: " + base +
                                ", read_timeout_seconds: 1, retries: 0}}";
        ASSERT_TRUE(server_.start({"--set", "logging.access_log=false", "--set",
                                   "plugin_search_path=[" + ServerProcess::bundledPluginDir() + "," +
                                       ServerProcess::pluginDir("good") + "]",
                                   "--set", "auth.password.argon2_memory_kib=8192", "--set",
                                   "auth.password.argon2_iterations=1", "--set", providers, "--set",
                                   "plugins.chat.config.echo_chunk_delay_ms=100"}))
            << server_.stderrText();
        ASSERT_EQ(server_.registerUser("alice").status, 201);
        token_ = server_.login("alice");
    }
    void TearDown() override { upstream_->stop(); }

    std::string createAdvisor(const std::string& name, const std::string& gateway, const std::string& model,
                              bool stream = true, const std::string& tools = "null") {
        auto r = server_.postJson("/api/v1/advisors",
                                  "{\"name\":\"" + name + "\",\"model\":\"" + model + "\",\"gateway\":\"" + gateway +
                                      "\",\"stream\":" + (stream ? "true" : "false") + ",\"tools\":" + tools +
                                      ",\"messages\":[{\"role\":\"system\",\"content\":\"You help. Today <$datetime:%Y$>.\"}]}",
                                  ServerProcess::bearer(token_));
        EXPECT_EQ(r.status, 200) << r.body;
        return r.object()->getValue<std::string>("id");
    }
    std::string newConversation(const std::string& advisorId, const std::string& token = "") {
        auto r = server_.request("POST", "/api/v1/chat/advisor/" + advisorId + "/new", "",
                                 ServerProcess::bearer(token.empty() ? token_ : token));
        EXPECT_EQ(r.status, 200) << r.body;
        return r.object()->getValue<std::string>("id");
    }
    Response send(const std::string& conversation, const std::string& message, const std::string& token = "") {
        auto body = sdk::json::object();
        body->set("message", message);
        return server_.postJson("/api/v1/chat/" + conversation + "/message", sdk::json::stringify(body),
                                ServerProcess::bearer(token.empty() ? token_ : token));
    }
    static std::vector<std::string> events(const std::string& sse) {
        std::vector<std::string> out;
        std::size_t pos = 0;
        while ((pos = sse.find("data: ", pos)) != std::string::npos) {
            auto end = sse.find("\n\n", pos);
            out.push_back(sse.substr(pos + 6, end - pos - 6));
            pos = end;
        }
        return out;
    }

    ServerProcess server_;
    std::string token_;
    Poco::Net::ServerSocket upstreamSocket_;
    std::unique_ptr<Poco::Net::HTTPServer> upstream_;
    std::atomic<int> requests_{0};
    std::string lastBody_;
    std::mutex mutex_;
};

TEST_F(ChatTest, EchoReplyStreamsAsHubGptEventsThenADoneEvent) {
    std::string conv = newConversation(createAdvisor("Echoer", "echo", "any"));
    auto r = send(conv, "hello there my friend");
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(r.header("Content-Type"), "text/event-stream; charset=utf-8");
    auto ev = events(r.body);
    ASSERT_GE(ev.size(), 3u) << r.body;
    EXPECT_EQ(ev[0], "{\"conversation_id\": \"" + conv + "\", \"message\": {\"role\": \"assistant\", \"content\": \"Echo: hello there \"}}");
    std::string text;
    for (std::size_t i = 0; i + 1 < ev.size(); ++i) {
        text += sdk::json::parseStrictObject(ev[i])->getObject("message")->getValue<std::string>("content");
    }
    EXPECT_EQ(text, "Echo: hello there my friend");
    auto done = sdk::json::parseStrictObject(ev.back());
    EXPECT_TRUE(done->getValue<bool>("done"));
    EXPECT_EQ(done->getValue<std::string>("finish_reason"), "stop");
    auto msgs = server_.get("/api/v1/chat/messages/" + conv, ServerProcess::bearer(token_));
    EXPECT_EQ(msgs.body, "[{\"role\":\"user\",\"content\":\"hello there my friend\",\"tool_calls\":null,\"tool_call_id\":null},"
                         "{\"role\":\"assistant\",\"content\":\"Echo: hello there my friend\",\"tool_calls\":null,"
                         "\"tool_call_id\":null}]");
}

TEST_F(ChatTest, UpstreamDeltasAreRelayedWithPythonStyleEscaping) {
    std::string conv = newConversation(createAdvisor("Scripted", "script", "script-text"));
    auto r = send(conv, "hi");
    auto ev = events(r.body);
    ASSERT_EQ(ev.size(), 3u) << r.body;
    EXPECT_EQ(ev[0], "{\"conversation_id\": \"" + conv + "\", \"message\": {\"role\": \"assistant\", \"content\": \"Hello \"}}");
    EXPECT_EQ(ev[1], "{\"conversation_id\": \"" + conv +
                         "\", \"message\": {\"role\": \"assistant\", \"content\": \"w\\u00f6rld \\\"quoted\\\"\\nline\"}}");
    EXPECT_NE(ev[2].find("\"usage\": {\"prompt_tokens\": 11, \"completion_tokens\": 3, \"total_tokens\": 14}"), std::string::npos);
    std::lock_guard<std::mutex> lock(mutex_);
    auto upstreamBody = sdk::json::parseStrictObject(lastBody_);
    EXPECT_EQ(upstreamBody->getValue<std::string>("model"), "script-text");
    auto first = upstreamBody->getArray("messages")->getObject(0);
    EXPECT_EQ(first->getValue<std::string>("role"), "system");
    EXPECT_EQ(first->getValue<std::string>("content").find("<$datetime"), std::string::npos) << "includes expanded";
}

TEST_F(ChatTest, IncludeTagsExpandWithTheSendersFiles) {
    auto put = server_.request("PUT", "/api/v1/files/me/about.md", "  I like tea.  \n", ServerProcess::bearer(token_));
    ASSERT_EQ(put.status, 201) << put.body;
    ASSERT_EQ(server_.request("PUT", "/api/v1/files/me/b.txt", "bee", ServerProcess::bearer(token_)).status, 201);
    std::string prompt = "About: <$file:me/about.md$>|Missing: <$file:nope.txt$>|Dir: <$dir:me/*$>|"
                         "Legacy: <$me/about.md$>|Other: <$conversation_history$>|Year: <$datetime:%Y$>";
    auto r = server_.postJson("/api/v1/advisors",
                              "{\"name\":\"Includer\",\"model\":\"script-text\",\"gateway\":\"script\","
                              "\"messages\":[{\"role\":\"system\",\"content\":\"" + prompt + "\"}]}",
                              ServerProcess::bearer(token_));
    ASSERT_EQ(r.status, 200) << r.body;
    send(newConversation(r.object()->getValue<std::string>("id")), "hi");
    std::lock_guard<std::mutex> lock(mutex_);
    std::string system = sdk::json::parseStrictObject(lastBody_)->getArray("messages")->getObject(0)->getValue<std::string>("content");
    EXPECT_NE(system.find("About: I like tea.|"), std::string::npos) << system;
    EXPECT_NE(system.find("Missing: [Error: File not found: nope.txt]|"), std::string::npos) << system;
    EXPECT_NE(system.find("Dir: === me/about.md ===\n  I like tea.  \n\n\n=== me/b.txt ===\nbee|"), std::string::npos) << system;
    EXPECT_NE(system.find("Legacy: I like tea.|"), std::string::npos) << system;
    EXPECT_NE(system.find("Other: <$conversation_history$>|"), std::string::npos) << system;
    EXPECT_EQ(system.find("<$datetime"), std::string::npos) << system;
}

TEST_F(ChatTest, NonStreamingAdvisorGetsOneJsonResponse) {
    std::string conv = newConversation(createAdvisor("Quiet", "echo", "any", false));
    auto r = send(conv, "ping");
    ASSERT_EQ(r.status, 200) << r.body;
    auto o = r.object();
    EXPECT_EQ(o->getValue<std::string>("conversation_id"), conv);
    EXPECT_EQ(o->getObject("message")->getValue<std::string>("content"), "Echo: ping");
    EXPECT_EQ(o->getObject("message")->getValue<std::string>("role"), "assistant");
}

TEST_F(ChatTest, SplitToolCallDeltasRunThePluginToolAndContinue) {
    std::string conv = newConversation(createAdvisor("Calc", "script", "script-tool", true, "[\"testkit_add\"]"));
    auto r = send(conv, "add please");
    auto ev = events(r.body);
    ASSERT_FALSE(ev.empty()) << r.body;
    std::string text;
    for (std::size_t i = 0; i + 1 < ev.size(); ++i) {
        text += sdk::json::parseStrictObject(ev[i])->getObject("message")->getValue<std::string>("content");
    }
    EXPECT_EQ(text, "The sum is 42.");
    EXPECT_EQ(server_.scalar("SELECT COUNT(*) FROM tool_calls WHERE tool_name = 'testkit_add' AND status = 'ok' "
                             "AND result = '{\"sum\":42}'"),
              1);
    EXPECT_EQ(server_.scalar("SELECT COUNT(*) FROM messages WHERE role = 'tool'"), 1);
    EXPECT_EQ(requests_.load(), 2);
}

TEST_F(ChatTest, EchoToolRequestWithUnknownToolGoesBackToTheModelAsAnError) {
    std::string conv = newConversation(createAdvisor("EchoTools", "echo", "any", false, "[\"testkit_add\"]"));
    auto r = send(conv, "[[tool:nope {}]]");
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_NE(r.object()->getObject("message")->getValue<std::string>("content").find("unknown tool"), std::string::npos);
    auto ok = send(conv, "[[tool:testkit_add {\"a\": 1, \"b\": 2}]]");
    EXPECT_EQ(ok.object()->getObject("message")->getValue<std::string>("content"), "Tool testkit_add returned: {\"sum\":3}");
    auto bad = send(conv, "[[tool:testkit_add {\"a\": \"x\"}]]");
    EXPECT_NE(bad.object()->getObject("message")->getValue<std::string>("content").find("should be of type number"),
              std::string::npos);
}

TEST_F(ChatTest, UpstreamFailureIsOneErrorEventAndTheConversationStaysConsistent) {
    std::string conv = newConversation(createAdvisor("Broken", "script", "script-401"));
    auto r = send(conv, "hi");
    EXPECT_EQ(r.status, 200);
    auto ev = events(r.body);
    ASSERT_EQ(ev.size(), 1u) << r.body;
    EXPECT_EQ(ev[0].rfind("{\"error\": \"Streaming LLM request failed: Error code: 401", 0), 0u) << ev[0];
    auto msgs = server_.get("/api/v1/chat/messages/" + conv, ServerProcess::bearer(token_)).json().extract<Poco::JSON::Array::Ptr>();
    EXPECT_EQ(msgs->size(), 1u);  // the user message, nothing half-written
    auto midstream = send(newConversation(createAdvisor("Mid", "script", "script-midstream")), "hi");
    auto mev = events(midstream.body);
    ASSERT_FALSE(mev.empty());
    EXPECT_NE(mev.back().find("\"error\""), std::string::npos) << midstream.body;
}

TEST_F(ChatTest, UpstreamServerErrorsAreRetriedBeforeGivingUp) {
    std::string conv = newConversation(createAdvisor("Flaky", "script", "script-500"));
    auto r = send(conv, "hi");
    EXPECT_NE(r.body.find("Error code: 500"), std::string::npos) << r.body;
    EXPECT_EQ(requests_.load(), 2);  // first attempt + retries: 1
}

TEST_F(ChatTest, AnUpstreamThatHangsTimesOutWithAnErrorEvent) {
    std::string conv = newConversation(createAdvisor("Hung", "impatient", "script-hang"));
    auto started = std::chrono::steady_clock::now();
    auto r = send(conv, "hello?");
    EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::milliseconds(2400));
    auto ev = events(r.body);
    ASSERT_EQ(ev.size(), 1u) << r.body;
    EXPECT_EQ(ev[0], "{\"error\": \"Streaming LLM request failed: Request timed out.\"}");
}

TEST_F(ChatTest, CancelStopsTheGenerationAndKeepsWhatWasProduced) {
    std::string conv = newConversation(createAdvisor("Slow", "script", "script-slow"));
    auto pending = std::async(std::launch::async, [&] { return send(conv, "go"); });
    std::this_thread::sleep_for(std::chrono::milliseconds(600));
    auto c = server_.request("POST", "/api/v1/chat/" + conv + "/cancel", "", ServerProcess::bearer(token_));
    EXPECT_EQ(c.body, "{\"status\":\"cancelled\"}");
    auto r = pending.get();
    auto ev = events(r.body);
    ASSERT_FALSE(ev.empty());
    auto done = sdk::json::parseStrictObject(ev.back());
    EXPECT_EQ(done->getValue<std::string>("finish_reason"), "cancelled");
    EXPECT_LT(ev.size(), 30u);
    auto stored = server_.text("SELECT content FROM messages WHERE role = 'assistant'");
    EXPECT_EQ(stored.rfind("tick ", 0), 0u);
    auto none = server_.request("POST", "/api/v1/chat/" + conv + "/cancel", "", ServerProcess::bearer(token_));
    EXPECT_EQ(none.body, "{\"status\":\"no_active_stream\"}");
}

TEST_F(ChatTest, SigtermEndsStreamsInsteadOfWaitingForThem) {
    std::string conv = newConversation(createAdvisor("Long", "script", "script-slow"));
    auto pending = std::async(std::launch::async, [&] { return send(conv, "go"); });
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    auto started = std::chrono::steady_clock::now();
    EXPECT_EQ(server_.stop(), 0) << server_.stderrText();
    EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(3)) << "the 5 s stream was not awaited";
    auto r = pending.get();
    EXPECT_NE(r.body.find("\"finish_reason\": \"cancelled\""), std::string::npos) << r.body;
    EXPECT_EQ(server_.scalar("SELECT COUNT(*) FROM messages WHERE role = 'assistant' AND finish_reason = 'cancelled'"), 1);
}

TEST_F(ChatTest, ClientDisconnectStopsTheUpstreamGeneration) {
    std::string conv = newConversation(createAdvisor("Gone", "script", "script-slow"));
    {
        Poco::Net::StreamSocket s(Poco::Net::SocketAddress("127.0.0.1", static_cast<Poco::UInt16>(server_.port())));
        std::string body = "{\"message\":\"go\"}";
        std::string req = "POST /api/v1/chat/" + conv + "/message HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " +
                          token_ + "\r\nContent-Type: application/json\r\nContent-Length: " +
                          std::to_string(body.size()) + "\r\n\r\n" + body;
        s.sendBytes(req.data(), static_cast<int>(req.size()));
        char buf[4096];
        s.setReceiveTimeout(Poco::Timespan(5, 0));
        ASSERT_GT(s.receiveBytes(buf, sizeof buf), 0);  // the stream has started
        s.close();
    }
    // The scripted stream would run 5 s; the reply must be stored as cancelled well before.
    long long stored = 0;
    for (int i = 0; i < 30 && stored == 0; ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
        stored = server_.scalar("SELECT COUNT(*) FROM messages WHERE role = 'assistant' AND finish_reason = 'cancelled'");
    }
    EXPECT_EQ(stored, 1);
    auto none = server_.request("POST", "/api/v1/chat/" + conv + "/cancel", "", ServerProcess::bearer(token_));
    EXPECT_EQ(none.body, "{\"status\":\"no_active_stream\"}");
}

TEST_F(ChatTest, ConversationsArePerUser) {
    std::string advisor = createAdvisor("Mine", "echo", "any");
    std::string conv = newConversation(advisor);
    send(conv, "secret");
    ASSERT_EQ(server_.registerUser("bob").status, 201);
    std::string bob = server_.login("bob");
    auto b = ServerProcess::bearer(bob);
    EXPECT_EQ(server_.get("/api/v1/chat/messages/" + conv, b).status, 404);
    EXPECT_EQ(server_.get("/api/v1/chat/" + conv, b).status, 404);
    EXPECT_EQ(send(conv, "hijack", bob).status, 404);
    EXPECT_EQ(server_.request("POST", "/api/v1/chat/" + conv + "/cancel", "", b).status, 404);
    EXPECT_EQ(server_.request("DELETE", "/api/v1/chat/" + conv, "", b).status, 404);
    EXPECT_EQ(server_.request("POST", "/api/v1/chat/advisor/" + advisor + "/new", "", b).status, 404);
    EXPECT_EQ(server_.get("/api/v1/chat/advisor/" + advisor + "/history", b).body, "[]");
    EXPECT_EQ(server_.get("/api/v1/chat/messages/" + conv).status, 401);
    EXPECT_EQ(server_.scalar("SELECT COUNT(*) FROM messages"), 2);
}

TEST_F(ChatTest, HistoryLatestGetAndDelete) {
    std::string advisor = createAdvisor("Hist", "echo", "any", false);
    auto latest = server_.get("/api/v1/chat/advisor/" + advisor + "/latest", ServerProcess::bearer(token_));
    ASSERT_EQ(latest.status, 200);
    std::string conv = latest.object()->getValue<std::string>("id");
    send(conv, "one");
    auto again = server_.get("/api/v1/chat/advisor/" + advisor + "/latest", ServerProcess::bearer(token_));
    EXPECT_EQ(again.object()->getValue<std::string>("id"), conv);
    EXPECT_EQ(again.object()->getArray("messages")->size(), 2u);
    auto history = server_.get("/api/v1/chat/advisor/" + advisor + "/history", ServerProcess::bearer(token_));
    EXPECT_EQ(history.json().extract<Poco::JSON::Array::Ptr>()->getObject(0)->getValue<int>("message_count"), 2);
    auto del = server_.request("DELETE", "/api/v1/chat/" + conv, "", ServerProcess::bearer(token_));
    EXPECT_EQ(del.body, "{\"status\":\"deleted\",\"id\":\"" + conv + "\"}");
    EXPECT_EQ(server_.get("/api/v1/chat/" + conv, ServerProcess::bearer(token_)).status, 404);
    EXPECT_EQ(server_.scalar("SELECT COUNT(*) FROM messages"), 0);
}

TEST_F(ChatTest, DeletingTheAdvisorDeletesItsConversations) {
    std::string advisor = createAdvisor("Temp", "echo", "any", false);
    std::string conv = newConversation(advisor);
    send(conv, "x");
    EXPECT_EQ(server_.request("DELETE", "/api/v1/advisors/" + advisor, "", ServerProcess::bearer(token_)).status, 200);
    EXPECT_EQ(server_.scalar("SELECT COUNT(*) FROM conversations"), 0);
}

TEST_F(ChatTest, BadMessageBodiesAre422AndStoreNothing) {
    std::string conv = newConversation(createAdvisor("Strict", "echo", "any"));
    for (const std::string& bad : {std::string("{}"), std::string("{\"message\":5}"), std::string("[\"x\"]"),
                                   std::string("{\"message\":\"a\",\"message\":\"b\"}")}) {
        EXPECT_EQ(server_.postJson("/api/v1/chat/" + conv + "/message", bad, ServerProcess::bearer(token_)).status, 422)
            << bad;
    }
    EXPECT_EQ(send("00000000-0000-4000-8000-000000000000", "hi").status, 404);
    EXPECT_EQ(send("not-a-uuid", "hi").status, 404);
    EXPECT_EQ(server_.scalar("SELECT COUNT(*) FROM messages"), 0);
}

TEST_F(ChatTest, BasicToolsReadOnlyTheCallersFiles) {
    ASSERT_EQ(server_.request("PUT", "/api/v1/files/notes/a.txt", "alpha", ServerProcess::bearer(token_)).status, 201);
    std::string tools = "[\"read_file\",\"list_files\",\"current_datetime\"]";
    std::string conv = newConversation(createAdvisor("Reader", "echo", "any", false, tools));
    auto read = send(conv, "[[tool:read_file {\"path\": \"notes/a.txt\"}]]");
    EXPECT_EQ(read.object()->getObject("message")->getValue<std::string>("content"),
              "Tool read_file returned: {\"path\":\"notes/a.txt\",\"content\":\"alpha\"}");
    auto list = send(conv, "[[tool:list_files {\"pattern\": \"notes/*\"}]]");
    EXPECT_EQ(list.object()->getObject("message")->getValue<std::string>("content"),
              "Tool list_files returned: {\"files\":[\"notes/a.txt\"]}");
    auto when = send(conv, "[[tool:current_datetime {}]]");
    EXPECT_NE(when.object()->getObject("message")->getValue<std::string>("content").find("\"utc\":\"20"), std::string::npos);
    // Another user's advisor with the same tools sees only their own (empty) namespace.
    ASSERT_EQ(server_.registerUser("mallory").status, 201);
    std::string other = server_.login("mallory");
    auto r = server_.postJson("/api/v1/advisors",
                              "{\"name\":\"R\",\"model\":\"m\",\"stream\":false,\"tools\":" + tools +
                                  ",\"messages\":[]}",
                              ServerProcess::bearer(other));
    std::string theirs = newConversation(r.object()->getValue<std::string>("id"), other);
    auto stolen = send(theirs, "[[tool:read_file {\"path\": \"notes/a.txt\"}]]", other);
    EXPECT_NE(stolen.object()->getObject("message")->getValue<std::string>("content").find("no readable text file"),
              std::string::npos);
}

TEST_F(ChatTest, AnUnconfiguredGatewayIs422AndStoresNothing) {
    std::string conv = newConversation(createAdvisor("Nowhere", "nope", "any"));
    auto r = send(conv, "hi");
    EXPECT_EQ(r.status, 422);
    EXPECT_EQ(r.errorCode(), "unknown_gateway");
    EXPECT_EQ(server_.scalar("SELECT COUNT(*) FROM messages"), 0);
}

TEST_F(ChatTest, OneGenerationPerConversationAtATime) {
    std::string conv = newConversation(createAdvisor("Busy", "script", "script-slow"));
    auto pending = std::async(std::launch::async, [&] { return send(conv, "first"); });
    std::this_thread::sleep_for(std::chrono::milliseconds(400));
    auto second = send(conv, "second");
    EXPECT_EQ(second.status, 409);
    EXPECT_EQ(second.errorCode(), "generation_in_progress");
    server_.request("POST", "/api/v1/chat/" + conv + "/cancel", "", ServerProcess::bearer(token_));
    pending.get();
}

TEST_F(ChatTest, IdsAreMatchedWhateverTheirCase) {
    std::string conv = newConversation(createAdvisor("Case", "echo", "any"));
    EXPECT_EQ(server_.get("/api/v1/chat/" + Poco::toUpper(conv), ServerProcess::bearer(token_)).status, 200);
}

TEST_F(ChatTest, ToolsListShowsRegisteredTools) {
    auto r = server_.get("/api/v1/tools", ServerProcess::bearer(token_));
    ASSERT_EQ(r.status, 200);
    EXPECT_NE(r.body.find("\"name\":\"testkit_add\""), std::string::npos);
    EXPECT_NE(r.body.find("\"plugin\":\"testkit\""), std::string::npos) << r.body;
    EXPECT_NE(r.body.find("\"plugin\":\"tools_basic\""), std::string::npos) << r.body;
}

TEST_F(ChatTest, CreateSnippetToolStoresASnippetForTheCaller) {
    std::string conv = newConversation(createAdvisor("Scribe", "echo", "any", false, "[\"create_snippet\"]"));
    auto r = send(conv, R"([[tool:create_snippet {"content": "# Idea\nBuy #tea"}]])");
    ASSERT_EQ(r.status, 200) << r.body;
    std::string reply = r.object()->getObject("message")->getValue<std::string>("content");
    EXPECT_EQ(reply.rfind("Tool create_snippet returned: {\"id\":", 0), 0u) << reply;
    EXPECT_NE(reply.find("\"title\":\"Idea\""), std::string::npos) << reply;
    EXPECT_EQ(server_.scalar("SELECT COUNT(*) FROM snippets WHERE title = 'Idea'"), 1);
    // It is the caller's snippet, with the route's derived tags and the advisor source.
    auto mine = server_.get("/api/v1/snippets", ServerProcess::bearer(token_));
    ASSERT_EQ(mine.status, 200) << mine.body;
    auto list = mine.json().extract<Poco::JSON::Array::Ptr>();
    ASSERT_EQ(list->size(), 1u) << mine.body;
    auto snippet = list->getObject(0);
    EXPECT_EQ(snippet->getValue<std::string>("source_type"), "advisor");
    EXPECT_EQ(snippet->getValue<std::string>("source_name"), "chat");
    EXPECT_EQ(snippet->getValue<std::string>("title"), "Idea");
    bool tea = false;
    auto tags = snippet->getArray("tags");
    for (std::size_t i = 0; i < tags->size(); ++i) {
        tea = tea || tags->getElement<std::string>(static_cast<unsigned>(i)) == "tea";
    }
    EXPECT_TRUE(tea) << mine.body;
    EXPECT_NE(reply.find(snippet->getValue<std::string>("id")), std::string::npos) << reply;
    ASSERT_EQ(server_.registerUser("bob").status, 201);
    auto theirs = server_.get("/api/v1/snippets", ServerProcess::bearer(server_.login("bob")));
    ASSERT_EQ(theirs.status, 200) << theirs.body;
    EXPECT_EQ(theirs.json().extract<Poco::JSON::Array::Ptr>()->size(), 0u) << theirs.body;
}

}  // namespace
}  // namespace hub::tests
