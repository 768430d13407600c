#include "access/AccessRoutes.h"

#include "access/GroupName.h"

#include "hub/sdk/BodyValidator.h"
#include "hub/sdk/Error.h"
#include "hub/sdk/Json.h"
#include "hub/sdk/Text.h"

namespace hub::core {
namespace {

constexpr std::size_t kJsonLimit = 64 * 1024;

Poco::JSON::Array::Ptr namesArray(uint32_t bits) {
    auto a = sdk::json::array();
    for (const auto& n : sdk::access::bitNames(bits)) a->add(n);
    return a;
}

/// The preset a set of bits matches exactly, or null.
Poco::Dynamic::Var roleOf(uint32_t bits, uint32_t meaningful) {
    for (const char* role : {"viewer", "user", "editor", "owner"}) {
        if ((sdk::access::roleBits(role) & meaningful) == bits) return std::string(role);
    }
    return Poco::Dynamic::Var();
}

Poco::Dynamic::Var isoOrNull(int64_t micros) {
    return micros == 0 ? Poco::Dynamic::Var() : Poco::Dynamic::Var(sdk::IClock::formatIso(micros));
}

class AccessApi {
public:
    AccessApi(AccessService& access, AuthService& auth) : access_(access), auth_(auth) {}

    std::string principalName(const sdk::AccessPrincipal& p) const {
        if (p.type == "user") {
            auto u = auth_.findUserById(p.id);
            return u ? u->username : std::string();
        }
        if (p.type == "workspace") {
            auto w = access_.workspace(p.id);
            return w ? w->name : std::string();
        }
        auto t = access_.team(p.id);
        return t ? t->name : std::string();
    }

    Poco::JSON::Object::Ptr grantJson(const sdk::AccessGrant& g) const {
        auto o = sdk::json::object();
        o->set("id", g.id);
        o->set("resource_type", g.resourceType);
        o->set("resource_id", g.resourceId);
        auto resource = access_.knowsType(g.resourceType) ? access_.describe(g.resourceType, g.resourceId) : std::nullopt;
        o->set("resource_name", resource ? Poco::Dynamic::Var(resource->name) : Poco::Dynamic::Var());
        if (resource) {
            auto owner = auth_.findUserById(resource->ownerId);
            o->set("owner", owner ? Poco::Dynamic::Var(owner->username) : Poco::Dynamic::Var());
        }
        o->set("principal_type", g.principal.type);
        o->set("principal_id", g.principal.id);
        o->set("principal_name", principalName(g.principal));
        o->set("permissions", namesArray(g.permissions));
        o->set("role", roleOf(g.permissions, access_.typeBits(g.resourceType)));
        o->set("expires_at", isoOrNull(g.expiresAt));
        o->set("granted_by", g.grantedBy);
        auto granter = auth_.findUserById(g.grantedBy);
        o->set("granted_by_name", granter ? Poco::Dynamic::Var(granter->username) : Poco::Dynamic::Var());
        o->set("created_at", sdk::IClock::formatIso(g.createdAt));
        return o;
    }

    /// role or permissions from a body; 0 (with a recorded failure) when neither is usable.
    /// A role means its bits that matter for the type (an editor of a file may view and
    /// edit it: files have no "use"); listed permissions must all matter.
    static uint32_t requestedBits(sdk::BodyValidator& v, bool required, uint32_t meaningful) {
        auto role = v.optionalString("role", 32);
        auto list = v.optionalArray("permissions");
        if (role && list) {
            v.fail("role", "value_error", "Give role or permissions, not both");
            return 0;
        }
        if (role) {
            uint32_t bits = sdk::access::roleBits(*role);
            if (bits == 0) v.fail("role", "value_error", "role must be viewer, user, editor or owner");
            return meaningful != 0 ? bits & meaningful : bits;
        }
        if (list) {
            uint32_t bits = 0;
            for (std::size_t i = 0; i < list->size(); ++i) {
                auto item = list->get(static_cast<unsigned>(i));
                uint32_t bit = item.isString() ? sdk::access::bitNamed(item.convert<std::string>()) : 0;
                if (bit == 0) {
                    v.fail("permissions", "value_error", "permissions are view, use, edit, reshare and manage");
                    return 0;
                }
                bits |= bit;
            }
            if (bits == 0) v.fail("permissions", "value_error", "permissions must not be empty");
            return bits;
        }
        if (required) v.fail("role", "missing", "Field required (role or permissions)");
        return 0;
    }

