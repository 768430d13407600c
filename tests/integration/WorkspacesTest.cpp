// Workspaces: members (users and teams) with roles, what each role may do with the
// workspace's files, grants to a workspace, the last owner, deletion and an admin's recovery.
#include <set>

#include <gtest/gtest.h>

#include "FilesTestSupport.h"

namespace hub::tests::files {
namespace {

class WorkspacesTest : public FilesFixture {
protected:
    void SetUp() override {
        args_ = filesServerArgs({"--set", "access.cache_ms=0"});
        ASSERT_TRUE(server_.start(args_, {{"API_USERNAME", "root"}, {"API_PASSWORD", "root password 1"}}))
            << server_.stderrText();
        root_ = User{"root", "root password 1", "", server_.login("root", "root password 1")};
        alice_ = addUser("alice");
        bob_ = addUser("bob");
        carol_ = addUser("carol");
        dave_ = addUser("dave");
    }

    Response create(const User& u, const std::string& name) const {
        return server_.postJson("/api/v1/workspaces", R"({"name":")" + name + R"("})", u.auth());
    }
    std::string createOk(const User& u, const std::string& name) {
        auto r = create(u, name);
        EXPECT_EQ(r.status, 201) << r.body;
        return r.status == 201 ? r.object()->getValue<std::string>("id") : "";
    }
    Response addMember(const User& u, const std::string& ws, const std::string& body) const {
        return server_.postJson("/api/v1/workspaces/" + ws + "/members", body, u.auth());
    }
    Response setRole(const User& u, const std::string& ws, const std::string& memberId, const std::string& role) const {
        Headers h = u.auth();
        h["Content-Type"] = "application/json";
        return server_.request("PATCH", "/api/v1/workspaces/" + ws + "/members/" + memberId,
                               R"({"role":")" + role + R"("})", h);
    }
    Response removeMember(const User& u, const std::string& ws, const std::string& memberId) const {
        return server_.request("DELETE", "/api/v1/workspaces/" + ws + "/members/" + memberId, "", u.auth());
    }
    static std::string wsFiles(const std::string& ws, const std::string& path = "") {
        return "/api/v1/workspaces/" + ws + "/files" + (path.empty() ? "" : "/" + enc(path));
    }
    Response wsPut(const User& u, const std::string& ws, const std::string& path, const std::string& bytes) const {
        Headers h = u.auth();
        h["Content-Type"] = "application/octet-stream";
        return server_.request("PUT", wsFiles(ws, path), bytes, h);
    }
    Response wsRaw(const User& u, const std::string& ws, const std::string& path) const {
        return server_.get(wsFiles(ws, path) + "/raw", u.auth());
    }

