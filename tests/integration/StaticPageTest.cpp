// The page at `/`: served by hubd itself with its content types, security headers and ETag
// revalidation, and nothing outside the web root.
#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

#include "ServerProcess.h"

namespace hub::tests {
namespace {

namespace fs = std::filesystem;

class StaticPageTest : public ::testing::Test {
protected:
    void SetUp() override {
        base_ = fs::temp_directory_path() / ("hub-static-" + std::to_string(::getpid()) + "-" +
                                            ::testing::UnitTest::GetInstance()->current_test_info()->name());
        fs::remove_all(base_);
        fs::create_directories(base_ / "web" / "css");
        std::ofstream(base_ / "web" / "index.html") << "<!doctype html><title>Test page</title>";
        std::ofstream(base_ / "web" / "app.js") << "console.log('hub');\n";
        std::ofstream(base_ / "web" / "css" / "site.css") << "body{color:black}";
        std::ofstream(base_ / "secret.json") << "{\"secret\":true}";
        fs::create_symlink(base_ / "secret.json", base_ / "web" / "link.json");
        ASSERT_TRUE(server_.start({"--set", "logging.access_log=false", "--set",
                                   "server.web_root=" + (base_ / "web").string()}))
            << server_.stderrText();
    }
    void TearDown() override {
        server_.stop();
        fs::remove_all(base_);
    }

    static void expectNotFound(const Response& r) {
        EXPECT_EQ(r.status, 404) << r.body;
        EXPECT_EQ(r.errorCode(), "not_found") << r.body;
        EXPECT_EQ(r.header("Content-Type"), "application/json");
    }

    fs::path base_;
    ServerProcess server_;
};

TEST_F(StaticPageTest, IndexAndAssetsWithTypesAndHeaders) {
    auto r = server_.get("/");
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(r.body, "<!doctype html><title>Test page</title>");
    EXPECT_EQ(r.header("Content-Type"), "text/html; charset=utf-8");
    EXPECT_EQ(r.header("X-Content-Type-Options"), "nosniff");
    EXPECT_EQ(r.header("Referrer-Policy"), "no-referrer");
    EXPECT_EQ(r.header("Cache-Control"), "no-cache");
    EXPECT_EQ(r.header("Content-Security-Policy"),
              "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
              "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'");
    EXPECT_FALSE(r.header("ETag").empty());

    auto js = server_.get("/static/app.js");
    EXPECT_EQ(js.status, 200);
    EXPECT_EQ(js.header("Content-Type"), "text/javascript; charset=utf-8");
    auto css = server_.get("/static/css/site.css");
    EXPECT_EQ(css.status, 200);
    EXPECT_EQ(css.header("Content-Type"), "text/css; charset=utf-8");
    EXPECT_EQ(css.body, "body{color:black}");

    auto head = server_.request("HEAD", "/static/app.js");
    EXPECT_EQ(head.status, 200);
    EXPECT_EQ(head.body, "");
    EXPECT_EQ(head.header("Content-Length"), std::to_string(js.body.size()));
}

TEST_F(StaticPageTest, IfNoneMatchIs304) {
    auto first = server_.get("/static/app.js");
    std::string etag = first.header("ETag");
    ASSERT_FALSE(etag.empty());
    auto again = server_.get("/static/app.js", {{"If-None-Match", etag}});
    EXPECT_EQ(again.status, 304);
    EXPECT_EQ(again.body, "");
    EXPECT_EQ(again.header("ETag"), etag);
    EXPECT_EQ(server_.get("/static/app.js", {{"If-None-Match", "\"stale\""}}).status, 200);
}

TEST_F(StaticPageTest, TraversalAndUnknownFilesAre404Json) {
    expectNotFound(server_.get("/static/missing.js"));
    expectNotFound(server_.get("/static/%2e%2e/secret.json"));
    expectNotFound(server_.get("/static/css/%2E%2E/%2E%2E/secret.json"));
    expectNotFound(server_.get("/static/..%2fsecret.json"));
    expectNotFound(server_.get("/static/link.json"));  // symlink out of the root
    expectNotFound(server_.get("/static/css"));
    // Raw `..` segments too (a client that does not normalise the path).
    std::string raw = server_.raw("GET /static/../secret.json HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    EXPECT_EQ(raw.substr(0, 12), "HTTP/1.1 404") << raw;
    EXPECT_EQ(raw.find("secret\":true"), std::string::npos);
    // Unknown paths outside /static stay the router's JSON 404; POST / is 405.
    expectNotFound(server_.get("/index.html"));
    EXPECT_EQ(server_.request("POST", "/").status, 405);
}

TEST(StaticPageDefaultRoot, BuildTreeServesTheSourcePage) {
    ServerProcess server;
    ASSERT_TRUE(server.start({"--set", "logging.access_log=false"})) << server.stderrText();
    auto r = server.get("/");
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_NE(r.body.find("<script type=\"module\" src=\"/static/app.js\""), std::string::npos);
    EXPECT_EQ(server.get("/static/app.js").status, 200);
    EXPECT_EQ(server.get("/static/api.js").status, 200);
    EXPECT_EQ(server.get("/static/style.css").status, 200);
}

}  // namespace
}  // namespace hub::tests