    sdk::AccessPrincipal principalFrom(sdk::BodyValidator& v) const {
        std::string type = v.optionalString("principal_type", 16).value_or("user");
        auto id = v.optionalString("principal_id", 64);
        auto name = v.optionalString("principal_name", 1024);
        if (type != "user" && type != "team" && type != "workspace") {
            v.fail("principal_type", "value_error", "principal_type must be user, team or workspace");
        }
        if (!id && !name) v.fail("principal_id", "missing", "Field required (principal_id or principal_name)");
        v.finish();
        sdk::AccessPrincipal p{type, ""};
        if (type == "user") {
            auto u = id ? auth_.findUserById(sdk::text::canonicalUuid(*id)) : auth_.findUserByName(*name);
            if (!u) throw sdk::NotFound("User not found", "user_not_found");
            p.id = u->id;
        } else if (type == "team") {
            auto t = id ? access_.team(*id) : access_.teamByName(*name);
            if (!t) throw sdk::NotFound("Team not found", "team_not_found");
            p.id = t->id;
        } else if (type == "workspace") {
            auto w = id ? access_.workspace(*id) : access_.workspaceByName(*name);
            if (!w) throw sdk::NotFound("Workspace not found", "workspace_not_found");
            p.id = w->id;
        }
        return p;
    }

    void create(sdk::RequestContext& ctx) {
        const auto& me = ctx.requireAuth();
        sdk::BodyValidator v(ctx.jsonBody());
        sdk::AccessGrantRequest req;
        req.resourceType = v.requiredString("resource_type", 64);
        req.resourceId = v.requiredString("resource_id", 1024);
        req.permissions = requestedBits(v, true, access_.typeBits(req.resourceType));
        req.expiresAt = v.optionalTimestamp("expires_at", access_.nowMicros()).value_or(0);
        req.principal = principalFrom(v);  // finishes the validation
        if (!access_.knowsType(req.resourceType)) {
            throw sdk::ValidationError("Unknown resource_type '" + req.resourceType + "'", "unknown_resource_type");
        }
        ctx.respondJson(201, grantJson(access_.grant(me.userId, req)));
    }

    /// The resource named by the query, which the caller must own or manage.
    std::pair<std::string, std::string> managedResource(sdk::RequestContext& ctx) const {
        auto type = ctx.query("resource_type");
        auto id = ctx.query("resource_id");
        if (!type || !id || type->empty() || id->empty()) {
            throw sdk::ValidationError("resource_type and resource_id are required", "missing_resource");
        }
        if (!access_.knowsType(*type)) throw sdk::ValidationError("Unknown resource_type '" + *type + "'", "unknown_resource_type");
        auto d = access_.check(ctx.requireAuth().userId, *type, *id);
        if (!d.visible) throw sdk::NotFound("Resource not found", *type + "_not_found");
        if (!d.owner && !d.allows(sdk::access::kManage)) {
            throw sdk::Forbidden("Only the owner or a manager sees every grant", "permission_denied");
        }
        return {*type, *id};
    }

    void listOnResource(sdk::RequestContext& ctx) {
        auto [type, id] = managedResource(ctx);
        auto out = sdk::json::array();
        for (const auto& g : access_.grantsOn(type, id)) out->add(grantJson(g));
        ctx.respondJson(200, out);
    }

    void withMe(sdk::RequestContext& ctx) {
        auto out = sdk::json::array();
        auto type = ctx.query("resource_type");
        for (const auto& g : access_.grantsTo(ctx.requireAuth().userId)) {
            if (type && g.resourceType != *type) continue;
            if (!access_.knowsType(g.resourceType) || !access_.describe(g.resourceType, g.resourceId)) continue;
            out->add(grantJson(g));
        }
        ctx.respondJson(200, out);
    }

    /// A grant the caller may see: on a resource visible to them, or given to them.
    sdk::AccessGrant visibleGrant(sdk::RequestContext& ctx) const {
        const auto& me = ctx.requireAuth();
        auto g = access_.grantById(ctx.pathParam("share_id"));
        if (g && access_.knowsType(g->resourceType)) {
            bool mine = g->principal.type == "user" && g->principal.id == me.userId;
            if (mine || access_.check(me.userId, g->resourceType, g->resourceId).visible) return *g;
        }
        throw sdk::NotFound("Share not found", "share_not_found");
    }