    User root_, alice_, bob_, carol_, dave_;
};

TEST_F(WorkspacesTest, MembersAndRolesAreManagedByAdminsAndOwnersOnly) {
    auto created = create(alice_, "Research");
    ASSERT_EQ(created.status, 201) << created.body;
    std::string ws = created.object()->getValue<std::string>("id");
    EXPECT_EQ(created.object()->getValue<std::string>("role"), "owner");
    EXPECT_EQ(create(bob_, "Research").status, 409);  // names are unique among live workspaces
    EXPECT_EQ(create(bob_, "").status, 422);
    EXPECT_EQ(create(bob_, std::string(65, 'x')).status, 422);

    // Not a member: the workspace does not exist for bob.
    EXPECT_EQ(server_.get("/api/v1/workspaces/" + ws, bob_.auth()).status, 404);
    EXPECT_EQ(addMember(bob_, ws, R"({"username":"bob","role":"owner"})").status, 404);

    ASSERT_EQ(addMember(alice_, ws, R"({"username":"bob","role":"editor"})").status, 201);
    ASSERT_EQ(addMember(alice_, ws, R"({"username":"carol","role":"viewer"})").status, 201);
    EXPECT_EQ(addMember(alice_, ws, R"({"username":"nobody"})").status, 404);
    EXPECT_EQ(addMember(alice_, ws, R"({"username":"dave","role":"emperor"})").status, 422);
    EXPECT_EQ(addMember(alice_, ws, R"({"role":"viewer"})").status, 422);

    // An editor does not manage members; an admin does, but not owners.
    EXPECT_EQ(addMember(bob_, ws, R"({"username":"dave"})").status, 403);
    ASSERT_EQ(setRole(alice_, ws, bob_.id, "admin").status, 200);
    EXPECT_EQ(addMember(bob_, ws, R"({"username":"dave","role":"viewer"})").status, 201);
    EXPECT_EQ(setRole(bob_, ws, dave_.id, "owner").status, 403);
    EXPECT_EQ(setRole(bob_, ws, alice_.id, "viewer").status, 403);
    EXPECT_EQ(removeMember(bob_, ws, alice_.id).status, 403);
    EXPECT_EQ(removeMember(bob_, ws, dave_.id).status, 200);

    auto listed = arr(server_.get("/api/v1/workspaces", carol_.auth()));
    ASSERT_EQ(listed->size(), 1u);
    EXPECT_EQ(listed->getObject(0)->getValue<std::string>("role"), "viewer");
    EXPECT_EQ(listed->getObject(0)->getArray("members")->size(), 3u);

    // The last owner can neither leave nor be demoted; with a second owner both work.
    EXPECT_EQ(removeMember(alice_, ws, alice_.id).errorCode(), "last_workspace_owner");
    EXPECT_EQ(setRole(alice_, ws, alice_.id, "admin").errorCode(), "last_workspace_owner");
    ASSERT_EQ(setRole(alice_, ws, bob_.id, "owner").status, 200);
    EXPECT_EQ(removeMember(alice_, ws, alice_.id).status, 200);
    EXPECT_EQ(server_.get("/api/v1/workspaces/" + ws, alice_.auth()).status, 404);
    // Anyone may leave.
    EXPECT_EQ(removeMember(carol_, ws, carol_.id).status, 200);
    EXPECT_EQ(arr(server_.get("/api/v1/workspaces", carol_.auth()))->size(), 0u);

    // Rename: admins and owners.
    Headers h = bob_.auth();
    h["Content-Type"] = "application/json";
    auto renamed = server_.request("PATCH", "/api/v1/workspaces/" + ws, R"({"name":"Lab"})", h);
    ASSERT_EQ(renamed.status, 200) << renamed.body;
    EXPECT_EQ(renamed.object()->getValue<std::string>("name"), "Lab");
}

TEST_F(WorkspacesTest, RolesDecideWhatMembersMayDoWithTheWorkspacesFiles) {
    std::string ws = createOk(alice_, "Docs");
    ASSERT_EQ(addMember(alice_, ws, R"({"username":"bob","role":"editor"})").status, 201);
    ASSERT_EQ(addMember(alice_, ws, R"({"username":"carol","role":"viewer"})").status, 201);

    auto put = wsPut(bob_, ws, "plans/q1.txt", "plan one");
    ASSERT_EQ(put.status, 201) << put.body;
    std::string fileId = put.object()->getValue<std::string>("id");
    // The file belongs to the workspace, not to bob.
    EXPECT_EQ(list(bob_).body, "[]");
    EXPECT_EQ(wsRaw(alice_, ws, "plans/q1.txt").body, "plan one");
    EXPECT_EQ(wsRaw(carol_, ws, "plans/q1.txt").body, "plan one");
    EXPECT_EQ(server_.get(idUrl(fileId, "/raw"), carol_.auth()).body, "plan one");
    auto tree = server_.get(wsFiles(ws) + "/tree", carol_.auth());
    ASSERT_EQ(tree.status, 200) << tree.body;
    EXPECT_NE(tree.body.find("q1.txt"), std::string::npos);

    // A viewer reads but does not write, rename, delete or share.
    EXPECT_EQ(wsPut(carol_, ws, "plans/q2.txt", "x").status, 403);
    EXPECT_EQ(server_.request("DELETE", wsFiles(ws, "plans/q1.txt"), "", carol_.auth()).status, 403);
    EXPECT_EQ(server_.postJson(wsFiles(ws, "plans/q1.txt") + "/share", shareBody("shared_with", "dave"), carol_.auth()).status,
              403);
    Headers ch = carol_.auth();
    ch["Content-Type"] = "application/octet-stream";
    EXPECT_EQ(server_.request("PUT", idUrl(fileId), "changed", ch).status, 403);
    // A stranger learns nothing, by path or by id.
    EXPECT_EQ(wsRaw(dave_, ws, "plans/q1.txt").status, 404);
    EXPECT_EQ(server_.get(wsFiles(ws), dave_.auth()).status, 404);
    EXPECT_EQ(server_.get(idUrl(fileId, "/raw"), dave_.auth()).status, 404);

    // An editor shares a file of the workspace with an outsider.
    ASSERT_EQ(server_.postJson(wsFiles(ws, "plans/q1.txt") + "/share", shareBody("shared_with", "dave"), bob_.auth()).status,
              200);
    EXPECT_EQ(server_.get(idUrl(fileId, "/raw"), dave_.auth()).body, "plan one");

    // Why can carol see it? Her role.
    auto why = server_.get("/api/v1/access/explain?resource_type=file&resource_id=" + fileId + "&user=carol", alice_.auth());
    ASSERT_EQ(why.status, 200) << why.body;
    EXPECT_EQ(why.object()->getValue<std::string>("reason"), "workspace role");
    EXPECT_EQ(why.object()->getObject("workspace")->getValue<std::string>("role"), "viewer");

    // Removed: gone on the next request.
    ASSERT_EQ(removeMember(alice_, ws, carol_.id).status, 200);
    EXPECT_EQ(wsRaw(carol_, ws, "plans/q1.txt").status, 404);
    EXPECT_EQ(server_.get(idUrl(fileId, "/raw"), carol_.auth()).status, 404);

    // A team as a member: every member of the team holds its role.
    auto team = server_.postJson("/api/v1/teams", R"({"name":"readers"})", alice_.auth());
    ASSERT_EQ(team.status, 201);
    std::string teamId = team.object()->getValue<std::string>("id");
    ASSERT_EQ(server_.postJson("/api/v1/teams/" + teamId + "/members", R"({"username":"carol"})", alice_.auth()).status, 201);
    EXPECT_EQ(addMember(alice_, ws, R"({"team":"readers","role":"owner"})").errorCode(), "team_cannot_own");
    ASSERT_EQ(addMember(alice_, ws, R"({"team":"readers","role":"viewer"})").status, 201);
    EXPECT_EQ(wsRaw(carol_, ws, "plans/q1.txt").body, "plan one");
    ASSERT_EQ(server_.request("DELETE", "/api/v1/teams/" + teamId + "/members/" + carol_.id, "", carol_.auth()).status, 200);
    EXPECT_EQ(wsRaw(carol_, ws, "plans/q1.txt").status, 404);

    // The owner deletes a file: its grants go with it.
    EXPECT_EQ(server_.request("DELETE", wsFiles(ws, "plans/q1.txt"), "", alice_.auth()).status, 200);
    EXPECT_EQ(shareRows(), 0);
}

TEST_F(WorkspacesTest, AGrantToAWorkspaceReachesItsMembersWhileTheyAreMembers) {
    std::string ws = createOk(alice_, "Readers");
    ASSERT_EQ(addMember(alice_, ws, R"({"username":"bob","role":"viewer"})").status, 201);
    putOk(carol_, "mine.txt", "carol's");
    std::string fileId = server_.text("SELECT CAST(id AS TEXT) FROM user_files WHERE file_path = 'mine.txt'");
    auto g = server_.postJson("/api/v1/shares",
                              R"({"resource_type":"file","resource_id":")" + fileId +
                                  R"(","principal_type":"workspace","principal_name":"Readers","role":"viewer"})",
                              carol_.auth());
    ASSERT_EQ(g.status, 201) << g.body;
    EXPECT_EQ(g.object()->getValue<std::string>("principal_name"), "Readers");
    EXPECT_EQ(server_.get(idUrl(fileId, "/raw"), bob_.auth()).body, "carol's");
    EXPECT_EQ(server_.get(idUrl(fileId, "/raw"), dave_.auth()).status, 404);
    ASSERT_EQ(removeMember(alice_, ws, bob_.id).status, 200);
    EXPECT_EQ(server_.get(idUrl(fileId, "/raw"), bob_.auth()).status, 404);

    // A workspace's account is no one to share with, and never signs in.
    std::string account = "workspace:" + ws;
    EXPECT_EQ(share(carol_, "mine.txt", shareBody("shared_with", account)).status, 404);
    auto login = server_.postJson("/api/v1/auth/login", R"({"username":")" + account + R"(","password":"!"})");
    EXPECT_EQ(login.status, 401) << login.body;
    ServerProcess& cli = server_;
    ASSERT_EQ(cli.runToExit({"user", "list"}), 0) << cli.stderrText();
    EXPECT_NE(cli.stdoutText().find("carol"), std::string::npos) << cli.stdoutText();
    EXPECT_EQ(cli.stdoutText().find("workspace:"), std::string::npos) << cli.stdoutText();
    EXPECT_NE(cli.runToExit({"user", "passwd", account}, {}, "a new password 1\n"), 0);
}

