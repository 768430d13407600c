// Who may see and change which file: sharing (by id and by username, permissions, expiry,
// unsharing at both routes, resharing), access by id, public files, and the systematic
// check that a second user reaches nothing of the first user's by path, by id, through a
// revoked or expired share, or after deletion. Invisible is 404; visible but not allowed is 403.
#include <ctime>

#include <Poco/DateTime.h>
#include <Poco/DateTimeFormat.h>
#include <Poco/DateTimeFormatter.h>
#include <Poco/Timespan.h>

#include "FilesTestSupport.h"

namespace hub::tests::files {
namespace {

class FilesAccessTest : public FilesFixture {
protected:
    void SetUp() override {
        startServer();
        alice_ = addUser("alice");
        bob_ = addUser("bob");
    }

    /// Every by-id route as `who` (nullptr = anonymous): GET, /raw, HEAD /raw, /content, PUT, POST share.
    std::vector<std::pair<std::string, int>> idRouteStatuses(const std::string& id, const User* who,
                                                            const std::string& shareTo = "carol") const {
        Headers h = who ? who->auth() : Headers{};
        std::vector<std::pair<std::string, int>> out;
        out.emplace_back("GET", server_.get(idUrl(id), h).status);
        out.emplace_back("GET raw", server_.get(idUrl(id, "/raw"), h).status);
        out.emplace_back("HEAD raw", server_.request("HEAD", idUrl(id, "/raw"), "", h).status);
        out.emplace_back("GET content", server_.get(idUrl(id, "/content"), h).status);
        Headers put = h;
        put["Content-Type"] = "application/octet-stream";
        out.emplace_back("PUT", server_.request("PUT", idUrl(id), "overwritten", put).status);
        out.emplace_back("POST share", server_.postJson(idUrl(id, "/share"), shareBody("shared_with", shareTo), h).status);
        return out;
    }
    void expectIdRoutes(const std::string& id, const User* who, int readStatus, int writeStatus,
                        const std::string& context) const {
        for (const auto& [route, status] : idRouteStatuses(id, who)) {
            bool write = route == "PUT" || route == "POST share";
            EXPECT_EQ(status, write ? writeStatus : readStatus) << context << ": " << route << " /id/" << id;
        }
    }

    /// share_count of alice's file `path` ("folder/name") in her tree; -1 when absent.
    int shareCount(const std::string& path) const {
        auto folder = findBy(tree(alice_).object()->getArray("children"), "path", path.substr(0, path.find('/')));
        if (!folder) return -1;
        auto file = findBy(folder->getArray("children"), "path", path);
        return file ? file->getValue<int>("share_count") : -1;
    }