    void update(sdk::RequestContext& ctx) {
        const auto& me = ctx.requireAuth();
        sdk::AccessGrant g = visibleGrant(ctx);
        sdk::BodyValidator v(ctx.jsonBody());
        uint32_t bits = requestedBits(v, false, access_.typeBits(g.resourceType));
        bool clearExpiry = v.body()->has("expires_at") && v.body()->isNull("expires_at");
        auto expires = v.optionalTimestamp("expires_at", access_.nowMicros());
        v.finish();
        sdk::AccessGrantRequest req{g.resourceType, g.resourceId, g.principal, bits != 0 ? bits : g.permissions,
                                    clearExpiry ? 0 : expires.value_or(g.expiresAt)};
        ctx.respondJson(200, grantJson(access_.grant(me.userId, req)));
    }

    void remove(sdk::RequestContext& ctx) {
        sdk::AccessGrant g = visibleGrant(ctx);
        if (!access_.revoke(ctx.requireAuth().userId, g.id)) throw sdk::NotFound("Share not found", "share_not_found");
        auto o = sdk::json::object();
        o->set("status", "success");
        o->set("id", g.id);
        ctx.respondJson(200, o);
    }

    void explain(sdk::RequestContext& ctx) {
        const auto& me = ctx.requireAuth();
        auto type = ctx.query("resource_type");
        auto id = ctx.query("resource_id");
        if (!type || !id || type->empty() || id->empty()) {
            throw sdk::ValidationError("resource_type and resource_id are required", "missing_resource");
        }
        if (!access_.knowsType(*type)) throw sdk::ValidationError("Unknown resource_type '" + *type + "'", "unknown_resource_type");
        std::optional<sdk::UserInfo> who = auth_.findUserById(me.userId);
        if (auto u = ctx.query("user"); u && !u->empty()) {
            who = sdk::text::isUuid(*u) ? auth_.findUserById(sdk::text::canonicalUuid(*u)) : auth_.findUserByName(*u);
            if (!who) throw sdk::NotFound("User not found", "user_not_found");
        }
        auto mine = access_.check(me.userId, *type, *id);
        // The owner, a manager (who sees the grants anyway), the user themself or a server
        // admin may ask; others learn nothing.
        if (who->id != me.userId && !mine.owner && !mine.allows(sdk::access::kManage) && !me.isAdmin()) {
            if (!mine.visible) throw sdk::NotFound("Resource not found", *type + "_not_found");
            throw sdk::Forbidden("Only the owner, the user themself or an admin may ask", "permission_denied");
        }
        auto d = access_.check(who->id, *type, *id);
        if (!d.visible && who->id == me.userId && !me.isAdmin() && !mine.owner) {
            throw sdk::NotFound("Resource not found", *type + "_not_found");
        }
        auto resource = access_.describe(*type, *id);
        if (!resource) throw sdk::NotFound("Resource not found", *type + "_not_found");
        auto o = sdk::json::object();
        o->set("resource_type", *type);
        o->set("resource_id", *id);
        o->set("resource_name", resource->name);
        auto owner = auth_.findUserById(resource->ownerId);
        o->set("owner", owner ? Poco::Dynamic::Var(owner->username) : Poco::Dynamic::Var());
        o->set("user_id", who->id);
        o->set("username", who->username);
        o->set("visible", d.visible);
        o->set("is_owner", d.owner);
        o->set("permissions", namesArray(d.permissions));
        auto via = sdk::json::array();
        for (const auto& g : d.via) {
            auto gj = grantJson(g);
            std::string reason = g.principal.type == "user" ? "granted to the user"
                                 : "granted to " + g.principal.type + " " + principalName(g.principal);
            if (g.resourceType == "workspace" && g.resourceType != *type) reason += " on the workspace that owns it";
            gj->set("reason", reason);
            via->add(gj);
        }
        o->set("grants", via);
        std::string role;
        if (auto ws = access_.workspaceOfAccount(resource->ownerId)) {
            // Owned by a workspace: the member's role counts beside the grants.
            role = access_.workspaceRole(*ws, who->id);
            auto w = access_.workspace(*ws, true);
            auto wo = sdk::json::object();
            wo->set("id", *ws);
            wo->set("name", w ? Poco::Dynamic::Var(w->name) : Poco::Dynamic::Var());
            wo->set("role", role.empty() ? Poco::Dynamic::Var() : Poco::Dynamic::Var(role));
            o->set("workspace", wo);
            o->set("owner", Poco::Dynamic::Var());
        }
        std::string why = d.owner           ? "owner"
                          : !d.visible      ? "no access"
                          : role.empty()    ? "grants"
                          : d.via.empty()   ? "workspace role"
                                            : "workspace role and grants";
        o->set("reason", why);
        ctx.respondJson(200, o);
    }