TEST_F(WorkspacesTest, ADeletedWorkspaceKeepsItsFilesForAnAdminToRestore) {
    std::string ws = createOk(alice_, "Archive");
    ASSERT_EQ(addMember(alice_, ws, R"({"username":"bob","role":"admin"})").status, 201);
    ASSERT_EQ(wsPut(alice_, ws, "keep.txt", "kept").status, 201);
    // Only an owner deletes it.
    EXPECT_EQ(server_.request("DELETE", "/api/v1/workspaces/" + ws, "", bob_.auth()).status, 403);
    ASSERT_EQ(server_.request("DELETE", "/api/v1/workspaces/" + ws, "", alice_.auth()).status, 200);
    EXPECT_EQ(server_.get("/api/v1/workspaces/" + ws, alice_.auth()).status, 404);
    EXPECT_EQ(wsRaw(bob_, ws, "keep.txt").status, 404);
    // The name is free again; the admin sees the deleted one.
    std::string other = createOk(carol_, "Archive");
    EXPECT_FALSE(other.empty());
    EXPECT_EQ(server_.get("/api/v1/workspaces?deleted=true", alice_.auth()).status, 403);
    auto deleted = arr(server_.get("/api/v1/workspaces?deleted=true", root_.auth()));
    EXPECT_EQ(deleted->size(), 2u);

    // Recovery: refused while the name is taken, then restored with a new owner.
    EXPECT_EQ(server_.postJson("/api/v1/workspaces/" + ws + "/recover", R"({"owner":"dave"})", alice_.auth()).status, 404);
    EXPECT_EQ(server_.postJson("/api/v1/workspaces/" + ws + "/recover", R"({"owner":"dave"})", root_.auth()).status, 409);
    Headers h = carol_.auth();
    h["Content-Type"] = "application/json";
    ASSERT_EQ(server_.request("PATCH", "/api/v1/workspaces/" + other, R"({"name":"Other"})", h).status, 200);
    auto restored = server_.postJson("/api/v1/workspaces/" + ws + "/recover", R"({"owner":"dave"})", root_.auth());
    ASSERT_EQ(restored.status, 200) << restored.body;
    EXPECT_EQ(wsRaw(dave_, ws, "keep.txt").body, "kept");
    EXPECT_EQ(wsRaw(bob_, ws, "keep.txt").body, "kept");  // members came back with it
    // Every live workspace, for a server admin only.
    EXPECT_EQ(server_.get("/api/v1/workspaces?all=true", dave_.auth()).status, 403);
    auto all = arr(server_.get("/api/v1/workspaces?all=true", root_.auth()));
    EXPECT_EQ(all->size(), 2u);  // "Archive" again, and "Other"
}