    User alice_;
    User bob_;
};

TEST_F(FilesAccessTest, ShareByIdGrantsReadOnlyAccessAndIsListedOnBothSides) {
    auto f = putOk(alice_, "docs/plan.txt", "the plan");
    std::string id = str(f, "id");
    auto s = share(alice_, "docs/plan.txt", shareBody("shared_with_id", bob_.id));
    ASSERT_EQ(s.status, 200) << s.body;
    auto so = s.object();
    EXPECT_EQ(str(so, "file_id"), id);
    EXPECT_EQ(str(so, "shared_with_id"), bob_.id);
    EXPECT_EQ(str(so, "shared_with"), "bob");
    EXPECT_TRUE(so->getObject("permissions")->getValue<bool>("read"));
    EXPECT_FALSE(so->getObject("permissions")->getValue<bool>("write"));
    EXPECT_FALSE(so->getObject("permissions")->getValue<bool>("reshare"));
    EXPECT_TRUE(so->isNull("expires_at"));

    auto meta = server_.get(idUrl(id), bob_.auth());
    ASSERT_EQ(meta.status, 200) << meta.body;
    EXPECT_EQ(str(meta.object(), "name"), "docs/plan.txt");
    EXPECT_EQ(server_.get(idUrl(id, "/raw"), bob_.auth()).body, "the plan");
    EXPECT_EQ(str(server_.get(idUrl(id, "/content"), bob_.auth()).object(), "content"), "the plan");

    Headers put = bob_.auth();
    put["Content-Type"] = "text/plain";
    auto denied = server_.request("PUT", idUrl(id), "bob was here", put);
    EXPECT_EQ(denied.status, 403) << denied.body;
    EXPECT_EQ(denied.errorCode(), "write_denied");
    auto reshare = shareById(bob_, id, shareBody("shared_with", "alice"));
    EXPECT_EQ(reshare.status, 403) << reshare.body;
    EXPECT_EQ(str(getContent(alice_, "docs/plan.txt").object(), "content"), "the plan");

    auto withMe = server_.get("/api/v1/files/shared-with-me", bob_.auth());
    ASSERT_EQ(withMe.status, 200);
    auto wm = arr(withMe);
    ASSERT_EQ(wm->size(), 1u) << withMe.body;
    auto e = wm->getObject(0);
    EXPECT_EQ(str(e, "owner"), "alice");
    EXPECT_EQ(str(e, "owner_id"), alice_.id);
    EXPECT_EQ(str(e, "path"), "docs/plan.txt");
    EXPECT_EQ(str(e, "file_id"), id);
    EXPECT_TRUE(e->getObject("permissions")->getValue<bool>("read"));
    EXPECT_FALSE(e->getObject("permissions")->getValue<bool>("write"));

    auto mine = arr(server_.get("/api/v1/files/shares", alice_.auth()));
    ASSERT_EQ(mine->size(), 1u);
    EXPECT_EQ(str(mine->getObject(0), "path"), "docs/plan.txt");
    EXPECT_EQ(str(mine->getObject(0), "shared_with"), "bob");
    EXPECT_EQ(str(mine->getObject(0), "file_id"), id);
    EXPECT_FALSE(mine->getObject(0)->getValue<bool>("expired"));
    // Neither list leaks into the other user's views.
    EXPECT_EQ(arr(server_.get("/api/v1/files/shares", bob_.auth()))->size(), 0u);
    EXPECT_EQ(arr(server_.get("/api/v1/files/shared-with-me", alice_.auth()))->size(), 0u);
    EXPECT_EQ(arr(list(bob_))->size(), 0u);
}

TEST_F(FilesAccessTest, ShareByUsernameWithWriteLetsTheRecipientReplaceTheBytes) {
    auto f = putOk(alice_, "shared/draft.md", "draft 1");
    std::string id = str(f, "id");
    ASSERT_EQ(share(alice_, "shared/draft.md", shareBody("shared_with", "bob", true, true)).status, 200);
    Headers put = bob_.auth();
    put["Content-Type"] = "text/markdown";
    auto r = server_.request("PUT", idUrl(id), "draft 2 by bob", put);
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(str(r.object(), "id"), id);
    EXPECT_NE(str(r.object(), "etag"), str(f, "etag"));
    EXPECT_EQ(r.object()->getValue<int64_t>("size"), 14);
    EXPECT_EQ(str(getContent(alice_, "shared/draft.md").object(), "content"), "draft 2 by bob");
    EXPECT_EQ(chunkFiles(server_.dataDir()).size(), 1u);

    // Sharing again updates the share: now read-only.
    ASSERT_EQ(share(alice_, "shared/draft.md", shareBody("shared_with", "bob")).status, 200);
    EXPECT_EQ(shareRows(), 1);
    EXPECT_EQ(server_.request("PUT", idUrl(id), "draft 3", put).status, 403);
    EXPECT_EQ(str(getContent(alice_, "shared/draft.md").object(), "content"), "draft 2 by bob");
}

TEST_F(FilesAccessTest, ShareRequestsAreValidated) {
    putOk(alice_, "v/file.txt", "v");
    ASSERT_EQ(mkdir(alice_, "v/folder").status, 201);
    auto unknownName = share(alice_, "v/file.txt", shareBody("shared_with", "nobody"));
    EXPECT_EQ(unknownName.status, 404) << unknownName.body;
    EXPECT_EQ(unknownName.detail(), "User not found");
    auto unknownId = share(alice_, "v/file.txt", shareBody("shared_with_id", "6f1c2b1e-3b7a-4a57-9a3e-0d2f7c9e8b11"));
    EXPECT_EQ(unknownId.status, 404) << unknownId.body;
    EXPECT_EQ(unknownId.detail(), "User not found");
    auto garbageId = share(alice_, "v/file.txt", shareBody("shared_with_id", "not-a-uuid"));
    EXPECT_EQ(garbageId.status, 404) << garbageId.body;
    EXPECT_EQ(share(alice_, "v/file.txt", shareBody("shared_with_id", alice_.id)).status, 422);
    EXPECT_EQ(share(alice_, "v/file.txt", shareBody("shared_with", "alice")).status, 422);
    EXPECT_EQ(share(alice_, "v/file.txt", "{\"permissions\":{\"read\":true}}").status, 422);
    EXPECT_EQ(share(alice_, "v/file.txt", "{\"shared_with\":\"bob\",\"permissions\":{\"read\":\"yes\"}}").status, 422);
    EXPECT_EQ(share(alice_, "v/file.txt", shareBody("shared_with", "bob", false)).status, 422);
    EXPECT_EQ(share(alice_, "v/file.txt", "not json").status, 422);

    auto past = share(alice_, "v/file.txt",
                      shareBody("shared_with", "bob", true, false, false, Poco::Dynamic::Var(Poco::Int64(std::time(nullptr) - 60))));
    EXPECT_EQ(past.status, 422) << past.body;
    auto pastIso = share(alice_, "v/file.txt",
                         shareBody("shared_with", "bob", true, false, false, Poco::Dynamic::Var(std::string("2020-01-01T00:00:00Z"))));
    EXPECT_EQ(pastIso.status, 422) << pastIso.body;
    auto loc = pastIso.object()->getArray("detail")->getObject(0)->getArray("loc");
    EXPECT_EQ(loc->getElement<std::string>(1), "expires_at");
    auto garbage = share(alice_, "v/file.txt",
                         shareBody("shared_with", "bob", true, false, false, Poco::Dynamic::Var(std::string("garbage"))));
    EXPECT_EQ(garbage.status, 422) << garbage.body;
    auto wrongType = share(alice_, "v/file.txt", shareBody("shared_with", "bob", true, false, false, Poco::Dynamic::Var(true)));
    EXPECT_EQ(wrongType.status, 422) << wrongType.body;

    auto missing = share(alice_, "v/none.txt", shareBody("shared_with", "bob"));
    EXPECT_EQ(missing.status, 404) << missing.body;
    EXPECT_EQ(missing.detail(), "File not found");
    EXPECT_EQ(shareRows(), 0);
    EXPECT_EQ(arr(server_.get("/api/v1/files/shared-with-me", bob_.auth()))->size(), 0u);
}

TEST_F(FilesAccessTest, ShareExpiryAcceptsIsoAndEpochButOnlyRealDatetimes) {
    putOk(alice_, "exp/file.txt", "e");
    auto iso = share(alice_, "exp/file.txt",
                     shareBody("shared_with", "bob", true, false, false, Poco::Dynamic::Var(std::string("2099-01-02T03:04:05Z"))));
    ASSERT_EQ(iso.status, 200) << iso.body;
    EXPECT_EQ(str(iso.object(), "expires_at").substr(0, 19), "2099-01-02T03:04:05");
    auto epoch = share(alice_, "exp/file.txt",
                       shareBody("shared_with", "bob", true, false, false, Poco::Dynamic::Var(Poco::Int64(4070908800))));
    ASSERT_EQ(epoch.status, 200) << epoch.body;
    EXPECT_EQ(str(epoch.object(), "expires_at").substr(0, 19), "2099-01-01T00:00:00");
    EXPECT_EQ(shareRows(), 1);

    // Strings that are not ISO-8601 datetimes are a parsing error, whatever a lenient parser makes of them.
    for (const std::string& bad : std::vector<std::string>{"garbage", "2099-01-01Tjunk", "x2099-01-01T00:00:00Z", "2099-01-01T00:00:00Z trailing"}) {
        SCOPED_TRACE(bad);
        auto r = share(alice_, "exp/file.txt",
                       shareBody("shared_with", "bob", true, false, false, Poco::Dynamic::Var(bad)));
        EXPECT_EQ(r.status, 422) << r.body;
        if (r.status == 422) {
            auto item = r.object()->getArray("detail")->getObject(0);
            EXPECT_EQ(str(item, "type"), "datetime_parsing") << r.body;
        }
    }
    auto after = arr(server_.get("/api/v1/files/shares", alice_.auth()));
    ASSERT_EQ(after->size(), 1u);
    EXPECT_EQ(str(after->getObject(0), "expires_at").substr(0, 19), "2099-01-01T00:00:00")
        << "a rejected request must not change the share";
}

TEST_F(FilesAccessTest, UnshareAtBothRoutesRevokesAccessOnTheNextRequest) {
    std::string id1 = str(putOk(alice_, "u/one.txt", "one"), "id");
    std::string id2 = str(putOk(alice_, "u/two.txt", "two"), "id");
    ASSERT_EQ(share(alice_, "u/one.txt", shareBody("shared_with", "bob", true, true, true)).status, 200);
    ASSERT_EQ(share(alice_, "u/two.txt", shareBody("shared_with", "bob")).status, 200);
    ASSERT_EQ(server_.get(idUrl(id1, "/raw"), bob_.auth()).status, 200);
    ASSERT_EQ(server_.get(idUrl(id2, "/raw"), bob_.auth()).status, 200);

    // HubGPT's doubled prefix.
    auto un1 = server_.request("DELETE", "/api/v1/files/files/u/one.txt/share/" + bob_.id, "", alice_.auth());
    ASSERT_EQ(un1.status, 200) << un1.body;
    EXPECT_EQ(str(un1.object(), "status"), "success");
    expectIdRoutes(id1, &bob_, 404, 404, "after unshare (doubled prefix)");
    auto wm = arr(server_.get("/api/v1/files/shared-with-me", bob_.auth()));
    EXPECT_EQ(names(wm, "path"), (std::vector<std::string>{"u/two.txt"}));

    // The documented route.
    auto un2 = server_.request("DELETE", "/api/v1/files/u/two.txt/share/" + bob_.id, "", alice_.auth());
    ASSERT_EQ(un2.status, 200) << un2.body;
    expectIdRoutes(id2, &bob_, 404, 404, "after unshare");
    EXPECT_EQ(arr(server_.get("/api/v1/files/shared-with-me", bob_.auth()))->size(), 0u);
    EXPECT_EQ(shareRows(), 0);

    // Nothing left to unshare: 404, never 5xx.
    EXPECT_EQ(server_.request("DELETE", "/api/v1/files/u/two.txt/share/" + bob_.id, "", alice_.auth()).status, 404);
    EXPECT_EQ(server_.request("DELETE", "/api/v1/files/u/two.txt/share/" + alice_.id, "", alice_.auth()).status, 404);
    EXPECT_EQ(server_.request("DELETE", "/api/v1/files/u/two.txt/share/not-a-uuid", "", alice_.auth()).status, 404);
    EXPECT_EQ(server_.request("DELETE", "/api/v1/files/u/none.txt/share/" + bob_.id, "", alice_.auth()).status, 404);
    // The files themselves are untouched.
    EXPECT_EQ(str(getContent(alice_, "u/one.txt").object(), "content"), "one");
    EXPECT_EQ(str(getContent(alice_, "u/two.txt").object(), "content"), "two");
}

TEST_F(FilesAccessTest, ExpiredShareIsInvisibleAndNoLongerListed) {
    User carol = addUser("carol");
    std::string id = str(putOk(alice_, "exp/soon.txt", "soon gone"), "id");
    const std::time_t expires = std::time(nullptr) + 2;
    auto s = share(alice_, "exp/soon.txt",
                   shareBody("shared_with", "bob", true, true, true, Poco::Dynamic::Var(Poco::Int64(expires))));
    ASSERT_EQ(s.status, 200) << s.body;
    EXPECT_FALSE(s.object()->isNull("expires_at"));
    // carol's share never expires (ISO-8601, far future).
    ASSERT_EQ(share(alice_, "exp/soon.txt",
                    shareBody("shared_with", "carol", true, false, false, Poco::Dynamic::Var(std::string("2099-12-31T23:59:59"))))
                  .status,
              200);
    ASSERT_EQ(server_.get(idUrl(id, "/raw"), bob_.auth()).body, "soon gone");
    auto listed = arr(server_.get("/api/v1/files/shared-with-me", bob_.auth()));
    ASSERT_EQ(listed->size(), 1u);
    EXPECT_FALSE(listed->getObject(0)->isNull("expires_at"));
    EXPECT_EQ(shareCount("exp/soon.txt"), 2);

    while (std::time(nullptr) < expires) std::this_thread::sleep_for(std::chrono::milliseconds(50));
    std::this_thread::sleep_for(std::chrono::milliseconds(100));

    expectIdRoutes(id, &bob_, 404, 404, "after expiry");
    EXPECT_EQ(arr(server_.get("/api/v1/files/shared-with-me", bob_.auth()))->size(), 0u);
    // An expired grant is no longer listed, to its owner either (as in /api/v1/shares).
    auto mine = arr(server_.get("/api/v1/files/shares", alice_.auth()));
    EXPECT_FALSE(findBy(mine, "shared_with", "bob"));
    EXPECT_TRUE(findBy(mine, "shared_with", "carol"));
    EXPECT_EQ(shareCount("exp/soon.txt"), 1);
    // carol's unexpired share still works; the file itself is untouched.
    EXPECT_EQ(server_.get(idUrl(id, "/raw"), carol.auth()).body, "soon gone");
    EXPECT_EQ(str(getContent(alice_, "exp/soon.txt").object(), "content"), "soon gone");
}

TEST_F(FilesAccessTest, PublicFileIsReadableByAnyoneWithoutAuthButNeverWritable) {
    auto f = putOk(alice_, "pub/hello.txt", "hello world");
    std::string id = str(f, "id");
    auto on = patch(alice_, "pub/hello.txt", "{\"is_public\":true}");
    ASSERT_EQ(on.status, 200) << on.body;
    std::string publicUrl = str(on.object(), "public_url");

    auto anon = server_.get(publicUrl);
    ASSERT_EQ(anon.status, 200) << anon.body;
    EXPECT_EQ(anon.body, "hello world");
    EXPECT_EQ(server_.get(idUrl(id)).status, 200);
    EXPECT_EQ(str(server_.get(idUrl(id, "/content")).object(), "content"), "hello world");
    EXPECT_EQ(server_.request("HEAD", idUrl(id, "/raw")).status, 200);
    EXPECT_EQ(server_.get(idUrl(id, "/raw"), {{"Range", "bytes=0-4"}}).body, "hello");

    // Writing needs auth; an authenticated stranger may read but not write or share.
    expectIdRoutes(id, nullptr, 200, 401, "anonymous, public");
    expectIdRoutes(id, &bob_, 200, 403, "bob, public");
    // Path routes are never public.
    EXPECT_EQ(server_.get("/api/v1/files/pub/hello.txt/raw").status, 401);
    EXPECT_EQ(str(getContent(alice_, "pub/hello.txt").object(), "content"), "hello world");
    EXPECT_EQ(shareRows(), 0);

    ASSERT_EQ(patch(alice_, "pub/hello.txt", "{\"is_public\":false}").status, 200);
    expectIdRoutes(id, nullptr, 404, 401, "anonymous, private again");
    expectIdRoutes(id, &bob_, 404, 404, "bob, private again");
}

TEST_F(FilesAccessTest, PublicActiveContentReachesAnonymousReadersOnlyAsASandboxedAttachment) {
    const std::string html = "<!DOCTYPE html><html><script>alert(document.cookie)</script></html>";
    for (const std::string& name : std::vector<std::string>{"pub/page.html", "pub/page.txt"}) {
        SCOPED_TRACE(name);
        std::string id = str(putOk(alice_, name, html), "id");
        ASSERT_EQ(patch(alice_, name, "{\"is_public\":true}").status, 200);
        auto r = server_.get(idUrl(id, "/raw"));
        ASSERT_EQ(r.status, 200);
        EXPECT_EQ(r.body, html);
        EXPECT_EQ(r.header("Content-Disposition").rfind("attachment;", 0), 0u) << r.header("Content-Disposition");
        EXPECT_NE(r.header("Content-Security-Policy").find("sandbox"), std::string::npos);
        EXPECT_EQ(r.header("X-Content-Type-Options"), "nosniff");
    }
}

TEST_F(FilesAccessTest, ReshareNeverGrantsMoreThanTheResharerHolds) {
    User carol = addUser("carol");
    User dave = addUser("dave");
    std::string id = str(putOk(alice_, "r/file.txt", "reshared"), "id");
    ASSERT_EQ(share(alice_, "r/file.txt", shareBody("shared_with", "bob", true, false, true)).status, 200);

    auto toCarol = shareById(bob_, id, shareBody("shared_with", "carol"));
    ASSERT_EQ(toCarol.status, 200) << toCarol.body;
    EXPECT_EQ(server_.get(idUrl(id, "/raw"), carol.auth()).body, "reshared");

    auto grantWrite = shareById(bob_, id, shareBody("shared_with", "dave", true, true, false));
    EXPECT_EQ(grantWrite.status, 403) << grantWrite.body;
    EXPECT_EQ(grantWrite.errorCode(), "grant_exceeds_holding");
    EXPECT_EQ(server_.get(idUrl(id), dave.auth()).status, 404);
    // bob holds reshare, so he may pass it on.
    auto grantReshare = shareById(bob_, id, shareBody("shared_with_id", dave.id, true, false, true));
    EXPECT_EQ(grantReshare.status, 200) << grantReshare.body;

    // carol holds read only: no resharing, no writing.
    auto carolShares = shareById(carol, id, shareBody("shared_with", "dave"));
    EXPECT_EQ(carolShares.status, 403) << carolShares.body;
    Headers put = carol.auth();
    put["Content-Type"] = "text/plain";
    EXPECT_EQ(server_.request("PUT", idUrl(id), "carol", put).status, 403);
    // Neither the owner nor the resharer can be a recipient.
    EXPECT_EQ(shareById(bob_, id, shareBody("shared_with", "alice")).status, 422);
    EXPECT_EQ(shareById(bob_, id, shareBody("shared_with", "bob")).status, 422);

    auto mine = arr(server_.get("/api/v1/files/shares", alice_.auth()));
    EXPECT_EQ(mine->size(), 3u);
    auto daveShare = findBy(mine, "shared_with", "dave");
    ASSERT_TRUE(daveShare);
    EXPECT_FALSE(daveShare->getObject("permissions")->getValue<bool>("write"));
    EXPECT_EQ(str(getContent(alice_, "r/file.txt").object(), "content"), "reshared");
}

TEST_F(FilesAccessTest, ReshareCannotWeakenAGrantTheOwnerMade) {
    // alice gives carol write and bob read+reshare; bob then "shares" with carol read-only.
    User carol = addUser("carol");
    std::string id = str(putOk(alice_, "w/file.txt", "v1"), "id");
    ASSERT_EQ(share(alice_, "w/file.txt", shareBody("shared_with", "carol", true, true, false)).status, 200);
    ASSERT_EQ(share(alice_, "w/file.txt", shareBody("shared_with", "bob", true, false, true)).status, 200);
    auto soon = Poco::Dynamic::Var(Poco::Int64(std::time(nullptr) + 3600));
    shareById(bob_, id, shareBody("shared_with", "carol", true, false, false, soon));

    auto carolShare = findBy(arr(server_.get("/api/v1/files/shares", alice_.auth())), "shared_with", "carol");
    ASSERT_TRUE(carolShare);
    EXPECT_TRUE(carolShare->getObject("permissions")->getValue<bool>("write"))
        << "bob (read+reshare) downgraded the write share alice gave carol";
    EXPECT_TRUE(carolShare->isNull("expires_at")) << "bob put an expiry on the share alice gave carol";
    Headers put = carol.auth();
    put["Content-Type"] = "text/plain";
    EXPECT_EQ(server_.request("PUT", idUrl(id), "v2 by carol", put).status, 200);
}

TEST_F(FilesAccessTest, SecondUserCannotReachTheFirstUsersFilesByPath) {
    auto secret = putOk(alice_, "secret.txt", "alice secret");
    auto notes = putOk(alice_, "private/notes.md", "alice notes");
    ASSERT_EQ(mkdir(alice_, "private/empty").status, 201);
    const long long aliceRows = rows();
    const std::vector<std::string> aliceIds{str(secret, "id"), str(notes, "id")};

    for (const std::string& path : std::vector<std::string>{"secret.txt", "private/notes.md", "private", "private/empty"}) {
        SCOPED_TRACE(path);
        std::vector<std::pair<std::string, Response>> rs;
        rs.emplace_back("content", getContent(bob_, path));
        rs.emplace_back("raw", getRaw(bob_, path));
        rs.emplace_back("raw range", getRaw(bob_, path, {{"Range", "bytes=0-3"}}));
        rs.emplace_back("HEAD raw", server_.request("HEAD", filesUrl(path) + "/raw", "", bob_.auth()));
        rs.emplace_back("rename", patch(bob_, path, "{\"new_name\":\"stolen.txt\"}"));
        rs.emplace_back("move", patch(bob_, path, "{\"new_path\":\"stolen/x.txt\"}"));
        rs.emplace_back("publish", patch(bob_, path, "{\"is_public\":true}"));
        rs.emplace_back("share", share(bob_, path, shareBody("shared_with", "bob")));
        rs.emplace_back("share to alice", share(bob_, path, shareBody("shared_with", "alice")));
        rs.emplace_back("unshare", server_.request("DELETE", filesUrl(path) + "/share/" + bob_.id, "", bob_.auth()));
        rs.emplace_back("unshare doubled",
                        server_.request("DELETE", "/api/v1/files/files/" + enc(path) + "/share/" + bob_.id, "", bob_.auth()));
        rs.emplace_back("delete", del(bob_, path));
        rs.emplace_back("delete basic", server_.request("DELETE", filesUrl(path), "", bob_.basicAuth()));
        for (const auto& [what, r] : rs) {
            EXPECT_EQ(r.status, 404) << what << ": " << r.body;
            EXPECT_EQ(r.body.find("alice"), std::string::npos) << what << " leaks: " << r.body;
            for (const auto& id : aliceIds) EXPECT_EQ(r.body.find(id), std::string::npos) << what << " leaks an id";
        }
    }
    // bob's own views are empty.
    EXPECT_EQ(arr(list(bob_))->size(), 0u);
    EXPECT_EQ(tree(bob_).object()->getArray("children")->size(), 0u);
    EXPECT_EQ(arr(server_.get("/api/v1/files/shares", bob_.auth()))->size(), 0u);
    EXPECT_EQ(arr(server_.get("/api/v1/files/shared-with-me", bob_.auth()))->size(), 0u);

    // Writing "the same path" writes bob's own file.
    auto mine = put(bob_, "secret.txt", "bob's own");
    ASSERT_EQ(mine.status, 201) << mine.body;
    EXPECT_NE(str(mine.object(), "id"), str(secret, "id"));
    ASSERT_EQ(mkdir(bob_, "private").status, 201);
    EXPECT_EQ(str(getContent(bob_, "secret.txt").object(), "content"), "bob's own");

    // alice's files are exactly as they were.
    EXPECT_EQ(rows("user_id = '" + alice_.id + "'"), aliceRows);
    EXPECT_EQ(str(getContent(alice_, "secret.txt").object(), "content"), "alice secret");
    EXPECT_EQ(str(getContent(alice_, "private/notes.md").object(), "content"), "alice notes");
    auto aliceList = arr(list(alice_));
    EXPECT_EQ(names(aliceList), (std::vector<std::string>{"private/notes.md", "secret.txt"}));
    auto secretNow = findBy(aliceList, "name", "secret.txt");
    ASSERT_TRUE(secretNow);
    EXPECT_EQ(str(secretNow, "etag"), str(secret, "etag"));
    EXPECT_FALSE(secretNow->getValue<bool>("is_public"));
    EXPECT_EQ(shareRows(), 0);
}

TEST_F(FilesAccessTest, SecondUserCannotReachAPrivateFileByIdOnAnyRoute) {
    User carol = addUser("carol");
    auto f = putOk(alice_, "private/data.bin", "alice data");
    ASSERT_EQ(mkdir(alice_, "private/sub").status, 201);
    auto folder = findBy(tree(alice_).object()->getArray("children"), "name", "private");
    ASSERT_TRUE(folder);
    std::string folderId = str(folder, "id");
    // A share with carol must not help bob.
    ASSERT_EQ(share(alice_, "private/data.bin", shareBody("shared_with", "carol")).status, 200);

    for (const std::string& id : std::vector<std::string>{str(f, "id"), folderId}) {
        expectIdRoutes(id, &bob_, 404, 404, "bob, private");
        expectIdRoutes(id, nullptr, 404, 401, "anonymous, private");
        auto r = server_.get(idUrl(id, "/content"), bob_.auth());
        EXPECT_EQ(r.detail(), "File not found");
        EXPECT_EQ(r.body.find("private"), std::string::npos) << r.body;
    }
    // The same through Basic auth.
    EXPECT_EQ(server_.get(idUrl(str(f, "id"), "/raw"), bob_.basicAuth()).status, 404);
    EXPECT_EQ(server_.get(idUrl(str(f, "id"), "/raw"), carol.basicAuth()).status, 200);

    EXPECT_EQ(str(getContent(alice_, "private/data.bin").object(), "content"), "alice data");
    EXPECT_EQ(shareRows(), 1);  // bob's share attempts created nothing
    EXPECT_EQ(arr(server_.get("/api/v1/files/shared-with-me", carol.auth()))->size(), 1u);
}

TEST_F(FilesAccessTest, DeletedFileIdIs404ForEveryone) {
    auto f = putOk(alice_, "gone/file.txt", "soon deleted");
    std::string id = str(f, "id");
    ASSERT_EQ(patch(alice_, "gone/file.txt", "{\"is_public\":true}").status, 200);
    ASSERT_EQ(share(alice_, "gone/file.txt", shareBody("shared_with", "bob", true, true, true)).status, 200);
    ASSERT_EQ(server_.get(idUrl(id, "/raw")).status, 200);

    ASSERT_EQ(del(alice_, "gone/file.txt").status, 200);
    expectIdRoutes(id, &alice_, 404, 404, "owner after delete");
    expectIdRoutes(id, &bob_, 404, 404, "recipient after delete");
    expectIdRoutes(id, nullptr, 404, 401, "anonymous after delete");
    EXPECT_EQ(arr(server_.get("/api/v1/files/shared-with-me", bob_.auth()))->size(), 0u);
    EXPECT_EQ(shareRows(), 0);
    EXPECT_EQ(rows(), 1);  // the folder "gone" is left
    EXPECT_EQ(chunkFiles(server_.dataDir()).size(), 0u);
}

TEST_F(FilesAccessTest, GarbageIdsAre404AndNeverServerErrors) {
    putOk(alice_, "g/file.txt", "g");
    const std::vector<std::string> ids{"not-a-uuid",
                                       "%27%20OR%201%3D1%20--",
                                       "1%20OR%201%3D1",
                                       "00000000-0000-0000-0000-000000000000",
                                       "6f1c2b1e-3b7a-4a57-9a3e-0d2f7c9e8b11",
                                       "zzzzzzzz-zzzz-zzzz-zzzz-zzzzzzzzzzzz",
                                       "6f1c2b1e-3b7a-4a57-9a3e-0d2f7c9e8b11%27--",
                                       "1",
                                       std::string(300, 'a'),
                                       "%E2%9C%93",
                                       "%FF%FE"};
    for (const auto& id : ids) {
        SCOPED_TRACE(id.substr(0, 50));
        for (const auto& [route, status] : idRouteStatuses(id, &alice_)) {
            EXPECT_EQ(status, 404) << route;
        }
        for (const auto& [route, status] : idRouteStatuses(id, nullptr)) {
            bool write = route == "PUT" || route == "POST share";
            EXPECT_EQ(status, write ? 401 : 404) << route;
        }
    }
    // Garbage recipient ids in share and unshare.
    for (const std::string& who : std::vector<std::string>{"not-a-uuid", "' OR 1=1 --", "00000000-0000-0000-0000-000000000000"}) {
        auto r = share(alice_, "g/file.txt", shareBody("shared_with_id", who));
        EXPECT_EQ(r.status, 404) << who << ": " << r.body;
        auto u = server_.request("DELETE", "/api/v1/files/g/file.txt/share/" + enc(who), "", alice_.auth());
        EXPECT_EQ(u.status, 404) << who << ": " << u.body;
    }
    EXPECT_EQ(shareRows(), 0);
    EXPECT_EQ(str(getContent(alice_, "g/file.txt").object(), "content"), "g");
    EXPECT_EQ(server_.get("/health").status, 200);
}

TEST_F(FilesAccessTest, BasicAuthWorksOnFilesRoutes) {
    Headers basic = alice_.basicAuth();
    Headers put = basic;
    put["Content-Type"] = "text/plain";
    auto created = server_.request("PUT", filesUrl("basic/file.txt"), "via basic", put);
    ASSERT_EQ(created.status, 201) << created.body;
    std::string id = str(created.object(), "id");
    EXPECT_EQ(arr(server_.get("/api/v1/files/", basic))->size(), 1u);
    EXPECT_EQ(str(server_.get(filesUrl("basic/file.txt") + "/content", basic).object(), "content"), "via basic");
    EXPECT_EQ(server_.get(filesUrl("basic/file.txt") + "/raw", basic).body, "via basic");
    auto mp = server_.request("POST", filesUrl("basic/multi.txt"), multipartBody({{"file", std::string("m.txt"), "multi"}}),
                              multipartHeaders(basic));
    EXPECT_EQ(mp.status, 200) << mp.body;
    EXPECT_EQ(server_.request("POST", "/api/v1/folders/basic/dir", "", basic).status, 201);
    auto s = server_.postJson(filesUrl("basic/file.txt") + "/share", shareBody("shared_with", "bob"), basic);
    ASSERT_EQ(s.status, 200) << s.body;
    EXPECT_EQ(server_.get(idUrl(id, "/raw"), bob_.basicAuth()).body, "via basic");
    EXPECT_EQ(arr(server_.get("/api/v1/files/shared-with-me", bob_.basicAuth()))->size(), 1u);
    EXPECT_EQ(server_.request("DELETE", "/api/v1/files/basic/file.txt/share/" + bob_.id, "", basic).status, 200);
    EXPECT_EQ(server_.get(idUrl(id, "/raw"), bob_.basicAuth()).status, 404);
    EXPECT_EQ(server_.get("/api/v1/files/", ServerProcess::basic("alice", "wrong password")).status, 401);
    EXPECT_EQ(server_.get(idUrl(id, "/raw"), ServerProcess::basic("alice", "wrong password")).status, 401);
    EXPECT_EQ(server_.request("DELETE", filesUrl("basic/file.txt"), "", basic).status, 200);
}

}  // namespace
}  // namespace hub::tests::files

