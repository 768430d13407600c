// /api/v1/workspaces: create, list, rename, delete (and an admin's restore and recovery),
// members (users or teams) with roles owner, admin, editor, viewer.
#include "access/WorkspaceRoutes.h"

#include "access/GroupName.h"

#include "hub/sdk/BodyValidator.h"
#include "hub/sdk/Error.h"
#include "hub/sdk/Json.h"
#include "hub/sdk/Text.h"
#include "hub/sdk/services/IClock.h"

namespace hub::core {
namespace {

constexpr std::size_t kJsonLimit = 64 * 1024;

class WorkspaceApi {
public:
    WorkspaceApi(AccessService& access, AuthService& auth) : access_(access), auth_(auth) {}

    Poco::JSON::Object::Ptr workspaceJson(const Workspace& w, const std::string& viewerId) const {
        auto o = sdk::json::object();
        o->set("id", w.id);
        o->set("name", w.name);
        o->set("created_at", sdk::IClock::formatIso(w.createdAt));
        o->set("deleted_at", w.deletedAt ? Poco::Dynamic::Var(sdk::IClock::formatIso(w.deletedAt)) : Poco::Dynamic::Var());
        std::string role = access_.workspaceRole(w.id, viewerId);
        o->set("role", role.empty() ? Poco::Dynamic::Var() : Poco::Dynamic::Var(role));
        auto members = sdk::json::array();
        for (const auto& m : w.members) {
            auto mo = sdk::json::object();
            mo->set("member_type", m.type);
            mo->set("member_id", m.id);
            if (m.type == "user") {
                mo->set("user_id", m.id);
                mo->set("username", m.name);
            } else {
                mo->set("team_id", m.id);
                mo->set("team", m.name);
            }
            mo->set("role", m.role);
            mo->set("added_at", sdk::IClock::formatIso(m.addedAt));
            members->add(mo);
        }
        o->set("members", members);
        return o;
    }

    static std::string workspaceName(sdk::BodyValidator& v) { return validGroupName(v, "workspace"); }

    /// The workspace named by the route as the caller may see it: members and server admins;
    /// everyone else gets 404.
    Workspace visible(sdk::RequestContext& ctx, bool includeDeleted = false) const {
        const auto& me = ctx.requireAuth();
        auto w = access_.workspace(ctx.pathParam("workspace_id"), includeDeleted && me.isAdmin());
        if (!w || (!me.isAdmin() && access_.workspaceRole(w->id, me.userId).empty())) {
            throw sdk::NotFound("Workspace not found", "workspace_not_found");
        }
        return *w;
    }

    /// visible() where the caller needs at least `role` (server admins always pass).
    Workspace needing(sdk::RequestContext& ctx, const std::string& role) const {
        Workspace w = visible(ctx);
        const auto& me = ctx.requireAuth();
        if (!me.isAdmin() && workspaceRoleRank(access_.workspaceRole(w.id, me.userId)) < workspaceRoleRank(role)) {
            throw sdk::Forbidden("This needs the " + role + " role in the workspace", "workspace_role_required");
        }
        return w;
    }

    static std::string memberRole(sdk::BodyValidator& v, bool required) {
        auto role = v.optionalString("role", 16);
        if (!role && required) v.fail("role", "missing", "Field required");
        if (role && workspaceRoleRank(*role) == 0) v.fail("role", "value_error", "role must be owner, admin, editor or viewer");
        return role.value_or("editor");
    }

    /// Owners alone make or unmake owners; admins manage everyone else.
    void checkRoleChange(sdk::RequestContext& ctx, const Workspace& w, const std::string& from, const std::string& to) const {
        const auto& me = ctx.requireAuth();
        if (me.isAdmin()) return;
        if ((from == "owner" || to == "owner") && access_.workspaceRole(w.id, me.userId) != "owner") {
            throw sdk::Forbidden("Only an owner may make or change an owner", "workspace_owner_required");
        }
    }