TEST_F(WorkspacesTest, ResumableUploadsIntoAWorkspaceBelongToItsWriters) {
    std::string ws = createOk(alice_, "Uploads");
    ASSERT_EQ(addMember(alice_, ws, R"({"username":"bob","role":"editor"})").status, 201);
    ASSERT_EQ(addMember(alice_, ws, R"({"username":"carol","role":"viewer"})").status, 201);
    const std::string uploads = "/api/v1/workspaces/" + ws + "/uploads";
    const std::string body = R"({"path":"big/data.bin","size":11})";
    EXPECT_EQ(server_.postJson(uploads, body, carol_.auth()).status, 403);  // a viewer does not write
    EXPECT_EQ(server_.postJson(uploads, body, dave_.auth()).status, 404);   // a stranger sees nothing
    auto created = server_.postJson(uploads, body, bob_.auth());
    ASSERT_EQ(created.status, 201) << created.body;
    std::string id = created.object()->getValue<std::string>("id");
    EXPECT_EQ(created.header("Location"), uploads + "/" + id);
    // Not bob's personal upload: the personal route does not know it.
    EXPECT_EQ(server_.get("/api/v1/uploads/" + id, bob_.auth()).status, 404);
    Headers h = bob_.auth();
    h["Content-Type"] = "application/octet-stream";
    ASSERT_EQ(server_.request("PUT", uploads + "/" + id + "/parts/1", "hello world", h).status, 200);
    // Another writer of the workspace completes it; the file is the workspace's.
    auto done = server_.postJson(uploads + "/" + id + "/complete", "{}", alice_.auth());
    ASSERT_EQ(done.status, 201) << done.body;
    EXPECT_EQ(wsRaw(carol_, ws, "big/data.bin").body, "hello world");
    EXPECT_EQ(rows("user_id = '" + bob_.id + "'"), 0);
    // The workspace's feed says alice completed it.
    auto feed = server_.get("/api/v1/workspaces/" + ws + "/activity?type=file.created", carol_.auth());
    ASSERT_EQ(feed.status, 200) << feed.body;
    EXPECT_NE(feed.body.find("resumable_upload"), std::string::npos) << feed.body;
    EXPECT_NE(feed.body.find("\"workspace_id\":\"" + ws + "\""), std::string::npos) << feed.body;
}

}  // namespace
}  // namespace hub::tests::files
