// The permission matrix across resource types: for every shareable type (file, folder,
// advisor, conversation, tool) × principal kind (user, team, workspace) × role (viewer, user,
// editor, owner), a grant to bob is made and every action on the type is tried as bob. An
// action succeeds exactly when the role's bits (those that matter for the type) include the
// bit it needs; otherwise it is 403 while bob may view, and 404 once the grant is revoked.
#include <functional>
#include <map>

#include <gtest/gtest.h>

#include "ServerProcess.h"
#include "hub/sdk/Json.h"
#include "hub/sdk/services/IAccess.h"

namespace hub::tests {
namespace {

using Headers = std::map<std::string, std::string>;
namespace bits = sdk::access;

struct Action {
    std::string name;
    uint32_t needs;
    /// Runs the action as `auth` on resource `id`; returns the HTTP status.
    std::function<int(const Headers& auth, const std::string& id)> run;
};

struct ResourceKind {
    std::string type;
    uint32_t typeBits;
    std::string owner;  ///< "alice", or "root" for the server's resources
    std::string id;
    std::vector<Action> actions;
};

class AccessMatrixTest : public ::testing::Test {
protected:
    void SetUp() override {
        ASSERT_TRUE(server_.start({"--set", "logging.access_log=false", "--set",
                                   "plugin_search_path=[" + ServerProcess::bundledPluginDir() + "]", "--set",
                                   "auth.password.argon2_memory_kib=8192", "--set", "auth.password.argon2_iterations=1",
                                   "--set", "plugins.chat.config.echo_chunk_delay_ms=0", "--set", "access.cache_ms=0",
                                   "--set", "tools.restricted=[read_file]"},
                                  {{"API_USERNAME", "root"}, {"API_PASSWORD", "root password 1"}}))
            << server_.stderrText();
        for (const char* name : {"alice", "bob", "carol"}) {
            auto r = server_.registerUser(name);
            ASSERT_EQ(r.status, 201) << r.body;
            ids_[name] = r.object()->getValue<std::string>("id");
            auth_[name] = ServerProcess::bearer(server_.login(name));
        }
        auth_["root"] = ServerProcess::bearer(server_.login("root", "root password 1"));
        // bob's team, and a workspace he is a (viewer) member of.
        auto team = server_.postJson("/api/v1/teams", R"({"name":"bobs-team"})", auth_["carol"]);
        ASSERT_EQ(team.status, 201) << team.body;
        ASSERT_EQ(server_.postJson("/api/v1/teams/" + team.object()->getValue<std::string>("id") + "/members",
                                   R"({"username":"bob"})", auth_["carol"])
                      .status,
                  201);
        auto ws = server_.postJson("/api/v1/workspaces", R"({"name":"bobs-workspace"})", auth_["carol"]);
        ASSERT_EQ(ws.status, 201) << ws.body;
        ASSERT_EQ(server_.postJson("/api/v1/workspaces/" + ws.object()->getValue<std::string>("id") + "/members",
                                   R"({"username":"bob","role":"viewer"})", auth_["carol"])
                      .status,
                  201);
    }

    Headers json(Headers h) const {
        h["Content-Type"] = "application/json";
        return h;
    }
    int get(const Headers& a, const std::string& path) const { return server_.get(path, a).status; }
    std::string created(const Response& r, const std::string& key = "id") const {
        EXPECT_TRUE(r.status == 200 || r.status == 201) << r.body;
        return r.status == 200 || r.status == 201 ? r.object()->getValue<std::string>(key) : "";
    }
    /// Whether `tool` is in the caller's GET /api/v1/tools.
    int toolListed(const Headers& a, const std::string& tool) const {
        auto r = server_.get("/api/v1/tools", a);
        if (r.status != 200) return r.status;
        return r.body.find("\"name\":\"" + tool + "\"") != std::string::npos ? 200 : 404;
    }

