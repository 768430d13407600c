// One test per sharing flaw the peers shipped (../shared/docs/reliability.md §7-9): each
// names the advisory it guards against and asserts the after-state, not only the status.
#include <gtest/gtest.h>

#include "FilesTestSupport.h"

namespace hub::tests::files {
namespace {

class SharingRegressionTest : public FilesFixture {
protected:
    void SetUp() override {
        startServer({"--set", "access.cache_ms=0"});
        alice_ = addUser("alice");
        bob_ = addUser("bob");
        carol_ = addUser("carol");
    }
    std::string idOf(const User& owner, const std::string& path) const {
        return server_.text("SELECT CAST(id AS TEXT) FROM user_files WHERE user_id = '" + owner.id + "' AND file_path = '" +
                            path + "'");
    }
    Response putById(const User& u, const std::string& id, const std::string& bytes) const {
        Headers h = u.auth();
        h["Content-Type"] = "application/octet-stream";
        return server_.request("PUT", idUrl(id), bytes, h);
    }
    Response link(const User& u, const std::string& id, const std::string& body = "{}") const {
        return server_.postJson(idUrl(id, "/links"), body, u.auth());
    }
    std::string workspaceWith(const std::string& name, const std::string& member, const std::string& role) {
        auto w = server_.postJson("/api/v1/workspaces", R"({"name":")" + name + R"("})", alice_.auth());
        EXPECT_EQ(w.status, 201) << w.body;
        std::string id = w.object()->getValue<std::string>("id");
        auto m = server_.postJson("/api/v1/workspaces/" + id + "/members",
                                  R"({"username":")" + member + R"(","role":")" + role + R"("})", alice_.auth());
        EXPECT_EQ(m.status, 201) << m.body;
        return id;
    }

