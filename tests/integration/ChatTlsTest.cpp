// The chat plugin talks to an OpenAI-compatible provider over HTTPS (POCO NetSSL): it trusts a
// configured CA and refuses a certificate it cannot verify.
#include <cstdlib>
#include <filesystem>

#include <gtest/gtest.h>
#include <Poco/Net/Context.h>
#include <Poco/Net/HTTPRequestHandler.h>
#include <Poco/Net/HTTPRequestHandlerFactory.h>
#include <Poco/Net/HTTPServer.h>
#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerResponse.h>
#include <Poco/Net/SecureServerSocket.h>
#include <Poco/StreamCopier.h>

#include "ServerProcess.h"
#include "hub/sdk/Json.h"

namespace hub::tests {
namespace {

class TlsUpstream : public Poco::Net::HTTPRequestHandler {
public:
    void handleRequest(Poco::Net::HTTPServerRequest& req, Poco::Net::HTTPServerResponse& resp) override {
        std::string body;
        Poco::StreamCopier::copyToString(req.stream(), body);
        resp.setContentType("text/event-stream");
        resp.setChunkedTransferEncoding(true);
        std::ostream& out = resp.send();
        out << "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"secure hello\"}}]}\n\n";
        out << "data: [DONE]\n\n" << std::flush;
    }
};

class TlsFactory : public Poco::Net::HTTPRequestHandlerFactory {
public:
    Poco::Net::HTTPRequestHandler* createRequestHandler(const Poco::Net::HTTPServerRequest&) override {
        return new TlsUpstream();
    }
};

TEST(ChatTlsTest, HttpsProviderIsVerifiedAgainstTheConfiguredCa) {
    ServerProcess server;
    std::string dir = server.dataDir() + "/tls";
    std::filesystem::create_directories(dir);
    std::string cmd = "openssl req -x509 -newkey rsa:2048 -nodes -keyout " + dir + "/key.pem -out " + dir +
                      "/cert.pem -days 1 -subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 2>/dev/null";
    ASSERT_EQ(std::system(cmd.c_str()), 0) << "openssl could not make a test certificate";

    Poco::Net::Context::Ptr serverContext = new Poco::Net::Context(
        Poco::Net::Context::TLS_SERVER_USE, dir + "/key.pem", dir + "/cert.pem", "", Poco::Net::Context::VERIFY_NONE);
    Poco::Net::SecureServerSocket socket(Poco::Net::SocketAddress("127.0.0.1", 0), 64, serverContext);
    Poco::Net::HTTPServer upstream(new TlsFactory, socket, new Poco::Net::HTTPServerParams);
    upstream.start();
    std::string url = "https://127.0.0.1:" + std::to_string(socket.address().port()) + "/v1";
    std::string providers = "plugins.chat.config.providers={trusted: {base_url: \"" + url + "\", ca_file: \"" + dir +
                            "/cert.pem\", retries: 0}, untrusted: {base_url: \"" + url + "\", retries: 0}}";
    ASSERT_TRUE(server.start({"--set", "logging.access_log=false", "--set",
                              "plugin_search_path=[" + ServerProcess::bundledPluginDir() + "]", "--set", providers,
                              "--set", "auth.password.argon2_memory_kib=8192", "--set", "auth.password.argon2_iterations=1"}))
        << server.stderrText();
    ASSERT_EQ(server.registerUser("tess").status, 201);
    auto auth = ServerProcess::bearer(server.login("tess"));
    auto chat = [&](const std::string& gateway) {
        auto a = server.postJson("/api/v1/advisors",
                                 "{\"name\":\"" + gateway + "\",\"model\":\"m\",\"gateway\":\"" + gateway +
                                     "\",\"messages\":[]}",
                                 auth);
        EXPECT_EQ(a.status, 200) << a.body;
        auto c = server.request("POST", "/api/v1/chat/advisor/" + a.object()->getValue<std::string>("id") + "/new", "", auth);
        return server.postJson("/api/v1/chat/" + c.object()->getValue<std::string>("id") + "/message",
                               "{\"message\":\"hi\"}", auth);
    };
    auto ok = chat("trusted");
    EXPECT_NE(ok.body.find("\"content\": \"secure hello\""), std::string::npos) << ok.body;
    auto refused = chat("untrusted");
    EXPECT_NE(refused.body.find("{\"error\": \"Streaming LLM request failed: TLS error"), std::string::npos) << refused.body;
    upstream.stop();
}

}  // namespace
}  // namespace hub::tests
