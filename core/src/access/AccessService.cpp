#include "access/AccessService.h"

#include <algorithm>
#include <set>

#include <Poco/Data/Session.h>
#include <Poco/Data/Statement.h>
#include <Poco/Nullable.h>
#include <Poco/Tuple.h>

#include "hub/sdk/Error.h"
#include "hub/sdk/Json.h"
#include "hub/sdk/Text.h"

using namespace Poco::Data::Keywords;

namespace hub::core {
namespace {

using GrantRow = Poco::Tuple<std::string, std::string, std::string, std::string, std::string, int, Poco::Int64,
                             std::string, Poco::Int64>;

constexpr const char* kGrantColumns =
    "SELECT CAST(id AS TEXT), resource_type, resource_id, principal_type, principal_id, permissions, "
    "COALESCE(expires_at, 0), granted_by, created_at FROM access_grants ";

/// Grants whose principal is the user, a team they belong to or a live workspace they belong
/// to (directly or through a team). $U and $M both take the user's id: two parameters,
/// because PostgreSQL types a parameter once, and principal_id is TEXT where
/// team_members.user_id is UUID ("operator does not exist: uuid = text").
constexpr const char* kForUser =
    "((principal_type = 'user' AND principal_id = $U) OR (principal_type = 'team' AND principal_id IN "
    "(SELECT CAST(team_id AS TEXT) FROM team_members WHERE user_id = $M)) OR (principal_type = 'workspace' AND "
    "principal_id IN (SELECT CAST(w.id AS TEXT) FROM workspaces w JOIN workspace_members wm ON wm.workspace_id = w.id "
    "WHERE w.deleted_at IS NULL AND ((wm.member_type = 'user' AND wm.member_id = $U) OR (wm.member_type = 'team' AND "
    "wm.member_id IN (SELECT CAST(team_id AS TEXT) FROM team_members WHERE user_id = $M))))))";

std::string forUser(const std::string& userParam, const std::string& memberParam) {
    std::string s = kForUser;
    for (auto [from, to] : {std::pair<std::string, std::string>{"$U", userParam}, {"$M", memberParam}}) {
        for (auto at = s.find(from); at != std::string::npos; at = s.find(from, at + to.size())) s.replace(at, 2, to);
    }
    return s;
}

sdk::AccessGrant fromRow(const GrantRow& r) {
    sdk::AccessGrant g;
    g.id = r.get<0>();
    g.resourceType = r.get<1>();
    g.resourceId = r.get<2>();
    g.principal = {r.get<3>(), r.get<4>()};
    g.permissions = static_cast<uint32_t>(r.get<5>());
    g.expiresAt = r.get<6>();
    g.grantedBy = r.get<7>();
    g.createdAt = r.get<8>();
    return g;
}

}  // namespace

const TeamMember* Team::member(const std::string& userId) const {
    for (const auto& m : members) {
        if (m.userId == userId) return &m;
    }
    return nullptr;
}

int Team::admins() const {
    return static_cast<int>(std::count_if(members.begin(), members.end(), [](const TeamMember& m) { return m.role == "admin"; }));
}

// ---- resource types ------------------------------------------------------------------

void AccessService::addResourceType(sdk::AccessResourceType type) {
    if (type.name.empty() || !type.describe || (type.permissions & sdk::access::kView) == 0) {
        throw std::invalid_argument("an access resource type needs a name, a describe function and the view bit");
    }
    std::unique_lock<std::shared_mutex> lock(typesMutex_);
    if (types_.count(type.name)) throw std::runtime_error("access resource type '" + type.name + "' is registered twice");
    std::string name = type.name;
    types_.emplace(name, std::move(type));
}

void AccessService::removeResourceType(const std::string& name) {
    std::unique_lock<std::shared_mutex> lock(typesMutex_);
    types_.erase(name);
}

bool AccessService::knowsType(const std::string& name) const {
    std::shared_lock<std::shared_mutex> lock(typesMutex_);
    return types_.count(name) > 0;
}

uint32_t AccessService::typeBits(const std::string& name) const {
    std::shared_lock<std::shared_mutex> lock(typesMutex_);
    auto it = types_.find(name);
    return it == types_.end() ? 0 : it->second.permissions;
}

sdk::AccessResourceType AccessService::typeOf(const std::string& name) const {
    std::shared_lock<std::shared_mutex> lock(typesMutex_);
    auto it = types_.find(name);
    if (it == types_.end()) throw sdk::ValidationError("Unknown resource_type '" + name + "'", "unknown_resource_type");
    return it->second;
}

std::optional<sdk::AccessResource> AccessService::describe(const std::string& resourceType,
                                                           const std::string& resourceId) const {
    if (resourceId.empty() || resourceId.size() > 1024) return std::nullopt;
    return typeOf(resourceType).describe(resourceId);
}

// ---- checks --------------------------------------------------------------------------

std::set<std::string> AccessService::principalsOf(const std::string& userId, bool teams, bool workspaces) const {
    // "user:<id>", "team:<id>", "workspace:<id>": who the user acts as. A plain query or two
    // and a set lookup per grant cost less than one statement joining it all on every check
    // (SQLite plans each statement afresh).
    std::set<std::string> out{"user:" + userId};
    std::vector<std::string> teamIds, workspaceIds;
    std::string u = userId;
    db_.withSession([&](Poco::Data::Session& s) {
        teamIds.clear();
        workspaceIds.clear();
        if (teams) s << "SELECT CAST(team_id AS TEXT) FROM team_members WHERE user_id = $1", use(u), into(teamIds), now;
        if (workspaces) {
            // $1 meets TEXT and $2 UUID: PostgreSQL types a parameter once.
            s << "SELECT DISTINCT CAST(w.id AS TEXT) FROM workspaces w JOIN workspace_members wm ON wm.workspace_id = w.id "
                 "WHERE w.deleted_at IS NULL AND ((wm.member_type = 'user' AND wm.member_id = $1) OR "
                 "(wm.member_type = 'team' AND wm.member_id IN (SELECT CAST(team_id AS TEXT) FROM team_members "
                 "WHERE user_id = $2)))",
                use(u), use(u), into(workspaceIds), now;
        }
    });
    for (const auto& t : teamIds) out.insert("team:" + t);
    for (const auto& w : workspaceIds) out.insert("workspace:" + w);
    return out;
}

std::vector<sdk::AccessGrant> AccessService::liveGrants(const std::string& resourceType, const std::string& resourceId,
                                                        const std::string& userId, const std::string& workspaceId) const {
    std::vector<GrantRow> rows;
    std::string t = resourceType, r = resourceId, w = workspaceId;
    int64_t at = clock_.nowMicros();
    db_.withSession([&](Poco::Data::Session& s) {
        rows.clear();
        if (w.empty()) {
            s << std::string(kGrantColumns) +
                     "WHERE resource_type = $1 AND resource_id = $2 AND (expires_at IS NULL OR expires_at > $3) "
                     "ORDER BY created_at",
                use(t), use(r), use(at), into(rows), now;
        } else {
            // The resource's grants and its workspace's (a guest's) in one round trip.
            s << std::string(kGrantColumns) +
                     "WHERE ((resource_type = $1 AND resource_id = $2) OR (resource_type = 'workspace' AND resource_id = $3)) "
                     "AND (expires_at IS NULL OR expires_at > $4) ORDER BY created_at",
                use(t), use(r), use(w), use(at), into(rows), now;
        }
    });
    std::vector<sdk::AccessGrant> out;
    // Most resources are shared with nobody or with users only: then no membership lookup.
    bool teams = false, workspaces = false;
    for (const auto& row : rows) {
        teams |= row.get<3>() == "team";
        workspaces |= row.get<3>() == "workspace";
    }
    std::set<std::string> me{"user:" + userId};
    if (teams || workspaces) me = principalsOf(userId, teams, workspaces);
    for (const auto& row : rows) {
        sdk::AccessGrant g = fromRow(row);
        if (me.count(g.principal.type + ":" + g.principal.id)) out.push_back(std::move(g));
    }
    return out;
}

sdk::AccessDecision AccessService::check(const std::string& userId, const std::string& resourceType,
                                         const std::string& resourceId) const {
    // The key carries the generation: a change committed on this node makes older entries
    // unreachable at once.
    const std::string key = std::to_string(generation_.load()) + "|" + userId + "|" + resourceType + "|" + resourceId;
    if (auto hit = decisions_.get(key); hit && (hit->validUntil == 0 || hit->validUntil > clock_.nowMicros())) {
        return hit->decision;
    }
    CachedDecision fresh;
    fresh.decision = computeCheck(userId, resourceType, resourceId);
    for (const auto& g : fresh.decision.via) {
        if (g.expiresAt != 0 && (fresh.validUntil == 0 || g.expiresAt < fresh.validUntil)) fresh.validUntil = g.expiresAt;
    }
    decisions_.put(key, fresh);
    return fresh.decision;
}

sdk::AccessDecision AccessService::computeCheck(const std::string& userId, const std::string& resourceType,
                                                const std::string& resourceId, int depth) const {
    sdk::AccessDecision d;
    uint32_t meaningful = typeBits(resourceType);
    if (meaningful == 0 || userId.empty()) return d;
    d.resource = describe(resourceType, resourceId);
    if (!d.resource) return d;
    // A resource no user owns (a tool) belongs to the server: its admins hold every bit.
    const bool serverAdmin = d.resource->ownerId.empty() && [&] {
        auto u = auth_.findUserById(userId);
        return u && u->role == "admin";
    }();
    if (d.resource->ownerId == userId || serverAdmin) {
        d.visible = d.owner = true;
        d.permissions = meaningful;
        return d;
    }
    // Owned by a workspace: the member's role gives bits on everything in it, and so do grants
    // on the workspace itself (a guest's access).
    const auto ws = workspaceOfAccount(d.resource->ownerId);
    const bool guestGrants = ws && resourceType != "workspace";
    d.via = liveGrants(resourceType, resourceId, userId, guestGrants ? *ws : std::string());
    std::vector<sdk::AccessGrant> guest;
    if (guestGrants) {
        auto onWorkspace = std::stable_partition(d.via.begin(), d.via.end(), [&](const sdk::AccessGrant& g) {
            return g.resourceType == resourceType && g.resourceId == resourceId;
        });
        guest.assign(onWorkspace, d.via.end());
        d.via.erase(onWorkspace, d.via.end());
    }
    d.permissions |= admitGrants(d.via, d.resource->ownerId, resourceType, resourceId, userId, depth);
    if (ws) {
        d.permissions |= workspaceRoleBits(workspaceRole(*ws, userId));
        d.permissions |= admitGrants(guest, d.resource->ownerId, "workspace", *ws, userId, depth);
        d.via.insert(d.via.end(), guest.begin(), guest.end());
    }
    d.permissions &= meaningful;
    d.visible = (d.permissions & sdk::access::kView) != 0;
    if (!d.visible) {
        d.permissions = 0;
        d.via.clear();
    }
    return d;
}

uint32_t AccessService::admitGrants(std::vector<sdk::AccessGrant>& grants, const std::string& ownerId,
                                    const std::string& resourceType, const std::string& resourceId,
                                    const std::string& userId, int depth) const {
    // A reshare stands only while its granter may still share: it gives at most what the
    // granter holds now. A granter who left the team or workspace their right came from, or
    // whose grant was narrowed, takes what they passed on with them (down the chain).
    std::map<std::string, uint32_t> granterBits;
    uint32_t out = 0;
    for (auto it = grants.begin(); it != grants.end();) {
        uint32_t bits = it->permissions;
        if (it->grantedBy != ownerId) {
            auto known = granterBits.find(it->grantedBy);
            if (known == granterBits.end()) {
                uint32_t held = 0;
                if (depth < kMaxReshareDepth && it->grantedBy != userId) {
                    auto granter = computeCheck(it->grantedBy, resourceType, resourceId, depth + 1);
                    if (granter.allows(sdk::access::kReshare) || granter.allows(sdk::access::kManage)) held = granter.permissions;
                }
                known = granterBits.emplace(it->grantedBy, held).first;
            }
            bits &= known->second;
        }
        if (bits == 0) {
            it = grants.erase(it);
            continue;
        }
        it->permissions = bits;
        out |= bits;
        ++it;
    }
    return out;
}

sdk::AccessDecision AccessService::require(const std::string& userId, const std::string& resourceType,
                                           const std::string& resourceId, uint32_t bits,
                                           const std::string& notFoundMessage) const {
    sdk::AccessDecision d = check(userId, resourceType, resourceId);
    if (!d.visible) throw sdk::NotFound(notFoundMessage, resourceType + "_not_found");
    if (!d.allows(bits)) {
        std::string need;
        for (const auto& n : sdk::access::bitNames(bits & ~d.permissions)) need += (need.empty() ? "" : ", ") + n;
        throw sdk::Forbidden("You may not do this: it needs the " + need + " permission", "permission_denied");
    }
    return d;
}

std::vector<sdk::AccessGrant> AccessService::grantsTo(const std::string& userId) const {
    std::vector<GrantRow> rows;
    std::string u = userId;
    int64_t at = clock_.nowMicros();
    std::string sql = std::string(kGrantColumns) + "WHERE (expires_at IS NULL OR expires_at > $1) AND " +
                      forUser("$2", "$3") + " ORDER BY created_at";
    db_.withSession([&](Poco::Data::Session& s) {
        rows.clear();
        s << sql, use(at), use(u), use(u), into(rows), now;
    });
    std::vector<sdk::AccessGrant> out;
    for (const auto& row : rows) out.push_back(fromRow(row));
    return admitted(userId, std::move(out));
}

std::vector<sdk::AccessGrant> AccessService::admitted(const std::string& userId, std::vector<sdk::AccessGrant> grants) const {
    // The decision on each resource says which of these grants still give something (a
    // reshare whose granter may no longer share gives nothing) and how much.
    std::map<std::pair<std::string, std::string>, std::map<std::string, uint32_t>> live;
    std::vector<sdk::AccessGrant> out;
    for (auto& g : grants) {
        if (!knowsType(g.resourceType)) continue;
        auto key = std::make_pair(g.resourceType, g.resourceId);
        auto it = live.find(key);
        if (it == live.end()) {
            std::map<std::string, uint32_t> byId;
            for (const auto& v : check(userId, g.resourceType, g.resourceId).via) byId[v.id] = v.permissions;
            it = live.emplace(key, std::move(byId)).first;
        }
        auto kept = it->second.find(g.id);
        if (kept == it->second.end()) continue;
        g.permissions = kept->second;
        out.push_back(std::move(g));
    }
    return out;
}

std::vector<sdk::AccessGrant> AccessService::grantsTo(const std::string& userId, const std::string& resourceType) const {
    std::vector<GrantRow> rows;
    std::string u = userId, t = resourceType;
    int64_t at = clock_.nowMicros();
    std::string sql = std::string(kGrantColumns) + "WHERE resource_type = $1 AND (expires_at IS NULL OR expires_at > $2) AND " +
                      forUser("$3", "$4") + " ORDER BY created_at";
    db_.withSession([&](Poco::Data::Session& s) {
        rows.clear();
        s << sql, use(t), use(at), use(u), use(u), into(rows), now;
    });
    std::vector<sdk::AccessGrant> out;
    for (const auto& row : rows) out.push_back(fromRow(row));
    return admitted(userId, std::move(out));
}

std::vector<sdk::AccessGrant> AccessService::grantsOnEach(const std::string& resourceType,
                                                          const std::vector<std::string>& resourceIds) const {
    std::vector<sdk::AccessGrant> out;
    int64_t at = clock_.nowMicros();
    // Batches keep the statement under both databases' parameter limits.
    constexpr std::size_t kBatch = 200;
    for (std::size_t first = 0; first < resourceIds.size(); first += kBatch) {
        std::size_t n = std::min(kBatch, resourceIds.size() - first);
        std::string sql = std::string(kGrantColumns) +
                          "WHERE resource_type = $1 AND (expires_at IS NULL OR expires_at > $2) AND resource_id IN (";
        for (std::size_t i = 0; i < n; ++i) sql += (i ? ", $" : "$") + std::to_string(i + 3);
        sql += ") ORDER BY created_at";
        std::vector<GrantRow> rows;
        std::string t = resourceType;
        std::vector<std::string> ids(resourceIds.begin() + static_cast<std::ptrdiff_t>(first),
                                     resourceIds.begin() + static_cast<std::ptrdiff_t>(first + n));
        db_.withSession([&](Poco::Data::Session& s) {
            rows.clear();
            Poco::Data::Statement st(s);
            st << sql, use(t), use(at), into(rows);
            for (auto& id : ids) st, use(id);
            st.execute();
        });
        for (const auto& row : rows) out.push_back(fromRow(row));
    }
    return out;
}

std::vector<std::pair<std::string, uint32_t>> AccessService::sharedWith(const std::string& userId,
                                                                        const std::string& resourceType) const {
    std::map<std::string, uint32_t> bits;
    for (const auto& g : grantsTo(userId, resourceType)) bits[g.resourceId] |= g.permissions;
    std::vector<std::pair<std::string, uint32_t>> out;
    uint32_t meaningful = typeBits(resourceType);
    for (const auto& [id, b] : bits) {
        if ((b & sdk::access::kView) != 0) out.emplace_back(id, b & meaningful);
    }
    return out;
}

std::optional<sdk::AccessGrant> AccessService::grantById(const std::string& rawId) const {
    std::string id = sdk::text::canonicalUuid(rawId);
    if (id.empty()) return std::nullopt;
    std::vector<GrantRow> rows;
    db_.withSession([&](Poco::Data::Session& s) {
        rows.clear();
        s << std::string(kGrantColumns) + "WHERE id = $1", use(id), into(rows), now;
    });
    if (rows.empty()) return std::nullopt;
    return fromRow(rows.front());
}

std::vector<sdk::AccessGrant> AccessService::grantsOn(const std::string& resourceType, const std::string& resourceId) const {
    std::vector<GrantRow> rows;
    std::string t = resourceType, r = resourceId;
    int64_t at = clock_.nowMicros();
    db_.withSession([&](Poco::Data::Session& s) {
        rows.clear();
        s << std::string(kGrantColumns) +
                 "WHERE resource_type = $1 AND resource_id = $2 AND (expires_at IS NULL OR expires_at > $3) ORDER BY created_at",
            use(t), use(r), use(at), into(rows), now;
    });
    std::vector<sdk::AccessGrant> out;
    for (const auto& row : rows) out.push_back(fromRow(row));
    return out;
}

// ---- activity ------------------------------------------------------------------------

std::string AccessService::principalName(const sdk::AccessPrincipal& p) const {
    if (p.type == "user") {
        auto u = auth_.findUserById(p.id);
        return u ? u->username : std::string();
    }
    auto t = team(p.id);
    return t ? t->name : std::string();
}

void AccessService::recordShare(Poco::Data::Session& s, const std::string& action, const std::string& actorId,
                                const sdk::AccessGrant& g, const std::optional<sdk::AccessResource>& resource,
                                const std::string& name, Poco::JSON::Object::Ptr details) const {
    if (activity_ == nullptr) return;
    if (!details) details = sdk::json::object();
    details->set("grant_id", g.id);
    details->set("principal_type", g.principal.type);
    details->set("principal_id", g.principal.id);
    details->set("principal_name", name);
    auto bits = sdk::json::array();
    for (const auto& n : sdk::access::bitNames(g.permissions)) bits->add(n);
    details->set("permissions", bits);
    details->set("expires_at", g.expiresAt == 0 ? Poco::Dynamic::Var() : Poco::Dynamic::Var(sdk::IClock::formatIso(g.expiresAt)));
    sdk::ActivityEntry e;
    e.actorId = actorId;
    e.action = action;
    e.resourceType = g.resourceType;
    e.resourceId = g.resourceId;
    e.resourceName = resource ? resource->name : std::string();
    e.ownerId = resource ? resource->ownerId : std::string();
    e.details = details;
    activity_->record(s, e);
}

void AccessService::recordTeam(Poco::Data::Session& s, const std::string& action, const std::string& actorId,
                               const std::string& teamId, const std::string& teamName, Poco::JSON::Object::Ptr details) const {
    if (activity_ == nullptr) return;
    sdk::ActivityEntry e;
    e.actorId = actorId;
    e.action = action;
    e.resourceType = "team";  // seen by the team's current members (teams have no owner)
    e.resourceId = teamId;
    e.resourceName = teamName;
    e.details = details;
    activity_->record(s, e);
}

namespace {

/// Details of a membership change: whose, and the role.
Poco::JSON::Object::Ptr memberDetails(const std::string& userId, const std::optional<sdk::UserInfo>& user,
                                      const std::string& role) {
    auto d = sdk::json::object();
    d->set("user_id", userId);
    d->set("username", user ? Poco::Dynamic::Var(user->username) : Poco::Dynamic::Var());
    d->set("role", role);
    return d;
}

/// The team's name inside a transaction ("" when it is gone).
std::string teamNameIn(Poco::Data::Session& s, const std::string& teamId) {
    std::vector<std::string> names;
    std::string id = teamId;
    s << "SELECT name FROM teams WHERE id = $1", use(id), into(names), now;
    return names.empty() ? std::string() : names[0];
}

}  // namespace

// ---- grants --------------------------------------------------------------------------

sdk::AccessGrant AccessService::grant(const std::string& actorId, const sdk::AccessGrantRequest& req) {
    const uint32_t meaningful = typeOf(req.resourceType).permissions;
    sdk::AccessDecision mine = check(actorId, req.resourceType, req.resourceId);
    if (!mine.visible) throw sdk::NotFound("Resource not found", req.resourceType + "_not_found");
    const bool manager = mine.owner || mine.allows(sdk::access::kManage);
    if (!manager && !mine.allows(sdk::access::kReshare)) {
        throw sdk::Forbidden("You may not share this " + req.resourceType, "reshare_denied");
    }
    if (req.permissions == 0 || (req.permissions & ~meaningful) != 0) {
        std::string allowed;
        for (const auto& n : sdk::access::bitNames(meaningful)) allowed += (allowed.empty() ? "" : ", ") + n;
        throw sdk::ValidationError("A grant on a " + req.resourceType + " may hold only: " + allowed, "invalid_permissions");
    }
    if ((req.permissions & sdk::access::kView) == 0) {
        throw sdk::ValidationError("A grant must include view", "grant_without_view");
    }
    if (!mine.owner && (req.permissions & ~mine.permissions) != 0) {
        throw sdk::Forbidden("You cannot grant more than you hold", "grant_exceeds_holding");
    }
    // The principal must exist; the owner and the actor need no grant.
    if (req.principal.type == "user") {
        // A workspace's account is not someone to share with (share with the workspace).
        auto u = auth_.findUserById(req.principal.id);
        if (!u || u->role == "workspace") throw sdk::NotFound("User not found", "user_not_found");
        if (req.principal.id == mine.resource->ownerId || req.principal.id == actorId) {
            throw sdk::ValidationError("A resource cannot be shared with its owner or with yourself", "share_with_self");
        }
    } else if (req.principal.type == "team") {
        if (!team(req.principal.id)) throw sdk::NotFound("Team not found", "team_not_found");
    } else if (req.principal.type == "workspace") {
        if (!workspace(req.principal.id)) throw sdk::NotFound("Workspace not found", "workspace_not_found");
    } else {
        throw sdk::ValidationError("principal_type must be user, team or workspace", "invalid_principal_type");
    }
    int64_t expires = req.expiresAt;
    if (expires != 0 && expires <= clock_.nowMicros()) {
        throw sdk::ValidationError("expires_at must be in the future", "expiry_in_past");
    }
    if (!mine.owner) {
        // A reshare never outlives the grants it comes from: a manager's neither (a manager
        // for an hour must not mint open-ended grants that survive their own).
        int64_t cap = -1;
        for (const auto& g : mine.via) {
            if ((g.permissions & (sdk::access::kReshare | sdk::access::kManage)) == 0) continue;
            if (g.expiresAt == 0) {
                cap = 0;
                break;
            }
            cap = std::max(cap, g.expiresAt);
        }
        if (cap > 0 && (expires == 0 || expires > cap)) expires = cap;
    }
    sdk::AccessGrant out;
    out.resourceType = req.resourceType;
    out.resourceId = req.resourceId;
    out.principal = req.principal;
    out.permissions = req.permissions;
    out.expiresAt = expires;
    out.grantedBy = actorId;
    out.createdAt = clock_.nowMicros();
    Poco::Nullable<Poco::Int64> expiresCol;
    if (expires != 0) expiresCol = expires;
    int bits = static_cast<int>(req.permissions);
    const std::string grantee = principalName(out.principal);
    db_.withTransaction([&](Poco::Data::Session& s) {
        std::vector<std::string> ids, granters;
        std::vector<Poco::Int64> created;
        s << "SELECT CAST(id AS TEXT), granted_by, created_at FROM access_grants WHERE resource_type = $1 AND "
             "resource_id = $2 AND principal_type = $3 AND principal_id = $4",
            use(out.resourceType), use(out.resourceId), use(out.principal.type), use(out.principal.id), into(ids),
            into(granters), into(created), now;
        if (!ids.empty()) {
            // Someone else's grant (even an expired one) is theirs to change, or a manager's.
            if (!manager && granters[0] != actorId) {
                throw sdk::Forbidden("This is already shared with them by someone else", "share_not_yours");
            }
            out.id = ids[0];
            out.createdAt = created[0];
            s << "UPDATE access_grants SET permissions = $1, expires_at = $2, granted_by = $3 WHERE id = $4", use(bits),
                use(expiresCol), use(out.grantedBy), use(out.id), now;
            recordShare(s, "share.changed", actorId, out, mine.resource, grantee);
            // A user's grant now ending sooner: what they reshared (down the chain) ends no later.
            if (expires != 0 && out.principal.type == "user") {
                Poco::Int64 cap = expires;
                std::vector<std::string> chain{out.principal.id};
                std::set<std::string> seen;
                while (!chain.empty()) {
                    std::string granter = chain.back();
                    chain.pop_back();
                    if (!seen.insert(granter).second) continue;
                    s << "UPDATE access_grants SET expires_at = $1 WHERE resource_type = $2 AND resource_id = $3 AND "
                         "granted_by = $4 AND (expires_at IS NULL OR expires_at > $5)",
                        use(cap), use(out.resourceType), use(out.resourceId), use(granter), use(cap), now;
                    std::vector<std::string> principals;
                    s << "SELECT principal_id FROM access_grants WHERE resource_type = $1 AND resource_id = $2 AND "
                         "granted_by = $3 AND principal_type = 'user'",
                        use(out.resourceType), use(out.resourceId), use(granter), into(principals), now;
                    chain.insert(chain.end(), principals.begin(), principals.end());
                }
            }
        } else {
            out.id = sdk::text::newUuid();
            s << "INSERT INTO access_grants (id, resource_type, resource_id, principal_type, principal_id, permissions, "
                 "expires_at, granted_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
                use(out.id), use(out.resourceType), use(out.resourceId), use(out.principal.type), use(out.principal.id),
                use(bits), use(expiresCol), use(out.grantedBy), use(out.createdAt), now;
            recordShare(s, "share.granted", actorId, out, mine.resource, grantee);
        }
    });
    invalidate();
    return out;
}

bool AccessService::revoke(const std::string& actorId, const std::string& grantId) {
    auto g = grantById(grantId);
    if (!g || !knowsType(g->resourceType)) return false;
    sdk::AccessDecision mine = check(actorId, g->resourceType, g->resourceId);
    // One's own grant may always be given up; the granter and managers may revoke it.
    const bool ownGrant = g->principal.type == "user" && g->principal.id == actorId;
    if (!mine.visible && !ownGrant) return false;
    if (!ownGrant && !mine.owner && !mine.allows(sdk::access::kManage) && g->grantedBy != actorId) {
        throw sdk::Forbidden("Only the owner, a manager or whoever granted it may revoke this", "revoke_denied");
    }
    const std::optional<sdk::AccessResource> resource = mine.resource ? mine.resource : describe(g->resourceType, g->resourceId);
    const std::string grantee = principalName(g->principal);
    db_.withTransaction([&](Poco::Data::Session& s) {
        std::string id = g->id, t = g->resourceType, r = g->resourceId;
        s << "DELETE FROM access_grants WHERE id = $1", use(id), now;
        std::size_t cascaded = 0;
        auto recordRevoke = [&] {
            auto details = sdk::json::object();
            details->set("also_revoked", cascaded);  // grants the revoked user had made further
            recordShare(s, "share.revoked", actorId, *g, resource, grantee, details);
        };
        if (g->principal.type != "user") {
            recordRevoke();
            return;
        }
        // What the revoked user granted further on this resource goes too, down the chain.
        std::vector<std::string> revoked{g->principal.id};
        std::set<std::string> seen;
        while (!revoked.empty()) {
            std::string granter = revoked.back();
            revoked.pop_back();
            if (!seen.insert(granter).second) continue;
            std::vector<std::string> principals, types;
            s << "SELECT principal_id, principal_type FROM access_grants WHERE resource_type = $1 AND resource_id = $2 "
                 "AND granted_by = $3",
                use(t), use(r), use(granter), into(principals), into(types), now;
            s << "DELETE FROM access_grants WHERE resource_type = $1 AND resource_id = $2 AND granted_by = $3", use(t),
                use(r), use(granter), now;
            cascaded += principals.size();
            for (std::size_t i = 0; i < principals.size(); ++i) {
                if (types[i] == "user") revoked.push_back(principals[i]);
            }
        }
        recordRevoke();
    });
    invalidate();
    return true;
}

void AccessService::forgetResource(Poco::Data::Session& s, const std::string& resourceType, const std::string& resourceId) {
    std::string t = resourceType, r = resourceId;
    s << "DELETE FROM access_grants WHERE resource_type = $1 AND resource_id = $2", use(t), use(r), now;
    // Before the caller's commit: a decision cached in between still names the resource,
    // whose own lookup then finds nothing (404), so nothing is served from it.
    invalidate();
}

// ---- teams ---------------------------------------------------------------------------

std::optional<Team> AccessService::team(const std::string& rawId) const {
    std::string id = sdk::text::canonicalUuid(rawId);
    if (id.empty()) return std::nullopt;
    std::optional<Team> out;
    db_.withSession([&](Poco::Data::Session& s) {
        out.reset();
        std::vector<std::string> names;
        std::vector<Poco::Int64> created;
        s << "SELECT name, created_at FROM teams WHERE id = $1", use(id), into(names), into(created), now;
        if (names.empty()) return;
        Team t;
        t.id = id;
        t.name = names[0];
        t.createdAt = created[0];
        std::vector<std::string> users, usernames, roles;
        std::vector<Poco::Int64> added;
        s << "SELECT CAST(m.user_id AS TEXT), u.username, m.role, m.added_at FROM team_members m JOIN users u ON u.id = "
             "m.user_id WHERE m.team_id = $1 ORDER BY u.username",
            use(id), into(users), into(usernames), into(roles), into(added), now;
        for (std::size_t i = 0; i < users.size(); ++i) t.members.push_back({users[i], usernames[i], roles[i], added[i]});
        out = t;
    });
    return out;
}

std::optional<Team> AccessService::teamByName(const std::string& name) const {
    std::vector<std::string> ids;
    std::string n = name;
    db_.withSession([&](Poco::Data::Session& s) {
        ids.clear();
        s << "SELECT CAST(id AS TEXT) FROM teams WHERE name = $1", use(n), into(ids), now;
    });
    if (ids.empty()) return std::nullopt;
    return team(ids[0]);
}

std::vector<Team> AccessService::teamsOf(const std::string& userId) const {
    std::vector<std::string> ids;
    std::string u = userId;
    db_.withSession([&](Poco::Data::Session& s) {
        ids.clear();
        s << "SELECT CAST(t.id AS TEXT) FROM teams t JOIN team_members m ON m.team_id = t.id WHERE m.user_id = $1 "
             "ORDER BY t.name",
            use(u), into(ids), now;
    });
    std::vector<Team> out;
    for (const auto& id : ids) {
        if (auto t = team(id)) out.push_back(*t);
    }
    return out;
}

std::vector<Team> AccessService::allTeams() const {
    std::vector<std::string> ids;
    db_.withSession([&](Poco::Data::Session& s) {
        ids.clear();
        s << "SELECT CAST(id AS TEXT) FROM teams ORDER BY name", into(ids), now;
    });
    std::vector<Team> out;
    for (const auto& id : ids) {
        if (auto t = team(id)) out.push_back(*t);
    }
    return out;
}

Team AccessService::createTeam(const std::string& creatorId, const std::string& name) {
    Team t;
    t.id = sdk::text::newUuid();
    t.name = name;
    t.createdAt = clock_.nowMicros();
    std::string creator = creatorId, admin = "admin";
    try {
        db_.withTransaction([&](Poco::Data::Session& s) {
            s << "INSERT INTO teams (id, name, created_by, created_at) VALUES ($1, $2, $3, $4)", use(t.id), use(t.name),
                use(creator), use(t.createdAt), now;
            s << "INSERT INTO team_members (team_id, user_id, role, added_at) VALUES ($1, $2, $3, $4)", use(t.id),
                use(creator), use(admin), use(t.createdAt), now;
            recordTeam(s, "team.created", creatorId, t.id, t.name, nullptr);
        });
    } catch (const sdk::Error&) {
        throw;
    } catch (const std::exception& e) {
        if (db_.isUniqueViolation(e)) throw sdk::Conflict("A team named '" + name + "' already exists", "team_exists");
        throw;
    }
    return *team(t.id);
}

void AccessService::renameTeam(const std::string& actorId, const std::string& id, const std::string& name) {
    std::string i = id, n = name;
    try {
        db_.withTransaction([&](Poco::Data::Session& s) {
            std::string previous = teamNameIn(s, i);
            s << "UPDATE teams SET name = $1 WHERE id = $2", use(n), use(i), now;
            if (previous != name) {
                auto details = sdk::json::object();
                details->set("previous_name", previous);
                recordTeam(s, "team.renamed", actorId, i, name, details);
            }
        });
    } catch (const sdk::Error&) {
        throw;
    } catch (const std::exception& e) {
        if (db_.isUniqueViolation(e)) throw sdk::Conflict("A team named '" + name + "' already exists", "team_exists");
        throw;
    }
    invalidate();
}

void AccessService::deleteTeam(const std::string& actorId, const std::string& id) {
    std::string i = id, type = "team";
    db_.withTransaction([&](Poco::Data::Session& s) {
        recordTeam(s, "team.deleted", actorId, i, teamNameIn(s, i), nullptr);
        s << "DELETE FROM access_grants WHERE principal_type = $1 AND principal_id = $2", use(type), use(i), now;
        s << "DELETE FROM team_members WHERE team_id = $1", use(i), now;
        s << "DELETE FROM teams WHERE id = $1", use(i), now;
    });
    invalidate();
}

void AccessService::setMember(const std::string& actorId, const std::string& teamId, const std::string& userId,
                              const std::string& role) {
    std::string t = teamId, u = userId, r = role;
    int64_t at = clock_.nowMicros();
    const auto user = auth_.findUserById(userId);
    db_.withTransaction([&](Poco::Data::Session& s) {
        std::vector<std::string> current;
        s << "SELECT role FROM team_members WHERE team_id = $1 AND user_id = $2", use(t), use(u),
            into(current), now;
        if (!current.empty() && current[0] == "admin" && role != "admin") {
            int admins = 0;
            s << "SELECT COUNT(*) FROM team_members WHERE team_id = $1 AND role = 'admin'", use(t), into(admins), now;
            if (admins <= 1) throw sdk::Conflict("The last admin of a team cannot be demoted", "last_team_admin");
        }
        if (current.empty()) {
            s << "INSERT INTO team_members (team_id, user_id, role, added_at) VALUES ($1, $2, $3, $4)", use(t), use(u), use(r),
                use(at), now;
            recordTeam(s, "team.member_added", actorId, t, teamNameIn(s, t), memberDetails(u, user, r));
        } else {
            s << "UPDATE team_members SET role = $1 WHERE team_id = $2 AND user_id = $3", use(r),
                use(t), use(u), now;
            if (current[0] != role) {
                auto details = memberDetails(u, user, r);
                details->set("previous_role", current[0]);
                recordTeam(s, "team.member_role_changed", actorId, t, teamNameIn(s, t), details);
            }
        }
    });
    invalidate();
}

void AccessService::removeMember(const std::string& actorId, const std::string& teamId, const std::string& userId) {
    std::string t = teamId, u = userId;
    const auto user = auth_.findUserById(userId);
    db_.withTransaction([&](Poco::Data::Session& s) {
        std::vector<std::string> current;
        s << "SELECT role FROM team_members WHERE team_id = $1 AND user_id = $2", use(t), use(u),
            into(current), now;
        if (current.empty()) throw sdk::NotFound("Not a member of this team", "member_not_found");
        if (current[0] == "admin") {
            int admins = 0;
            s << "SELECT COUNT(*) FROM team_members WHERE team_id = $1 AND role = 'admin'", use(t), into(admins), now;
            if (admins <= 1) {
                throw sdk::Conflict("The last admin cannot leave the team; make someone else admin or delete the team",
                                    "last_team_admin");
            }
        }
        s << "DELETE FROM team_members WHERE team_id = $1 AND user_id = $2", use(t), use(u), now;
        recordTeam(s, actorId == userId ? "team.member_left" : "team.member_removed", actorId, t, teamNameIn(s, t),
                   memberDetails(u, user, current[0]));
    });
    invalidate();
}

}  // namespace hub::core