    User alice_, bob_, carol_;
};

// NC-SA-2017-001 and oC-SA-2016-022: a reshare must not raise permissions, directly or down a chain.
TEST_F(SharingRegressionTest, AReshareNeverRaisesPermissions) {
    putOk(alice_, "doc.txt", "original");
    std::string id = idOf(alice_, "doc.txt");
    ASSERT_EQ(share(alice_, "doc.txt", shareBody("shared_with", "bob", true, false, true)).status, 200);
    auto escalate = shareById(bob_, id, shareBody("shared_with", "carol", true, true, false));
    EXPECT_EQ(escalate.errorCode(), "grant_exceeds_holding");
    ASSERT_EQ(shareById(bob_, id, shareBody("shared_with", "carol", true, false, true)).status, 200);
    // carol, read-only through bob, cannot write nor hand write on.
    EXPECT_EQ(putById(carol_, id, "carol was here").status, 403);
    EXPECT_EQ(shareById(carol_, id, shareBody("shared_with", "alice", true, true, false)).errorCode(),
              "grant_exceeds_holding");
    EXPECT_EQ(getRaw(alice_, "doc.txt").body, "original");
}

// NC-SA-2017-002 and CVE-2016-9462: a read-only recipient changes nothing in the share.
TEST_F(SharingRegressionTest, AReadOnlyRecipientChangesNothing) {
    std::string ws = workspaceWith("ReadOnly", "bob", "viewer");
    ASSERT_EQ(server_.request("PUT", "/api/v1/workspaces/" + ws + "/files/shared/a.txt", "a",
                              {{"Authorization", "Bearer " + alice_.token}, {"Content-Type", "application/octet-stream"}})
                  .status,
              201);
    auto h = bob_.auth();
    EXPECT_EQ(server_.request("POST", "/api/v1/workspaces/" + ws + "/folders/shared/inner", "", h).status, 403);
    h["Content-Type"] = "application/json";
    EXPECT_EQ(server_.request("PATCH", "/api/v1/workspaces/" + ws + "/files/shared/a.txt", R"({"new_name":"b.txt"})", h).status,
              403);
    EXPECT_EQ(server_.request("DELETE", "/api/v1/workspaces/" + ws + "/files/shared", "", bob_.auth()).status, 403);
    EXPECT_EQ(server_.scalar("SELECT COUNT(*) FROM user_files WHERE file_path LIKE 'shared/%'"), 1);
    EXPECT_EQ(server_.scalar("SELECT COUNT(*) FROM user_files WHERE file_path = 'shared/a.txt'"), 1);
}

// NC-SA-2017-003: a write-only (upload) share must not reveal what exists in the folder.
TEST_F(SharingRegressionTest, AnUploadLinkRevealsNoExistingFile) {
    putOk(alice_, "drop/secret-plan.txt", "secret");
    auto l = link(alice_, idOf(alice_, "drop"));
    ASSERT_EQ(l.status, 201) << l.body;
    std::string t = l.object()->getValue<std::string>("token");
    auto put = [&](const std::string& name) {
        return server_.request("PUT", "/api/v1/links/" + t + "/files/" + name, "x", {{"Content-Type", "text/plain"}});
    };
    auto taken = put("secret-plan.txt");
    auto fresh = put("other.txt");
    ASSERT_EQ(taken.status, 201) << taken.body;
    ASSERT_EQ(fresh.status, 201) << fresh.body;
    // Same shape either way; the existing file is untouched and never listed.
    EXPECT_EQ(taken.object()->getNames().size(), fresh.object()->getNames().size());
    EXPECT_EQ(getRaw(alice_, "drop/secret-plan.txt").body, "secret");
    EXPECT_EQ(server_.get("/api/v1/links/" + t).body.find("secret"), std::string::npos);
    EXPECT_EQ(server_.get("/api/v1/links/" + t + "/raw").status, 404);
}

// Seafile #2216: an upload link writes into its own folder only.
TEST_F(SharingRegressionTest, AnUploadLinkCannotWriteOutsideItsFolder) {
    putOk(alice_, "drop/keep.txt", "k");
    putOk(alice_, "top.txt", "top");
    auto l = link(alice_, idOf(alice_, "drop"));
    std::string t = l.object()->getValue<std::string>("token");
    for (const char* name : {"..%2Ftop.txt", "%2E%2E%2Ftop.txt", "sub%2Ftop.txt", "..", "%2E%2E"}) {
        auto r = server_.request("PUT", "/api/v1/links/" + t + "/files/" + name, "evil", {{"Content-Type", "text/plain"}});
        EXPECT_TRUE(r.status == 404 || r.status == 422) << name << ": " << r.status << " " << r.body;
    }
    auto mp = server_.request("POST", "/api/v1/links/" + t + "/files", multipartBody({{"file", "../top.txt", "evil"}}),
                              multipartHeaders({}));
    EXPECT_EQ(mp.status, 422) << mp.body;
    EXPECT_EQ(getRaw(alice_, "top.txt").body, "top");
    EXPECT_EQ(rows("user_id = '" + alice_.id + "'"), 3);  // drop, drop/keep.txt, top.txt
}

// CVE-2015-5954: a link to a file whose parent folder was deleted gives nothing.
TEST_F(SharingRegressionTest, DeletingAParentFolderEndsTheLinksBelowIt) {
    putOk(alice_, "a/b/c.txt", "deep");
    auto l = link(alice_, idOf(alice_, "a/b/c.txt"));
    std::string t = l.object()->getValue<std::string>("token");
    ASSERT_EQ(server_.get("/api/v1/links/" + t + "/raw").body, "deep");
    ASSERT_EQ(del(alice_, "a").status, 200);
    EXPECT_EQ(server_.get("/api/v1/links/" + t + "/raw").status, 404);
    EXPECT_EQ(server_.scalar("SELECT COUNT(*) FROM share_links"), 0);
}

// CVE-2016-9464: one member leaving (or being removed from) a team ends only their access.
TEST_F(SharingRegressionTest, OneMemberLeavingATeamLeavesTheOthersTheirAccess) {
    putOk(alice_, "team.txt", "for the team");
    auto team = server_.postJson("/api/v1/teams", R"({"name":"crew"})", alice_.auth());
    std::string teamId = team.object()->getValue<std::string>("id");
    for (const char* who : {"bob", "carol"}) {
        ASSERT_EQ(server_.postJson("/api/v1/teams/" + teamId + "/members", std::string(R"({"username":")") + who + "\"}",
                                   alice_.auth())
                      .status,
                  201);
    }
    auto g = server_.postJson("/api/v1/shares",
                              R"({"resource_type":"file","resource_id":")" + idOf(alice_, "team.txt") +
                                  R"(","principal_type":"team","principal_name":"crew","role":"viewer"})",
                              alice_.auth());
    ASSERT_EQ(g.status, 201) << g.body;
    // bob cannot revoke the team's grant for everyone...
    EXPECT_EQ(server_.request("DELETE", "/api/v1/shares/" + g.object()->getValue<std::string>("id"), "", bob_.auth()).status,
              403);
    // ...he leaves instead, and carol keeps it.
    ASSERT_EQ(server_.request("DELETE", "/api/v1/teams/" + teamId + "/members/" + bob_.id, "", bob_.auth()).status, 200);
    std::string file = idOf(alice_, "team.txt");
    EXPECT_EQ(server_.get(idUrl(file, "/raw"), bob_.auth()).status, 404);
    EXPECT_EQ(server_.get(idUrl(file, "/raw"), carol_.auth()).body, "for the team");
}

