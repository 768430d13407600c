#include "http/StaticFiles.h"

#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <string>

#include <gtest/gtest.h>

#include "TempDir.h"
#include "http/PathTemplate.h"
#include "http/Router.h"
#include "hub/sdk/Error.h"
#include "hub/sdk/testing/FakeRequestContext.h"

namespace hub::core {
namespace {

namespace fs = std::filesystem;
using sdk::testing::FakeRequestContext;

void writeFile(const fs::path& p, const std::string& text) {
    fs::create_directories(p.parent_path());
    std::ofstream(p, std::ios::binary) << text;
}

class StaticFilesTest : public ::testing::Test {
protected:
    void SetUp() override {
        root_ = dir_.path() / "web";
        writeFile(root_ / "index.html", "<!doctype html><title>Hub</title>");
        writeFile(root_ / "app.js", "export const x = 1;\n");
        writeFile(root_ / "style.css", "body{}");
        writeFile(root_ / "icons" / "logo.svg", "<svg xmlns=\"http://www.w3.org/2000/svg\"/>");
        writeFile(root_ / ".secret.js", "hidden");
        writeFile(root_ / "README.md", "# not served");
        writeFile(dir_.path() / "outside.js", "outside the root");
        fs::create_symlink(dir_.path() / "outside.js", root_ / "escape.js");
        fs::create_symlink(root_ / "app.js", root_ / "alias.js");
    }

    /// What the handler answered (FakeRequestContext itself cannot be copied out).
    struct Answer {
        int status = 0;
        std::string body;
        std::string type;
        std::map<std::string, std::string> headers;
        std::optional<std::string> responseHeader(const std::string& n) const {
            auto it = headers.find(n);
            return it == headers.end() ? std::nullopt : std::optional<std::string>(it->second);
        }
    };

    Answer get(const std::string& relative, const std::string& ifNoneMatch = "") {
        FakeRequestContext ctx("GET", "/static/" + relative);
        if (!ifNoneMatch.empty()) ctx.withHeader("If-None-Match", ifNoneMatch);
        StaticFiles(root_.string()).serve(ctx, relative);
        Answer a{ctx.status(), ctx.responseBody(), ctx.responseContentType(), {}};
        for (const char* h : {"ETag", "Cache-Control", "Content-Security-Policy", "Referrer-Policy"}) {
            if (auto v = ctx.responseHeader(h)) a.headers[h] = *v;
        }
        return a;
    }

    bool notFound(const std::string& relative) {
        try {
            get(relative);
        } catch (const sdk::NotFound&) {
            return true;
        }
        return false;
    }

