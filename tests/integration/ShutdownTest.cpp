// Graceful SIGTERM: stop accepting, finish in-flight requests, exit 0.
#include <future>
#include <thread>

#include <gtest/gtest.h>
#include <Poco/Net/StreamSocket.h>

#include "ServerProcess.h"

namespace hub::tests {
namespace {

TEST(ShutdownTest, SigtermFinishesInFlightRequestsAndExitsZero) {
    ServerProcess server;
    ASSERT_TRUE(server.start({"--set", "logging.access_log=false", "--set",
                              "plugin_search_path=[" + ServerProcess::pluginDir("good") + "]"}))
        << server.stderrText();
    auto slow = std::async(std::launch::async, [&] { return server.get("/api/v1/testkit/slow?ms=1500"); });
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    auto started = std::chrono::steady_clock::now();
    int code = server.stop();
    auto r = slow.get();
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.body, "{\"slept\":true}");
    EXPECT_EQ(code, 0) << server.stderrText();
    EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(10));
    EXPECT_NE(server.stderrText().find("shutting down"), std::string::npos);
}

TEST(ShutdownTest, IdleKeepAliveConnectionsDoNotDelayShutdown) {
    ServerProcess server;
    ASSERT_TRUE(server.start({"--set", "logging.access_log=false", "--set", "server.keep_alive_timeout_seconds=60",
                              "--set", "server.request_header_timeout_seconds=120"}));
    Poco::Net::StreamSocket idle(Poco::Net::SocketAddress("127.0.0.1", static_cast<Poco::UInt16>(server.port())));
    std::string req = "GET /health HTTP/1.1\r\nHost: x\r\n\r\n";
    idle.sendBytes(req.data(), static_cast<int>(req.size()));
    char buf[512];
    ASSERT_GT(idle.receiveBytes(buf, sizeof buf), 0);
    auto started = std::chrono::steady_clock::now();
    EXPECT_EQ(server.stop(), 0);
    EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(5));
}

}  // namespace
}  // namespace hub::tests
