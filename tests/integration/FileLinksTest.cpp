// Share links of files (core.links.v1): download links with expiry, password and download
// limit, and upload-only links for folders, used signed out.
#include <atomic>
#include <thread>

#include <gtest/gtest.h>

#include "FilesTestSupport.h"

namespace hub::tests::files {
namespace {

class FileLinksTest : public FilesFixture {
protected:
    void SetUp() override {
        startServer();
        alice_ = addUser("alice");
        bob_ = addUser("bob");
    }
    std::string idOf(const std::string& path) const {
        return server_.text("SELECT CAST(id AS TEXT) FROM user_files WHERE user_id = '" + alice_.id + "' AND file_path = '" +
                            path + "'");
    }
    Response makeLink(const User& u, const std::string& id, const std::string& body = "{}") const {
        return server_.postJson(idUrl(id, "/links"), body, u.auth());
    }
    std::string token(const Response& r) const { return r.object()->getValue<std::string>("token"); }
    Response download(const std::string& t, const std::string& password = "", Headers h = {}) const {
        if (!password.empty()) h["X-Share-Password"] = password;
        return server_.get("/api/v1/links/" + t + "/raw", h);
    }
    Response dropFile(const std::string& t, const std::string& name, const std::string& bytes) const {
        return server_.request("PUT", "/api/v1/links/" + t + "/files/" + enc(name), bytes,
                               {{"Content-Type", "application/octet-stream"}});
    }