    // ---- teams --------------------------------------------------------------------------

    Poco::JSON::Object::Ptr teamJson(const Team& t) const {
        auto o = sdk::json::object();
        o->set("id", t.id);
        o->set("name", t.name);
        o->set("created_at", sdk::IClock::formatIso(t.createdAt));
        auto members = sdk::json::array();
        for (const auto& m : t.members) {
            auto mo = sdk::json::object();
            mo->set("user_id", m.userId);
            mo->set("username", m.username);
            mo->set("role", m.role);
            mo->set("added_at", sdk::IClock::formatIso(m.addedAt));
            members->add(mo);
        }
        o->set("members", members);
        return o;
    }

    static std::string teamName(sdk::BodyValidator& v) { return validGroupName(v, "team"); }

    /// The team named by the route, as the caller may see it: members and server admins.
    Team visibleTeam(sdk::RequestContext& ctx) const {
        const auto& me = ctx.requireAuth();
        auto t = access_.team(ctx.pathParam("team_id"));
        if (!t || (!t->member(me.userId) && !me.isAdmin())) throw sdk::NotFound("Team not found", "team_not_found");
        return *t;
    }

    /// visibleTeam() where the caller must be a team admin (or a server admin).
    Team administeredTeam(sdk::RequestContext& ctx) const {
        Team t = visibleTeam(ctx);
        const auto& me = ctx.requireAuth();
        const TeamMember* m = t.member(me.userId);
        if (!me.isAdmin() && (m == nullptr || m->role != "admin")) {
            throw sdk::Forbidden("Only a team admin may do this", "team_admin_required");
        }
        return t;
    }

    static std::string memberRole(sdk::BodyValidator& v, bool required) {
        auto role = v.optionalString("role", 16);
        if (!role && required) v.fail("role", "missing", "Field required");
        if (role && *role != "admin" && *role != "member") v.fail("role", "value_error", "role must be admin or member");
        return role.value_or("member");
    }

    void createTeam(sdk::RequestContext& ctx) {
        sdk::BodyValidator v(ctx.jsonBody());
        std::string name = teamName(v);
        ctx.respondJson(201, teamJson(access_.createTeam(ctx.requireAuth().userId, name)));
    }

    void listTeams(sdk::RequestContext& ctx) {
        const auto& me = ctx.requireAuth();
        bool all = ctx.query("all").value_or("") == "true";
        if (all && !me.isAdmin()) throw sdk::Forbidden("Only an admin may list every team", "admin_required");
        auto out = sdk::json::array();
        for (const auto& t : all ? access_.allTeams() : access_.teamsOf(me.userId)) out->add(teamJson(t));
        ctx.respondJson(200, out);
    }

    void renameTeam(sdk::RequestContext& ctx) {
        Team t = administeredTeam(ctx);
        sdk::BodyValidator v(ctx.jsonBody());
        std::string name = teamName(v);
        access_.renameTeam(ctx.requireAuth().userId, t.id, name);
        ctx.respondJson(200, teamJson(*access_.team(t.id)));
    }

    void deleteTeam(sdk::RequestContext& ctx) {
        Team t = administeredTeam(ctx);
        access_.deleteTeam(ctx.requireAuth().userId, t.id);
        auto o = sdk::json::object();
        o->set("status", "success");
        o->set("id", t.id);
        ctx.respondJson(200, o);
    }

