// Files and folders on the core's access model: grants to teams through /api/v1/shares,
// folder grants reaching everything below, and shares of earlier versions carried over.
#include <set>

#include <gtest/gtest.h>

#include "FilesTestSupport.h"

namespace hub::tests::files {
namespace {

class FilesSharingTest : public FilesFixture {
protected:
    void SetUp() override {
        startServer();
        alice_ = addUser("alice");
        bob_ = addUser("bob");
        carol_ = addUser("carol");
    }

    Response grant(const User& who, const std::string& type, const std::string& id, const std::string& principalType,
                   const std::string& principalName, const std::string& role) const {
        auto o = sdk::json::object();
        o->set("resource_type", type);
        o->set("resource_id", id);
        o->set("principal_type", principalType);
        o->set("principal_name", principalName);
        o->set("role", role);
        return server_.postJson("/api/v1/shares", sdk::json::stringify(o), who.auth());
    }
    std::string id(const User& u, const std::string& path) const {
        return server_.text("SELECT CAST(id AS TEXT) FROM user_files WHERE user_id = '" + u.id + "' AND file_path = '" +
                            path + "'");
    }
    Poco::JSON::Array::Ptr sharedWithMe(const User& u) const {
        return arr(server_.get("/api/v1/files/shared-with-me", u.auth()));
    }