    User alice_, bob_;
};

TEST_F(FileLinksTest, ADownloadLinkHonoursItsPasswordLimitAndRevocation) {
    putOk(alice_, "docs/report.txt", "the report");
    std::string id = idOf("docs/report.txt");

    // Only who may share the file makes links: a stranger does not see it, a viewer may not.
    EXPECT_EQ(makeLink(bob_, id).status, 404);
    ASSERT_EQ(share(alice_, "docs/report.txt", shareBody("shared_with", "bob")).status, 200);
    EXPECT_EQ(makeLink(bob_, id).errorCode(), "reshare_denied");
    // A file's link downloads; upload settings are refused.
    EXPECT_EQ(makeLink(alice_, id, R"({"mode":"upload"})").status, 422);
    EXPECT_EQ(makeLink(alice_, id, R"({"max_uploads":2})").status, 422);
    EXPECT_EQ(makeLink(alice_, id, R"({"max_downloads":0})").status, 422);
    EXPECT_EQ(makeLink(alice_, id, R"({"password":""})").status, 422);

    auto created = makeLink(alice_, id, R"({"password":"open sesame","max_downloads":2})");
    ASSERT_EQ(created.status, 201) << created.body;
    std::string t = token(created);
    EXPECT_EQ(created.object()->getValue<std::string>("url"), "/api/v1/links/" + t);

    // The password travels in a header only.
    EXPECT_EQ(download(t).errorCode(), "share_password_required");
    EXPECT_EQ(download(t, "wrong").errorCode(), "share_password_invalid");
    EXPECT_EQ(server_.get("/api/v1/links/" + t + "/raw?password=open%20sesame").errorCode(), "share_password_required");
    // Looking at what it offers, HEAD and a 304 count no download.
    auto info = server_.get("/api/v1/links/" + t, {{"X-Share-Password", "open sesame"}});
    ASSERT_EQ(info.status, 200) << info.body;
    EXPECT_EQ(info.object()->getValue<std::string>("name"), "report.txt");  // not the folders above it
    EXPECT_EQ(info.object()->getValue<int>("uses_left"), 2);
    // A browser is sent to the page's view of the link (counting nothing).
    auto page = server_.get("/api/v1/links/" + t, {{"Accept", "text/html,application/xhtml+xml"}});
    EXPECT_EQ(page.status, 303);
    EXPECT_EQ(page.header("Location"), "/#/links/" + t);
    auto first = download(t, "open sesame");
    ASSERT_EQ(first.status, 200) << first.body;
    EXPECT_EQ(first.body, "the report");
    EXPECT_EQ(download(t, "open sesame", {{"If-None-Match", first.header("ETag")}}).status, 304);
    EXPECT_EQ(server_.request("HEAD", "/api/v1/links/" + t + "/raw", "", {{"X-Share-Password", "open sesame"}}).status, 200);
    EXPECT_EQ(download(t, "open sesame").body, "the report");
    // The limit: the third download is refused like an unknown token.
    auto third = download(t, "open sesame");
    EXPECT_EQ(third.status, 404);
    EXPECT_EQ(third.errorCode(), "share_link_not_found");
    EXPECT_EQ(download("A" + t.substr(1), "open sesame").errorCode(), "share_link_not_found");

    auto listed = arr(server_.get(idUrl(id, "/links"), alice_.auth()));
    ASSERT_EQ(listed->size(), 1u);
    EXPECT_EQ(listed->getObject(0)->getValue<int>("uses"), 2);
    EXPECT_FALSE(listed->getObject(0)->getValue<bool>("active"));
    EXPECT_FALSE(listed->getObject(0)->has("token"));

    // Revoked (by id) and deleted: gone at once.
    auto open = makeLink(alice_, id);
    ASSERT_EQ(open.status, 201);
    std::string t2 = token(open);
    EXPECT_EQ(download(t2).status, 200);
    EXPECT_EQ(server_.request("DELETE", idUrl(id, "/links/" + open.object()->getValue<std::string>("id")), "", alice_.auth())
                  .status,
              200);
    EXPECT_EQ(download(t2).status, 404);
    auto again = makeLink(alice_, id);
    std::string t3 = token(again);
    EXPECT_EQ(del(alice_, "docs/report.txt").status, 200);
    EXPECT_EQ(download(t3).status, 404);
    EXPECT_EQ(server_.scalar("SELECT COUNT(*) FROM share_links"), 0);
}

TEST_F(FileLinksTest, ADownloadLimitHoldsUnderConcurrentDownloadsAndExpiryEndsALink) {
    putOk(alice_, "big.bin", std::string(64 * 1024, 'x'));
    std::string id = idOf("big.bin");
    auto created = makeLink(alice_, id, R"({"max_downloads":3})");
    ASSERT_EQ(created.status, 201) << created.body;
    std::string t = token(created);
    std::atomic<int> ok{0}, refused{0};
    std::vector<std::thread> threads;
    for (int i = 0; i < 8; ++i) {
        threads.emplace_back([&] {
            auto r = download(t);
            if (r.status == 200 && r.body.size() == 64 * 1024) ++ok;
            if (r.status == 404) ++refused;
        });
    }
    for (auto& th : threads) th.join();
    EXPECT_EQ(ok.load(), 3);
    EXPECT_EQ(refused.load(), 5);

    // Expiry: in the past is refused; a near one ends the link on time.
    EXPECT_EQ(makeLink(alice_, id, R"({"expires_at":"2001-01-01T00:00:00Z"})").status, 422);
    auto soon = makeLink(alice_, id, R"({"expires_at":)" + std::to_string(std::time(nullptr) + 2) + "}");
    ASSERT_EQ(soon.status, 201) << soon.body;
    std::string ts = token(soon);
    EXPECT_EQ(download(ts).status, 200);
    std::this_thread::sleep_for(std::chrono::milliseconds(3100));
    EXPECT_EQ(download(ts).status, 404);
}

TEST_F(FileLinksTest, AnUploadLinkAddsFilesToItsFolderAndShowsNothingElse) {
    putOk(alice_, "inbox/existing.txt", "private");
    std::string folder = idOf("inbox");
    auto created = makeLink(alice_, folder, R"({"max_uploads":3})");
    ASSERT_EQ(created.status, 201) << created.body;
    EXPECT_EQ(created.object()->getValue<std::string>("mode"), "upload");
    std::string t = token(created);
    EXPECT_EQ(makeLink(alice_, folder, R"({"max_downloads":3})").status, 422);

    auto info = server_.get("/api/v1/links/" + t);
    ASSERT_EQ(info.status, 200) << info.body;
    EXPECT_EQ(info.object()->getValue<std::string>("type"), "folder");
    EXPECT_EQ(info.body.find("existing"), std::string::npos);

    // A name in use gets a suffix: nothing is replaced, and the uploader learns only its name.
    auto up = dropFile(t, "existing.txt", "from outside");
    ASSERT_EQ(up.status, 201) << up.body;
    EXPECT_EQ(up.object()->getValue<std::string>("name"), "existing (1).txt");
    EXPECT_EQ(getRaw(alice_, "inbox/existing.txt").body, "private");
    EXPECT_EQ(getRaw(alice_, "inbox/existing (1).txt").body, "from outside");
    // Bad names change nothing and count nothing.
    auto escape = dropFile(t, "../escape.txt", "x");  // no such route: a name is one segment
    EXPECT_TRUE(escape.status == 404 || escape.status == 422) << escape.status;
    EXPECT_EQ(dropFile(t, "..", "x").status, 422);
    EXPECT_EQ(dropFile(t, "bad\\name", "x").status, 422);
    EXPECT_EQ(rowsAt("escape.txt"), 0);
    // Multipart works too.
    auto mp = server_.request("POST", "/api/v1/links/" + t + "/files",
                              multipartBody({{"file", "photo.jpg", "jpeg bytes"}}), multipartHeaders({}));
    ASSERT_EQ(mp.status, 201) << mp.body;
    EXPECT_EQ(mp.object()->getValue<std::string>("name"), "photo.jpg");
    // An upload link downloads nothing.
    EXPECT_EQ(download(t).status, 404);
    EXPECT_EQ(dropFile(t, "third.txt", "3").status, 201);
    EXPECT_EQ(dropFile(t, "fourth.txt", "4").status, 404);  // limit reached
    EXPECT_EQ(rowsAt("inbox/fourth.txt"), 0);

    // The owner's feed says a link added a file (no actor).
    auto feed = server_.get("/api/v1/activity?type=file.created", alice_.auth());
    ASSERT_EQ(feed.status, 200) << feed.body;
    EXPECT_NE(feed.body.find("\"via\":\"link\""), std::string::npos) << feed.body;
}

TEST_F(FileLinksTest, GuessingALinksPasswordIsSlowedForThatLinkOnly) {
    putOk(alice_, "vault.txt", "gold");
    std::string id = idOf("vault.txt");
    std::string t = token(makeLink(alice_, id, R"({"password":"long and right"})"));
    std::string other = token(makeLink(alice_, id, R"({"password":"long and right"})"));
    for (int i = 0; i < 10; ++i) EXPECT_EQ(download(t, "guess " + std::to_string(i)).errorCode(), "share_password_invalid");
    auto blocked = download(t, "long and right");  // even the right one waits now
    EXPECT_EQ(blocked.status, 429);
    EXPECT_EQ(blocked.errorCode(), "share_password_throttled");
    EXPECT_FALSE(blocked.header("Retry-After").empty());
    EXPECT_EQ(download(other, "long and right").body, "gold");  // another link is not locked out
}

}  // namespace
}  // namespace hub::tests::files