    void addMember(sdk::RequestContext& ctx) {
        Team t = administeredTeam(ctx);
        sdk::BodyValidator v(ctx.jsonBody());
        std::string username = v.requiredString("username", 1024);
        std::string role = memberRole(v, false);
        v.finish();
        auto u = auth_.findUserByName(username);
        if (!u) throw sdk::NotFound("User not found", "user_not_found");
        bool existed = t.member(u->id) != nullptr;
        access_.setMember(ctx.requireAuth().userId, t.id, u->id, role);
        ctx.respondJson(existed ? 200 : 201, teamJson(*access_.team(t.id)));
    }

    void changeMember(sdk::RequestContext& ctx) {
        Team t = administeredTeam(ctx);
        std::string userId = sdk::text::canonicalUuid(ctx.pathParam("user_id"));
        if (userId.empty() || !t.member(userId)) throw sdk::NotFound("Not a member of this team", "member_not_found");
        sdk::BodyValidator v(ctx.jsonBody());
        std::string role = memberRole(v, true);
        v.finish();
        access_.setMember(ctx.requireAuth().userId, t.id, userId, role);
        ctx.respondJson(200, teamJson(*access_.team(t.id)));
    }

    void removeMember(sdk::RequestContext& ctx) {
        const auto& me = ctx.requireAuth();
        std::string userId = sdk::text::canonicalUuid(ctx.pathParam("user_id"));
        // Leaving needs membership only; removing someone else needs a team admin.
        Team t = userId == me.userId ? visibleTeam(ctx) : administeredTeam(ctx);
        if (userId.empty() || !t.member(userId)) throw sdk::NotFound("Not a member of this team", "member_not_found");
        access_.removeMember(me.userId, t.id, userId);
        auto o = sdk::json::object();
        o->set("status", "success");
        ctx.respondJson(200, o);
    }

private:
    AccessService& access_;
    AuthService& auth_;
};

}  // namespace

void registerAccessRoutes(Router& router, AccessService& access, AuthService& auth) {
    using sdk::AuthMode;
    auto api = std::make_shared<AccessApi>(access, auth);
    auto bind = [api](void (AccessApi::*fn)(sdk::RequestContext&)) {
        return [api, fn](sdk::RequestContext& ctx) { ((*api).*fn)(ctx); };
    };
    router.add({"POST", "/api/v1/shares", AuthMode::Required, kJsonLimit, bind(&AccessApi::create)});
    router.add({"GET", "/api/v1/shares", AuthMode::Required, 0, bind(&AccessApi::listOnResource)});
    router.add({"GET", "/api/v1/shares/with-me", AuthMode::Required, 0, bind(&AccessApi::withMe)});
    router.add({"PATCH", "/api/v1/shares/{share_id}", AuthMode::Required, kJsonLimit, bind(&AccessApi::update)});
    router.add({"DELETE", "/api/v1/shares/{share_id}", AuthMode::Required, 0, bind(&AccessApi::remove)});
    router.add({"GET", "/api/v1/access/explain", AuthMode::Required, 0, bind(&AccessApi::explain)});
    router.add({"POST", "/api/v1/teams", AuthMode::Required, kJsonLimit, bind(&AccessApi::createTeam)});
    router.add({"GET", "/api/v1/teams", AuthMode::Required, 0, bind(&AccessApi::listTeams)});
    router.add({"GET", "/api/v1/teams/{team_id}", AuthMode::Required, 0,
                [api](sdk::RequestContext& ctx) { ctx.respondJson(200, api->teamJson(api->visibleTeam(ctx))); }});
    router.add({"PATCH", "/api/v1/teams/{team_id}", AuthMode::Required, kJsonLimit, bind(&AccessApi::renameTeam)});
    router.add({"DELETE", "/api/v1/teams/{team_id}", AuthMode::Required, 0, bind(&AccessApi::deleteTeam)});
    router.add({"POST", "/api/v1/teams/{team_id}/members", AuthMode::Required, kJsonLimit, bind(&AccessApi::addMember)});
    router.add({"PATCH", "/api/v1/teams/{team_id}/members/{user_id}", AuthMode::Required, kJsonLimit,
                bind(&AccessApi::changeMember)});
    router.add({"DELETE", "/api/v1/teams/{team_id}/members/{user_id}", AuthMode::Required, 0,
                bind(&AccessApi::removeMember)});
}

}  // namespace hub::core