    void create(sdk::RequestContext& ctx) {
        sdk::BodyValidator v(ctx.jsonBody());
        std::string name = workspaceName(v);
        const auto& me = ctx.requireAuth();
        ctx.respondJson(201, workspaceJson(access_.createWorkspace(me.userId, name), me.userId));
    }

    void list(sdk::RequestContext& ctx) {
        const auto& me = ctx.requireAuth();
        bool all = ctx.query("all").value_or("") == "true";
        bool deleted = ctx.query("deleted").value_or("") == "true";
        if ((all || deleted) && !me.isAdmin()) {
            throw sdk::Forbidden("Only an admin may list every workspace", "admin_required");
        }
        auto out = sdk::json::array();
        for (const auto& w : all || deleted ? access_.allWorkspaces(deleted) : access_.workspacesOf(me.userId)) {
            out->add(workspaceJson(w, me.userId));
        }
        ctx.respondJson(200, out);
    }

    void rename(sdk::RequestContext& ctx) {
        Workspace w = needing(ctx, "admin");
        sdk::BodyValidator v(ctx.jsonBody());
        std::string name = workspaceName(v);
        access_.renameWorkspace(ctx.requireAuth().userId, w.id, name);
        ctx.respondJson(200, workspaceJson(*access_.workspace(w.id), ctx.requireAuth().userId));
    }

    void remove(sdk::RequestContext& ctx) {
        Workspace w = needing(ctx, "owner");
        access_.deleteWorkspace(ctx.requireAuth().userId, w.id);
        auto o = sdk::json::object();
        o->set("status", "success");
        o->set("id", w.id);
        ctx.respondJson(200, o);
    }

    /// Server admins: bring back a deleted workspace, and give an orphaned one an owner.
    void recover(sdk::RequestContext& ctx) {
        const auto& me = ctx.requireAuth();
        if (!me.isAdmin()) throw sdk::NotFound("Workspace not found", "workspace_not_found");
        Workspace w = visible(ctx, true);
        sdk::BodyValidator v(ctx.jsonBody());
        auto owner = v.optionalString("owner", 1024);
        v.finish();
        std::optional<sdk::UserInfo> u;
        if (owner) {
            u = auth_.findUserByName(*owner);
            if (!u || u->role == "workspace") throw sdk::NotFound("User not found", "user_not_found");
        }
        access_.restoreWorkspace(me.userId, w.id);
        if (u) access_.setWorkspaceMember(me.userId, w.id, "user", u->id, "owner");
        ctx.respondJson(200, workspaceJson(*access_.workspace(w.id), me.userId));
    }

    void addMember(sdk::RequestContext& ctx) {
        Workspace w = needing(ctx, "admin");
        sdk::BodyValidator v(ctx.jsonBody());
        auto username = v.optionalString("username", 1024);
        auto teamName = v.optionalString("team", 256);
        std::string role = memberRole(v, false);
        if (!username && !teamName) v.fail("username", "missing", "Field required (username or team)");
        if (username && teamName) v.fail("username", "value_error", "Give username or team, not both");
        v.finish();
        std::string type = username ? "user" : "team", id;
        if (username) {
            auto u = auth_.findUserByName(*username);
            if (!u || u->role == "workspace") throw sdk::NotFound("User not found", "user_not_found");
            id = u->id;
        } else {
            auto t = access_.teamByName(*teamName);
            if (!t) throw sdk::NotFound("Team not found", "team_not_found");
            if (role == "owner") {
                throw sdk::ValidationError("A team cannot own a workspace; give it admin at most", "team_cannot_own");
            }
            id = t->id;
        }
        const WorkspaceMember* existing = w.member(type, id);
        checkRoleChange(ctx, w, existing ? existing->role : "", role);
        access_.setWorkspaceMember(ctx.requireAuth().userId, w.id, type, id, role);
        ctx.respondJson(existing ? 200 : 201, workspaceJson(*access_.workspace(w.id), ctx.requireAuth().userId));
    }