    std::vector<ResourceKind> kinds() {
        const Headers alice = auth_["alice"];
        std::vector<ResourceKind> out;
        // Shared helpers for the actions every type has.
        auto manage = [this](const std::string& type) {
            return Action{"list grants", bits::kManage, [this, type](const Headers& a, const std::string& id) {
                              return get(a, "/api/v1/shares?resource_type=" + type + "&resource_id=" + id);
                          }};
        };

        // A file.
        Headers raw = alice;
        raw["Content-Type"] = "application/octet-stream";
        std::string file = created(server_.request("PUT", "/api/v1/files/m/file.txt", "bytes", raw));
        out.push_back({"file", bits::kView | bits::kEdit | bits::kReshare | bits::kManage, "alice", file,
                       {{"read", bits::kView, [this](const Headers& a, const std::string& id) {
                             return get(a, "/api/v1/files/id/" + id + "/raw");
                         }},
                        {"replace", bits::kEdit, [this](const Headers& a, const std::string& id) {
                             Headers h = a;
                             h["Content-Type"] = "application/octet-stream";
                             return server_.request("PUT", "/api/v1/files/id/" + id, "new bytes", h).status;
                         }},
                        {"reshare", bits::kReshare, [this](const Headers& a, const std::string& id) {
                             return server_.postJson("/api/v1/files/id/" + id + "/share", R"({"shared_with":"carol"})", a)
                                 .status;
                         }},
                        manage("file")}});
        // A folder, and a file below it reached through the folder's grant.
        server_.request("PUT", "/api/v1/files/dir/inner.txt", "inner", raw);
        std::string folder = server_.text("SELECT CAST(id AS TEXT) FROM user_files WHERE file_path = 'dir'");
        std::string inner = server_.text("SELECT CAST(id AS TEXT) FROM user_files WHERE file_path = 'dir/inner.txt'");
        out.push_back({"folder", bits::kView | bits::kEdit | bits::kReshare | bits::kManage, "alice", folder,
                       {{"list", bits::kView, [this](const Headers& a, const std::string& id) {
                             return get(a, "/api/v1/files/id/" + id);
                         }},
                        {"read below", bits::kView, [this, inner](const Headers& a, const std::string&) {
                             return get(a, "/api/v1/files/id/" + inner + "/raw");
                         }},
                        {"replace below", bits::kEdit, [this, inner](const Headers& a, const std::string&) {
                             Headers h = a;
                             h["Content-Type"] = "application/octet-stream";
                             return server_.request("PUT", "/api/v1/files/id/" + inner, "changed", h).status;
                         }},
                        {"make a link", bits::kReshare, [this](const Headers& a, const std::string& id) {
                             return server_.postJson("/api/v1/files/id/" + id + "/links", "{}", a).status;
                         }},
                        manage("folder")}});
        // An advisor, and a conversation with it.
        std::string advisor = created(server_.postJson(
            "/api/v1/advisors", R"({"name":"Matrix","model":"m","stream":false,"messages":[]})", alice));
        out.push_back({"advisor", bits::kAll, "alice", advisor,
                       {{"read", bits::kView, [this](const Headers& a, const std::string& id) {
                             return get(a, "/api/v1/advisors/" + id);
                         }},
                        {"chat with it", bits::kUse, [this](const Headers& a, const std::string& id) {
                             return server_.request("POST", "/api/v1/chat/advisor/" + id + "/new", "", a).status;
                         }},
                        {"edit", bits::kEdit, [this](const Headers& a, const std::string& id) {
                             return server_
                                 .request("PUT", "/api/v1/advisors/" + id,
                                          R"({"name":"Matrix","model":"m2","stream":false,"messages":[]})", json(a))
                                 .status;
                         }},
                        manage("advisor")}});
        std::string conversation =
            created(server_.request("POST", "/api/v1/chat/advisor/" + advisor + "/new", "", alice));
        out.push_back({"conversation", bits::kView | bits::kUse | bits::kReshare | bits::kManage, "alice", conversation,
                       {{"read", bits::kView, [this](const Headers& a, const std::string& id) {
                             return get(a, "/api/v1/chat/" + id);
                         }},
                        {"continue", bits::kUse, [this](const Headers& a, const std::string& id) {
                             return server_.postJson("/api/v1/chat/" + id + "/message", R"({"message":"hi"})", a).status;
                         }},
                        {"make a link", bits::kReshare, [this](const Headers& a, const std::string& id) {
                             return server_.postJson("/api/v1/chat/" + id + "/links", "{}", a).status;
                         }},
                        manage("conversation")}});
        // A restricted tool, the server's: root grants it.
        out.push_back({"tool", bits::kView | bits::kUse | bits::kReshare | bits::kManage, "root", "read_file",
                       {{"use", bits::kUse, [this](const Headers& a, const std::string& id) { return toolListed(a, id); }},
                        manage("tool")}});
        return out;
    }

    ServerProcess server_;
    std::map<std::string, std::string> ids_;
    std::map<std::string, Headers> auth_;
};

TEST_F(AccessMatrixTest, EveryTypeTimesPrincipalKindTimesRoleTimesAction) {
    const std::vector<std::pair<std::string, std::string>> principals{
        {"user", "bob"}, {"team", "bobs-team"}, {"workspace", "bobs-workspace"}};
    int checked = 0;
    for (const auto& kind : kinds()) {
        const Headers& bob = auth_["bob"];
        // Before any grant: nothing is visible.
        for (const auto& action : kind.actions) {
            int before = action.run(bob, kind.id);
            EXPECT_EQ(before, 404) << kind.type << " / " << action.name << " without a grant";
        }
        for (const auto& [ptype, pname] : principals) {
            for (const char* role : {"viewer", "user", "editor", "owner"}) {
                const uint32_t held = bits::roleBits(role) & kind.typeBits;
                auto body = sdk::json::object();
                body->set("resource_type", kind.type);
                body->set("resource_id", kind.id);
                body->set("principal_type", ptype);
                body->set("principal_name", pname);
                body->set("role", role);
                auto g = server_.postJson("/api/v1/shares", sdk::json::stringify(body), auth_[kind.owner]);
                ASSERT_EQ(g.status, 201) << kind.type << " to " << ptype << " as " << role << ": " << g.body;
                for (const auto& action : kind.actions) {
                    const bool allowed = (held & action.needs) == action.needs;
                    // A tool one may not use is not even listed: it does not exist for them.
                    const int denied = kind.type == "tool" && action.name == "use" ? 404 : 403;
                    int status = action.run(bob, kind.id);
                    std::string where = kind.type + " / " + action.name + " / " + ptype + " / " + role;
                    if (allowed) {
                        EXPECT_TRUE(status == 200 || status == 201) << where << ": " << status;
                    } else {
                        EXPECT_EQ(status, denied) << where;
                    }
                    ++checked;
                }
                ASSERT_EQ(server_.request("DELETE", "/api/v1/shares/" + g.object()->getValue<std::string>("id"), "",
                                          auth_[kind.owner])
                              .status,
                          200);
                EXPECT_EQ(kind.actions.front().run(bob, kind.id), 404) << kind.type << " after revoking " << ptype;
            }
        }
    }
    // 5 types, 3 principal kinds, 4 roles, 2-5 actions each.
    EXPECT_EQ(checked, 3 * 4 * (4 + 5 + 4 + 4 + 2));
}

}  // namespace
}  // namespace hub::tests