    User alice_, bob_, carol_;
};

TEST_F(FilesSharingTest, AFolderGrantReachesEverythingBelowItAndNothingBeside) {
    putOk(alice_, "projects/plan.txt", "the plan");
    putOk(alice_, "projects/deep/notes.txt", "notes");
    putOk(alice_, "private/diary.txt", "secret");
    std::string folder = id(alice_, "projects");
    std::string plan = id(alice_, "projects/plan.txt");
    std::string notes = id(alice_, "projects/deep/notes.txt");
    std::string diary = id(alice_, "private/diary.txt");

    // Before: nothing.
    EXPECT_EQ(server_.get(idUrl(plan, "/raw"), bob_.auth()).status, 404);

    auto g = server_.postJson(filesUrl("projects") + "/share", shareBody("shared_with", "bob"), alice_.auth());
    ASSERT_EQ(g.status, 200) << g.body;
    EXPECT_EQ(g.object()->getValue<std::string>("type"), "folder");

    EXPECT_EQ(server_.get(idUrl(plan, "/raw"), bob_.auth()).body, "the plan");
    EXPECT_EQ(server_.get(idUrl(notes, "/raw"), bob_.auth()).body, "notes");
    EXPECT_EQ(server_.get(idUrl(diary, "/raw"), bob_.auth()).status, 404);
    // Read-only: no writes below it.
    Headers h = bob_.auth();
    h["Content-Type"] = "application/octet-stream";
    EXPECT_EQ(server_.request("PUT", idUrl(plan), "changed", h).status, 403);

    // The folder itself lists what is below it.
    auto listing = server_.get(idUrl(folder), bob_.auth());
    ASSERT_EQ(listing.status, 200) << listing.body;
    auto kids = listing.object()->getArray("children");
    ASSERT_TRUE(kids);
    std::set<std::string> names;
    for (std::size_t i = 0; i < kids->size(); ++i) names.insert(kids->getObject(i)->getValue<std::string>("name"));
    EXPECT_EQ(names, (std::set<std::string>{"projects/deep", "projects/deep/notes.txt", "projects/plan.txt"}));
    EXPECT_FALSE(listing.object()->getObject("permissions")->getValue<bool>("write"));

    auto mine = sharedWithMe(bob_);
    ASSERT_EQ(mine->size(), 1u);
    EXPECT_EQ(mine->getObject(0)->getValue<std::string>("type"), "folder");
    EXPECT_EQ(mine->getObject(0)->getValue<std::string>("owner"), "alice");

    // A file added later is covered too; carol still sees nothing.
    putOk(alice_, "projects/later.txt", "later");
    EXPECT_EQ(server_.get(idUrl(id(alice_, "projects/later.txt"), "/raw"), bob_.auth()).body, "later");
    EXPECT_EQ(server_.get(idUrl(plan, "/raw"), carol_.auth()).status, 404);
    EXPECT_EQ(server_.get(idUrl(folder), carol_.auth()).status, 404);

    // Write on the folder: bob may replace a file below it.
    ASSERT_EQ(server_.postJson(filesUrl("projects") + "/share", shareBody("shared_with", "bob", true, true), alice_.auth())
                  .status,
              200);
    EXPECT_EQ(server_.request("PUT", idUrl(plan), "bob's plan", h).status, 200);
    EXPECT_EQ(getRaw(alice_, "projects/plan.txt").body, "bob's plan");

    // Revoked: gone on the next request, for the files below as well.
    auto del = server_.request("DELETE", filesUrl("projects") + "/share/" + bob_.id, "", alice_.auth());
    EXPECT_EQ(del.status, 200) << del.body;
    EXPECT_EQ(server_.get(idUrl(plan, "/raw"), bob_.auth()).status, 404);
    EXPECT_EQ(server_.get(idUrl(folder), bob_.auth()).status, 404);
    EXPECT_EQ(sharedWithMe(bob_)->size(), 0u);
}

TEST_F(FilesSharingTest, ATeamGrantOnAFileLastsAsLongAsTheMembership) {
    putOk(alice_, "team/report.txt", "quarterly");
    std::string report = id(alice_, "team/report.txt");
    auto team = server_.postJson("/api/v1/teams", R"({"name":"writers"})", alice_.auth());
    ASSERT_EQ(team.status, 201) << team.body;
    std::string teamId = team.object()->getValue<std::string>("id");
    ASSERT_EQ(server_.postJson("/api/v1/teams/" + teamId + "/members", R"({"username":"bob"})", alice_.auth()).status, 201);

    auto g = grant(alice_, "file", report, "team", "writers", "editor");
    ASSERT_EQ(g.status, 201) << g.body;
    EXPECT_EQ(server_.get(idUrl(report, "/raw"), bob_.auth()).body, "quarterly");
    auto mine = sharedWithMe(bob_);
    ASSERT_EQ(mine->size(), 1u);
    EXPECT_TRUE(mine->getObject(0)->getObject("permissions")->getValue<bool>("write"));
    // The owner's list names the team's grant.
    auto shares = arr(server_.get("/api/v1/files/shares", alice_.auth()));
    ASSERT_EQ(shares->size(), 1u);
    EXPECT_EQ(shares->getObject(0)->getValue<std::string>("principal_type"), "team");
    EXPECT_EQ(shares->getObject(0)->getValue<std::string>("principal_id"), teamId);
    // The tree counts it.
    auto tree = server_.get("/api/v1/files/tree", alice_.auth()).object()->getArray("children");
    EXPECT_EQ(tree->getObject(0)->getArray("children")->getObject(0)->getValue<int>("share_count"), 1);
    // The chat tools see it as shared/<owner>/<path>: covered by the reader's own tests.

    // Leaving the team ends it on the next request.
    ASSERT_EQ(server_.request("DELETE", "/api/v1/teams/" + teamId + "/members/" + bob_.id, "", alice_.auth()).status, 200);
    EXPECT_EQ(server_.get(idUrl(report, "/raw"), bob_.auth()).status, 404);
    EXPECT_EQ(sharedWithMe(bob_)->size(), 0u);
}

TEST_F(FilesSharingTest, TheSharesApiTreatsFilesLikeAnyResource) {
    putOk(alice_, "a.txt", "a");
    mkdir(alice_, "dir");
    std::string file = id(alice_, "a.txt");
    std::string dir = id(alice_, "dir");
    // A stranger cannot tell an existing file from a missing one.
    EXPECT_EQ(grant(bob_, "file", file, "user", "carol", "viewer").status, 404);
    EXPECT_EQ(grant(bob_, "file", "00000000-0000-0000-0000-000000000000", "user", "carol", "viewer").status, 404);
    // A file is not a folder, and files have no "use".
    EXPECT_EQ(grant(alice_, "folder", file, "user", "bob", "viewer").status, 404);
    EXPECT_EQ(grant(alice_, "file", dir, "user", "bob", "viewer").status, 404);
    auto useBit = server_.postJson("/api/v1/shares",
                                   R"({"resource_type":"file","resource_id":")" + file +
                                       R"(","principal_name":"bob","permissions":["view","use"]})",
                                   alice_.auth());
    EXPECT_EQ(useBit.status, 422) << useBit.body;
    // Granted through /api/v1/shares, seen and revoked through the files routes.
    auto g = grant(alice_, "file", file, "user", "bob", "viewer");
    ASSERT_EQ(g.status, 201) << g.body;
    EXPECT_EQ(server_.get(idUrl(file, "/raw"), bob_.auth()).body, "a");
    auto listed = arr(server_.get("/api/v1/files/shares", alice_.auth()));
    ASSERT_EQ(listed->size(), 1u);
    EXPECT_EQ(listed->getObject(0)->getValue<std::string>("id"), g.object()->getValue<std::string>("id"));
    EXPECT_EQ(server_.request("DELETE", filesUrl("a.txt") + "/share/" + bob_.id, "", alice_.auth()).status, 200);
    EXPECT_EQ(server_.get(idUrl(file, "/raw"), bob_.auth()).status, 404);
    // A grant made through the files route shows in /api/v1/shares/with-me.
    ASSERT_EQ(share(alice_, "a.txt", shareBody("shared_with", "carol")).status, 200);
    auto withMe = arr(server_.get("/api/v1/shares/with-me", carol_.auth()));
    ASSERT_EQ(withMe->size(), 1u);
    EXPECT_EQ(withMe->getObject(0)->getValue<std::string>("resource_type"), "file");
    // Deleting the folder or the file takes its grants along.
    ASSERT_EQ(share(alice_, "dir", shareBody("shared_with", "carol")).status, 200);
    EXPECT_EQ(shareRows(), 2);
    EXPECT_EQ(del(alice_, "dir").status, 200);
    EXPECT_EQ(del(alice_, "a.txt").status, 200);
    EXPECT_EQ(shareRows(), 0);
}

