// HTTP behaviour every route shares: envelopes, 404/405, trailing slashes, HEAD, request ids,
// CORS, framing errors, body limits and deadlines, slow-drip clients.
#include <chrono>
#include <thread>

#include <gtest/gtest.h>
#include <Poco/Net/StreamSocket.h>
#include <Poco/String.h>

#include "ServerProcess.h"

namespace hub::tests {
namespace {

class HttpBehaviourTest : public ::testing::Test {
protected:
    void SetUp() override {
        ASSERT_TRUE(server_.start({"--set", "logging.access_log=false", "--set", "server.request_header_timeout_seconds=2",
                                   "--set", "server.keep_alive_timeout_seconds=1", "--set", "server.body_timeout_seconds=1",
                                   "--set", "server.min_body_rate_bytes_per_second=100000", "--set",
                                   "server.receive_timeout_seconds=2"}))
            << server_.stderrText();
    }
    ServerProcess server_;
};

TEST_F(HttpBehaviourTest, HealthAndReadyAnswerOk) {
    auto h = server_.get("/health");
    EXPECT_EQ(h.status, 200);
    EXPECT_EQ(h.body, "{\"status\":\"ok\"}");
    EXPECT_EQ(h.header("Content-Type"), "application/json");
    auto r = server_.get("/ready");
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.object()->getValue<std::string>("status"), "ready");
}

TEST_F(HttpBehaviourTest, BothTrailingSlashFormsAreServedDirectly) {
    EXPECT_EQ(server_.get("/health/").status, 200);
    auto me1 = server_.get("/api/v1/auth/users/me");
    auto me2 = server_.get("/api/v1/auth/users/me/");
    EXPECT_EQ(me1.status, 401);
    EXPECT_EQ(me2.status, 401);
}

TEST_F(HttpBehaviourTest, UnknownRouteIs404WithEnvelope) {
    auto r = server_.get("/api/v1/nope");
    EXPECT_EQ(r.status, 404);
    EXPECT_EQ(r.detail(), "Not Found");
    EXPECT_EQ(r.errorCode(), "not_found");
    EXPECT_EQ(r.object()->getObject("error")->getValue<std::string>("message"), "Not Found");
}

TEST_F(HttpBehaviourTest, WrongMethodIs405WithAllowHeader) {
    auto r = server_.request("DELETE", "/health");
    EXPECT_EQ(r.status, 405);
    EXPECT_EQ(r.errorCode(), "method_not_allowed");
    EXPECT_EQ(r.detail(), "Method Not Allowed");
    EXPECT_NE(r.header("Allow").find("GET"), std::string::npos);
    EXPECT_NE(r.header("Allow").find("HEAD"), std::string::npos);
}

TEST_F(HttpBehaviourTest, HeadOnGetRouteHasHeadersButNoBody) {
    auto r = server_.request("HEAD", "/health");
    EXPECT_EQ(r.status, 200);
    EXPECT_TRUE(r.body.empty());
    EXPECT_EQ(r.header("Content-Length"), "15");
}

TEST_F(HttpBehaviourTest, RequestIdIsEchoedOrGenerated) {
    auto given = server_.get("/health", {{"X-Request-Id", "abc-123.X_y"}});
    EXPECT_EQ(given.header("X-Request-Id"), "abc-123.X_y");
    auto generated = server_.get("/health");
    EXPECT_EQ(generated.header("X-Request-Id").size(), 32u);
    auto unsafe = server_.get("/health", {{"X-Request-Id", "bad id with spaces"}});
    EXPECT_NE(unsafe.header("X-Request-Id"), "bad id with spaces");
    EXPECT_EQ(unsafe.header("X-Request-Id").size(), 32u);
}

TEST_F(HttpBehaviourTest, CorsAllowsConfiguredOriginsOnly) {
    auto pre = server_.request("OPTIONS", "/api/v1/auth/login", "",
                               {{"Origin", "http://localhost:3000"}, {"Access-Control-Request-Method", "POST"},
                                {"Access-Control-Request-Headers", "content-type,authorization"}});
    EXPECT_EQ(pre.status, 200);
    EXPECT_EQ(pre.header("Access-Control-Allow-Origin"), "http://localhost:3000");
    EXPECT_EQ(pre.header("Access-Control-Allow-Credentials"), "true");
    EXPECT_EQ(pre.header("Access-Control-Allow-Headers"), "content-type,authorization");
    EXPECT_EQ(pre.header("Access-Control-Max-Age"), "600");

    auto denied = server_.request("OPTIONS", "/api/v1/auth/login", "",
                                  {{"Origin", "https://evil.example"}, {"Access-Control-Request-Method", "POST"}});
    EXPECT_EQ(denied.status, 400);
    EXPECT_EQ(denied.detail(), "Disallowed CORS origin");
    EXPECT_EQ(denied.header("Access-Control-Allow-Origin"), "");

    auto simple = server_.get("/health", {{"Origin", "http://localhost:8000"}});
    EXPECT_EQ(simple.header("Access-Control-Allow-Origin"), "http://localhost:8000");
    EXPECT_EQ(simple.header("Vary"), "Origin");
    auto other = server_.get("/health", {{"Origin", "https://evil.example"}});
    EXPECT_EQ(other.header("Access-Control-Allow-Origin"), "");
}

TEST_F(HttpBehaviourTest, ConflictingContentLengthIsRejected) {
    std::string resp = server_.raw(
        "POST /api/v1/auth/login HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nContent-Length: 10\r\n\r\nabc");
    EXPECT_EQ(resp.rfind("HTTP/1.1 400", 0), 0u) << resp;
    EXPECT_NE(resp.find("Conflicting Content-Length"), std::string::npos);
    EXPECT_NE(resp.find("bad_framing"), std::string::npos);
}

TEST_F(HttpBehaviourTest, ContentLengthWithTransferEncodingIsRejected) {
    std::string resp = server_.raw(
        "POST /api/v1/auth/login HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n"
        "0\r\n\r\n");
    EXPECT_EQ(resp.rfind("HTTP/1.1 400", 0), 0u) << resp;
}

TEST_F(HttpBehaviourTest, MalformedChunkedBodiesAreRejectedAndEndTheConnection) {
    for (const std::string& body : {std::string("zz\r\nhello world\r\n0\r\n\r\n"),
                                    std::string("fffffffffffffffffff1\r\nab\r\n0\r\n\r\n"),
                                    std::string("3\r\nabcXX0\r\n\r\n")}) {
        std::string resp = server_.raw("POST /api/v1/auth/register HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                                       "Transfer-Encoding: chunked\r\n\r\n" + body);
        EXPECT_EQ(resp.rfind("HTTP/1.1 400", 0), 0u) << resp;
        EXPECT_NE(resp.find("bad_framing"), std::string::npos) << resp;
        EXPECT_EQ(resp.find("HTTP/1.1", 5), std::string::npos) << "no second response from leftover bytes: " << resp;
    }
    EXPECT_EQ(server_.scalar("SELECT COUNT(*) FROM users"), 0);
}

TEST_F(HttpBehaviourTest, SeveralTransferEncodingsAreRejected) {
    std::string resp = server_.raw("POST /api/v1/auth/login HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n"
                                   "Transfer-Encoding: identity\r\n\r\n0\r\n\r\n");
    EXPECT_EQ(resp.rfind("HTTP/1.1 400", 0), 0u) << resp;
}

TEST_F(HttpBehaviourTest, SignedContentLengthIsRejected) {
    std::string resp = server_.raw("POST /api/v1/auth/login HTTP/1.1\r\nHost: x\r\nContent-Length: +3\r\n\r\nabc");
    EXPECT_EQ(resp.rfind("HTTP/1.1 400", 0), 0u) << resp;
}

TEST_F(HttpBehaviourTest, UnsupportedHttpVersionIs505) {
    std::string resp = server_.raw("GET /health HTTP/9.9\r\nHost: x\r\n\r\n");
    EXPECT_NE(resp.find(" 505 "), std::string::npos) << resp;
}

TEST_F(HttpBehaviourTest, ControlCharactersInPathAre400) {
    auto r = server_.get("/api/v1/auth/%00users");
    EXPECT_EQ(r.status, 400);
    EXPECT_EQ(r.errorCode(), "bad_path");
}

TEST_F(HttpBehaviourTest, OversizeBodyIs413BeforeReading) {
    // Only the head is sent: the answer must come from the declared length alone.
    std::string resp = server_.raw(
        "POST /api/v1/auth/register HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        "Content-Length: 71680\r\n\r\n{\"username\":\"aaaa");
    EXPECT_EQ(resp.rfind("HTTP/1.1 413", 0), 0u) << resp;
    EXPECT_NE(resp.find("payload_too_large"), std::string::npos);
    EXPECT_NE(Poco::toLower(resp).find("connection: close"), std::string::npos);
    EXPECT_EQ(server_.scalar("SELECT COUNT(*) FROM users"), 0);
}

TEST_F(HttpBehaviourTest, OversizeChunkedBodyIs413WhileReading) {
    std::string chunk(32 * 1024, 'a');
    std::string req = "POST /api/v1/auth/register HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n";
    for (int i = 0; i < 3; ++i) req += "8000\r\n" + chunk + "\r\n";
    req += "0\r\n\r\n";
    std::string resp = server_.raw(req);
    EXPECT_EQ(resp.rfind("HTTP/1.1 413", 0), 0u) << resp.substr(0, 200);
    EXPECT_EQ(server_.scalar("SELECT COUNT(*) FROM users"), 0);
}

TEST_F(HttpBehaviourTest, SlowDripHeadersAreCutOff) {
    Poco::Net::StreamSocket s(Poco::Net::SocketAddress("127.0.0.1", static_cast<Poco::UInt16>(server_.port())));
    s.setReceiveTimeout(Poco::Timespan(0, 200000));
    auto started = std::chrono::steady_clock::now();
    std::string head = "GET /health HTTP/1.1\r\nHost: localhost\r\nX-Drip: ";
    s.sendBytes(head.data(), static_cast<int>(head.size()));
    bool closed = false;
    for (int i = 0; i < 40 && !closed; ++i) {  // one byte every 250 ms for up to 10 s
        try {
            s.sendBytes("a", 1);
            char buf[256];
            int n = s.receiveBytes(buf, sizeof buf);
            if (n == 0) closed = true;
        } catch (const Poco::TimeoutException&) {
        } catch (const Poco::Exception&) {
            closed = true;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    auto elapsed = std::chrono::steady_clock::now() - started;
    EXPECT_TRUE(closed) << "a client dripping header bytes kept its connection";
    EXPECT_LT(elapsed, std::chrono::seconds(8));
    EXPECT_EQ(server_.get("/health").status, 200);
}

TEST_F(HttpBehaviourTest, SlowBodyGets408) {
    Poco::Net::StreamSocket s(Poco::Net::SocketAddress("127.0.0.1", static_cast<Poco::UInt16>(server_.port())));
    s.setReceiveTimeout(Poco::Timespan(10, 0));
    std::string head =
        "POST /api/v1/auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 60000\r\n\r\n{";
    s.sendBytes(head.data(), static_cast<int>(head.size()));
    std::string resp;
    for (int i = 0; i < 30; ++i) {
        try {
            s.sendBytes(" ", 1);
        } catch (...) {
            break;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
        if (s.available() > 0) break;
    }
    char buf[4096];
    try {
        int n = s.receiveBytes(buf, sizeof buf);
        if (n > 0) resp.assign(buf, static_cast<std::size_t>(n));
    } catch (...) {
    }
    EXPECT_NE(resp.find(" 408 "), std::string::npos) << resp;
    EXPECT_NE(resp.find("request_timeout"), std::string::npos);
}

TEST_F(HttpBehaviourTest, ManyKeepAliveConnectionsAreAllServed) {
    // POCO's default pool (16) would starve some of these; every one must get an answer.
    std::vector<std::unique_ptr<Poco::Net::StreamSocket>> sockets;
    for (int i = 0; i < 40; ++i) {
        sockets.push_back(std::make_unique<Poco::Net::StreamSocket>(
            Poco::Net::SocketAddress("127.0.0.1", static_cast<Poco::UInt16>(server_.port()))));
    }
    std::string req = "GET /health HTTP/1.1\r\nHost: x\r\n\r\n";
    int answered = 0;
    for (auto& s : sockets) {
        s->setReceiveTimeout(Poco::Timespan(5, 0));
        s->sendBytes(req.data(), static_cast<int>(req.size()));
    }
    for (auto& s : sockets) {
        char buf[512];
        try {
            int n = s->receiveBytes(buf, sizeof buf);
            if (n > 0 && std::string(buf, static_cast<std::size_t>(n)).rfind("HTTP/1.1 200", 0) == 0) ++answered;
        } catch (...) {
        }
    }
    EXPECT_EQ(answered, 40);
}

}  // namespace
}  // namespace hub::tests