// CVE-2026-45543 and CVE-2026-45285: a removed collaborator keeps nothing, not through links
// they made either, and the owner sees every link made by someone else.
TEST_F(SharingRegressionTest, ARemovedCollaboratorKeepsNoAccessNorLinks) {
    std::string ws = workspaceWith("Project", "bob", "editor");
    auto put = server_.request("PUT", "/api/v1/workspaces/" + ws + "/files/plan.txt", "plan",
                               {{"Authorization", "Bearer " + alice_.token}, {"Content-Type", "application/octet-stream"}});
    ASSERT_EQ(put.status, 201) << put.body;
    std::string file = put.object()->getValue<std::string>("id");
    auto bobsLink = link(bob_, file);
    ASSERT_EQ(bobsLink.status, 201) << bobsLink.body;
    std::string t = bobsLink.object()->getValue<std::string>("token");
    // Not hidden from the owner: listed with its creator.
    auto listed = arr(server_.get(idUrl(file, "/links"), alice_.auth()));
    ASSERT_EQ(listed->size(), 1u);
    EXPECT_EQ(listed->getObject(0)->getValue<std::string>("created_by"), bob_.id);
    EXPECT_EQ(server_.get("/api/v1/links/" + t + "/raw").body, "plan");

    ASSERT_EQ(server_.request("DELETE", "/api/v1/workspaces/" + ws + "/members/" + bob_.id, "", alice_.auth()).status, 200);
    // Same token, next request: nothing by path, by id, or through his link.
    EXPECT_EQ(server_.get("/api/v1/workspaces/" + ws + "/files/plan.txt/raw", bob_.auth()).status, 404);
    EXPECT_EQ(server_.get(idUrl(file, "/raw"), bob_.auth()).status, 404);
    EXPECT_EQ(server_.get("/api/v1/links/" + t + "/raw").status, 404);
    EXPECT_EQ(arr(server_.get("/api/v1/workspaces", bob_.auth()))->size(), 0u);
}

// Nextcloud #21480/#42337 (reshare escalation): what bob passed on lives only as long as his
// own right to share, and never gives more than he holds now.
TEST_F(SharingRegressionTest, AReshareEndsOrNarrowsWithTheResharersOwnRights) {
    putOk(alice_, "r.txt", "v1");
    std::string id = idOf(alice_, "r.txt");
    auto team = server_.postJson("/api/v1/teams", R"({"name":"editors"})", alice_.auth());
    std::string teamId = team.object()->getValue<std::string>("id");
    ASSERT_EQ(server_.postJson("/api/v1/teams/" + teamId + "/members", R"({"username":"bob"})", alice_.auth()).status, 201);
    auto teamGrant = server_.postJson("/api/v1/shares",
                                      R"({"resource_type":"file","resource_id":")" + id +
                                          R"(","principal_type":"team","principal_name":"editors","role":"owner"})",
                                      alice_.auth());
    ASSERT_EQ(teamGrant.status, 201) << teamGrant.body;
    // bob, through the team, passes read + write to carol.
    ASSERT_EQ(shareById(bob_, id, shareBody("shared_with", "carol", true, true, false)).status, 200);
    EXPECT_EQ(putById(carol_, id, "v2").status, 200);
    // bob leaves the team: carol's share, his doing, goes with his right.
    ASSERT_EQ(server_.request("DELETE", "/api/v1/teams/" + teamId + "/members/" + bob_.id, "", bob_.auth()).status, 200);
    EXPECT_EQ(server_.get(idUrl(id, "/raw"), carol_.auth()).status, 404);
    // Nor is it listed to her anywhere.
    EXPECT_EQ(arr(server_.get("/api/v1/files/shared-with-me", carol_.auth()))->size(), 0u);
    EXPECT_EQ(arr(server_.get("/api/v1/shares/with-me", carol_.auth()))->size(), 0u);

    // bob back with his own grant (read, write, reshare); carol again through him.
    ASSERT_EQ(share(alice_, "r.txt", shareBody("shared_with", "bob", true, true, true)).status, 200);
    EXPECT_EQ(server_.get(idUrl(id, "/raw"), carol_.auth()).body, "v2");  // his grant to her stood; his right is back
    // alice takes write from bob: carol keeps reading but may no longer write.
    ASSERT_EQ(share(alice_, "r.txt", shareBody("shared_with", "bob", true, false, true)).status, 200);
    EXPECT_EQ(server_.get(idUrl(id, "/raw"), carol_.auth()).body, "v2");
    EXPECT_EQ(putById(carol_, id, "v3").status, 403);
    // alice takes reshare from bob: carol's share ends.
    ASSERT_EQ(share(alice_, "r.txt", shareBody("shared_with", "bob", true, false, false)).status, 200);
    EXPECT_EQ(server_.get(idUrl(id, "/raw"), carol_.auth()).status, 404);
    EXPECT_EQ(getRaw(alice_, "r.txt").body, "v2");
}

}  // namespace
}  // namespace hub::tests::files