    /// The member the route names: a user id, or a team id.
    const WorkspaceMember& routeMember(sdk::RequestContext& ctx, const Workspace& w) const {
        std::string id = sdk::text::canonicalUuid(ctx.pathParam("member_id"));
        for (const auto& m : w.members) {
            if (m.id == id) return m;
        }
        throw sdk::NotFound("Not a member of this workspace", "member_not_found");
    }

    void changeMember(sdk::RequestContext& ctx) {
        Workspace w = needing(ctx, "admin");
        const WorkspaceMember& m = routeMember(ctx, w);
        sdk::BodyValidator v(ctx.jsonBody());
        std::string role = memberRole(v, true);
        v.finish();
        if (m.type == "team" && role == "owner") {
            throw sdk::ValidationError("A team cannot own a workspace; give it admin at most", "team_cannot_own");
        }
        checkRoleChange(ctx, w, m.role, role);
        access_.setWorkspaceMember(ctx.requireAuth().userId, w.id, m.type, m.id, role);
        ctx.respondJson(200, workspaceJson(*access_.workspace(w.id), ctx.requireAuth().userId));
    }

    void removeMember(sdk::RequestContext& ctx) {
        const auto& me = ctx.requireAuth();
        std::string id = sdk::text::canonicalUuid(ctx.pathParam("member_id"));
        // Leaving needs membership only; removing someone else needs an admin (an owner for an owner).
        Workspace w = id == me.userId ? visible(ctx) : needing(ctx, "admin");
        const WorkspaceMember& m = routeMember(ctx, w);
        if (id != me.userId) checkRoleChange(ctx, w, m.role, "");
        access_.removeWorkspaceMember(me.userId, w.id, m.type, m.id);
        auto o = sdk::json::object();
        o->set("status", "success");
        ctx.respondJson(200, o);
    }

private:
    AccessService& access_;
    AuthService& auth_;
};

}  // namespace

void registerWorkspaceRoutes(Router& router, AccessService& access, AuthService& auth) {
    using sdk::AuthMode;
    auto api = std::make_shared<WorkspaceApi>(access, auth);
    auto bind = [api](void (WorkspaceApi::*fn)(sdk::RequestContext&)) {
        return [api, fn](sdk::RequestContext& ctx) { ((*api).*fn)(ctx); };
    };
    router.add({"POST", "/api/v1/workspaces", AuthMode::Required, kJsonLimit, bind(&WorkspaceApi::create)});
    router.add({"GET", "/api/v1/workspaces", AuthMode::Required, 0, bind(&WorkspaceApi::list)});
    router.add({"GET", "/api/v1/workspaces/{workspace_id}", AuthMode::Required, 0, [api](sdk::RequestContext& ctx) {
                    ctx.respondJson(200, api->workspaceJson(api->visible(ctx), ctx.requireAuth().userId));
                }});
    router.add({"PATCH", "/api/v1/workspaces/{workspace_id}", AuthMode::Required, kJsonLimit, bind(&WorkspaceApi::rename)});
    router.add({"DELETE", "/api/v1/workspaces/{workspace_id}", AuthMode::Required, 0, bind(&WorkspaceApi::remove)});
    router.add({"POST", "/api/v1/workspaces/{workspace_id}/recover", AuthMode::Required, kJsonLimit,
                bind(&WorkspaceApi::recover)});
    router.add({"POST", "/api/v1/workspaces/{workspace_id}/members", AuthMode::Required, kJsonLimit,
                bind(&WorkspaceApi::addMember)});
    router.add({"PATCH", "/api/v1/workspaces/{workspace_id}/members/{member_id}", AuthMode::Required, kJsonLimit,
                bind(&WorkspaceApi::changeMember)});
    router.add({"DELETE", "/api/v1/workspaces/{workspace_id}/members/{member_id}", AuthMode::Required, 0,
                bind(&WorkspaceApi::removeMember)});
}

}  // namespace hub::core