TEST_F(FilesSharingTest, SharesOfEarlierVersionsBecomeGrantsWithTheirIdsAndExpiry) {
    putOk(alice_, "old/shared.txt", "kept");
    putOk(alice_, "old/expired.txt", "gone");
    std::string kept = id(alice_, "old/shared.txt");
    std::string gone = id(alice_, "old/expired.txt");
    ASSERT_EQ(server_.stop(), 0);

    // The database as the files plugin's schema 2 left it: shares in file_shares.
    const bool pg = testDatabaseKind() == "postgresql";
    server_.execute(std::string("CREATE TABLE file_shares (id ") + (pg ? "UUID" : "TEXT") +
                    " PRIMARY KEY, file_id " + (pg ? "UUID" : "TEXT") + " NOT NULL, shared_with_id " +
                    (pg ? "UUID" : "TEXT") + " NOT NULL, granted_by " + (pg ? "UUID" : "TEXT") +
                    " NOT NULL, permissions " + (pg ? "JSONB" : "TEXT") +
                    " NOT NULL, expires_at BIGINT, created_at BIGINT NOT NULL)");
    const std::string shareId = "0b6f1a52-6a7e-4f55-9d57-8a0b7a1c2d3e";
    server_.execute("INSERT INTO file_shares VALUES ('" + shareId + "', '" + kept + "', '" + bob_.id + "', '" + alice_.id +
                    "', '{\"read\":true,\"write\":true,\"reshare\":false}', NULL, 1700000000000000)");
    server_.execute("INSERT INTO file_shares VALUES ('1b6f1a52-6a7e-4f55-9d57-8a0b7a1c2d3e', '" + gone + "', '" +
                    carol_.id + "', '" + alice_.id + "', '{\"read\":true,\"write\":false,\"reshare\":true}', 1, 1)");
    server_.execute("DELETE FROM hub_migrations WHERE owner = 'files' AND version = 3");
    ASSERT_TRUE(server_.start(args_)) << server_.stderrText();
    bob_.token = server_.login("bob", bob_.password);
    carol_.token = server_.login("carol", carol_.password);

    EXPECT_EQ(server_.scalar("SELECT COUNT(*) FROM access_grants WHERE resource_type = 'file'"), 2);
    EXPECT_EQ(server_.get(idUrl(kept, "/raw"), bob_.auth()).body, "kept");
    Headers h = bob_.auth();
    h["Content-Type"] = "application/octet-stream";
    EXPECT_EQ(server_.request("PUT", idUrl(kept), "bob was here", h).status, 200);  // write came along
    EXPECT_EQ(server_.get(idUrl(gone, "/raw"), carol_.auth()).status, 404);       // expired stays expired
    auto with = arr(server_.get("/api/v1/shares/with-me", bob_.auth()));
    ASSERT_EQ(with->size(), 1u);
    EXPECT_EQ(with->getObject(0)->getValue<std::string>("id"), shareId);
    // The old table is gone.
    EXPECT_EQ(server_.scalar(pg ? "SELECT COUNT(*) FROM information_schema.tables WHERE table_name = 'file_shares'"
                                : "SELECT COUNT(*) FROM sqlite_master WHERE name = 'file_shares'"),
              0);
}

}  // namespace
}  // namespace hub::tests::files