    test_support::TempDir dir_;
    fs::path root_;
};

TEST(StaticFilesTypes, KnownExtensionsOnly) {
    EXPECT_EQ(StaticFiles::contentTypeFor("index.html"), "text/html; charset=utf-8");
    EXPECT_EQ(StaticFiles::contentTypeFor("a/app.js"), "text/javascript; charset=utf-8");
    EXPECT_EQ(StaticFiles::contentTypeFor("style.CSS"), "text/css; charset=utf-8");
    EXPECT_EQ(StaticFiles::contentTypeFor("logo.svg"), "image/svg+xml");
    EXPECT_EQ(StaticFiles::contentTypeFor("x.png"), "image/png");
    EXPECT_EQ(StaticFiles::contentTypeFor("favicon.ico"), "image/x-icon");
    EXPECT_EQ(StaticFiles::contentTypeFor("m.json"), "application/json");
    EXPECT_FALSE(StaticFiles::contentTypeFor("README.md"));
    EXPECT_FALSE(StaticFiles::contentTypeFor("hubd"));
    EXPECT_FALSE(StaticFiles::contentTypeFor("dir.js/file"));
}

TEST_F(StaticFilesTest, ServesWithTypeAndSecurityHeaders) {
    auto ctx = get("app.js");
    EXPECT_EQ(ctx.status, 200);
    EXPECT_EQ(ctx.type, "text/javascript; charset=utf-8");
    EXPECT_EQ(ctx.body, "export const x = 1;\n");
    EXPECT_EQ(ctx.responseHeader("Content-Security-Policy").value_or(""), StaticFiles::kContentSecurityPolicy);
    EXPECT_NE(std::string(StaticFiles::kContentSecurityPolicy).find("script-src 'self';"), std::string::npos);
    EXPECT_EQ(ctx.responseHeader("Referrer-Policy").value_or(""), "no-referrer");
    EXPECT_EQ(ctx.responseHeader("Cache-Control").value_or(""), "no-cache");
    EXPECT_FALSE(ctx.responseHeader("ETag").value_or("").empty());

    auto nested = get("icons/logo.svg");
    EXPECT_EQ(nested.status, 200);
    EXPECT_EQ(nested.type, "image/svg+xml");
}

TEST_F(StaticFilesTest, IfNoneMatchGives304) {
    std::string etag = get("index.html").responseHeader("ETag").value_or("");
    ASSERT_FALSE(etag.empty());
    auto same = get("index.html", etag);
    EXPECT_EQ(same.status, 304);
    EXPECT_EQ(same.body, "");
    EXPECT_EQ(same.responseHeader("ETag").value_or(""), etag);
    EXPECT_EQ(get("index.html", "\"other\", W/" + etag).status, 304);
    EXPECT_EQ(get("index.html", "*").status, 304);
    EXPECT_EQ(get("index.html", "\"other\"").status, 200);

    // A changed file gets a new tag, so a cached copy is replaced.
    writeFile(root_ / "index.html", "<!doctype html><title>Hub 2</title>");
    auto changed = get("index.html", etag);
    EXPECT_EQ(changed.status, 200);
    EXPECT_NE(changed.responseHeader("ETag").value_or(""), etag);
}

TEST_F(StaticFilesTest, RefusesEverythingOutsideTheRoot) {
    EXPECT_TRUE(notFound("../outside.js"));
    EXPECT_TRUE(notFound("icons/../../outside.js"));
    EXPECT_TRUE(notFound("./app.js"));
    EXPECT_TRUE(notFound("icons//logo.svg"));
    EXPECT_TRUE(notFound("escape.js"));  // symlink leaving the root
    EXPECT_TRUE(notFound(".secret.js"));
    EXPECT_TRUE(notFound("README.md"));  // not a served type
    EXPECT_TRUE(notFound("missing.js"));
    EXPECT_TRUE(notFound("icons"));
    EXPECT_TRUE(notFound("app.js\\..\\x.js"));
    EXPECT_TRUE(notFound(std::string("app.js\0.js", 10)));
    EXPECT_FALSE(notFound("alias.js"));  // a symlink inside the root is fine
}

TEST_F(StaticFilesTest, MissingRootIsNotFound) {
    FakeRequestContext ctx("GET", "/");
    EXPECT_THROW(StaticFiles((dir_.path() / "nope").string()).serve(ctx, "index.html"), sdk::NotFound);
}

TEST_F(StaticFilesTest, ResolveRootPrefersConfiguredThenInstalledThenSource) {
    EXPECT_EQ(StaticFiles::resolveRoot("/srv/web", "/opt/hub/bin", "/src/web"), "/srv/web");
    EXPECT_EQ(StaticFiles::resolveRoot("", (dir_.path() / "bin").string(), "/src/web"), "/src/web");
    fs::create_directories(dir_.path() / "share" / "hub" / "web");
    EXPECT_EQ(StaticFiles::resolveRoot("", (dir_.path() / "bin").string(), "/src/web"),
              (dir_.path() / "share" / "hub" / "web").string());
}

TEST_F(StaticFilesTest, RoutesServeTheIndexAndAssets) {
    Router router;
    StaticFiles files(root_.string());
    files.registerRoutes(router);
    auto index = router.match("GET", *PathTemplate::splitRequestPath("/"));
    ASSERT_EQ(index.kind, RouteMatch::Found);
    FakeRequestContext ctx("GET", "/");
    index.route->spec.handler(ctx);
    EXPECT_EQ(ctx.responseContentType(), "text/html; charset=utf-8");
    auto asset = router.match("HEAD", *PathTemplate::splitRequestPath("/static/icons/logo.svg"));
    ASSERT_EQ(asset.kind, RouteMatch::Found);
    EXPECT_EQ(asset.params.at("file"), "icons/logo.svg");
    EXPECT_EQ(router.match("POST", *PathTemplate::splitRequestPath("/")).kind, RouteMatch::MethodNotAllowed);
}

}  // namespace
}  // namespace hub::core