namespace hub::tests::files {
namespace {

class FilesReshareChainTest : public FilesFixture {};

TEST_F(FilesReshareChainTest, RevokingAShareRevokesWhatItsRecipientSharedFurther) {
    startServer();
    User alice = addUser("alice"), bob = addUser("bob"), carol = addUser("carol");
    std::string id = putOk(alice, "doc.txt", "secret")->getValue<std::string>("id");
    ASSERT_EQ(share(alice, "doc.txt", shareBody("shared_with", "bob", true, false, true)).status, 200);
    ASSERT_EQ(shareById(bob, id, shareBody("shared_with", "carol")).status, 200);
    EXPECT_EQ(server_.get(idUrl(id, "/raw"), carol.auth()).status, 200);
    ASSERT_EQ(server_.request("DELETE", filesUrl("doc.txt") + "/share/" + bob.id, "", alice.auth()).status, 200);
    EXPECT_EQ(server_.get(idUrl(id, "/raw"), bob.auth()).status, 404);
    EXPECT_EQ(server_.get(idUrl(id, "/raw"), carol.auth()).status, 404) << "carol's share came from bob's";
    EXPECT_EQ(shareRows(), 0);
}

TEST_F(FilesReshareChainTest, AReshareNeverOutlivesTheResharersOwnShare) {
    startServer();
    User alice = addUser("alice"), bob = addUser("bob"), carol = addUser("carol");
    std::string id = putOk(alice, "doc.txt", "secret")->getValue<std::string>("id");
    auto soon = static_cast<Poco::Int64>(::time(nullptr) + 3600);
    ASSERT_EQ(share(alice, "doc.txt", shareBody("shared_with", "bob", true, false, true, Poco::Dynamic::Var(soon))).status,
              200);
    auto r = shareById(bob, id, shareBody("shared_with", "carol"));  // asks for no expiry
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_FALSE(r.object()->isNull("expires_at")) << "capped at bob's expiry: " << r.body;
}

}  // namespace
}  // namespace hub::tests::files
