// Workspaces of the access model: a workspace's account owns what is created in it, and
// members (users, or teams with every member) hold roles that give bits on all of it.
#include <algorithm>

#include <Poco/Data/Session.h>
#include <Poco/Nullable.h>

#include "access/AccessService.h"
#include "hub/sdk/Error.h"
#include "hub/sdk/Json.h"
#include "hub/sdk/Text.h"
#include "hub/sdk/services/IActivity.h"

using namespace Poco::Data::Keywords;

namespace hub::core {

uint32_t workspaceRoleBits(const std::string& role) {
    using namespace sdk::access;
    if (role == "owner" || role == "admin") return kAll;
    if (role == "editor") return kView | kUse | kEdit | kReshare;
    if (role == "viewer") return kView | kUse;
    return 0;
}

int workspaceRoleRank(const std::string& role) {
    if (role == "owner") return 4;
    if (role == "admin") return 3;
    if (role == "editor") return 2;
    if (role == "viewer") return 1;
    return 0;
}

const WorkspaceMember* Workspace::member(const std::string& memberType, const std::string& memberId) const {
    for (const auto& m : members) {
        if (m.type == memberType && m.id == memberId) return &m;
    }
    return nullptr;
}

int Workspace::owners() const {
    return static_cast<int>(std::count_if(members.begin(), members.end(), [](const WorkspaceMember& m) { return m.role == "owner"; }));
}

Workspace AccessService::createWorkspace(const std::string& creatorId, const std::string& name) {
    Workspace w;
    w.id = sdk::text::newUuid();
    w.name = name;
    w.accountId = sdk::text::newUuid();
    w.createdAt = clock_.nowMicros();
    // The account's name cannot be registered (':' is refused in usernames) and its password
    // hash ("!") matches no password; sign-in refuses workspace accounts outright anyway.
    std::string username = "workspace:" + w.id, noPassword = "!", settings = "{}", owner = "owner", user = "user";
    std::string creator = creatorId;
    int64_t seconds = w.createdAt / 1000000 * 1000000;
    try {
        db_.withTransaction([&](Poco::Data::Session& s) {
            std::vector<std::string> taken;
            s << "SELECT CAST(id AS TEXT) FROM workspaces WHERE name = $1 AND deleted_at IS NULL", use(w.name), into(taken),
                now;
            if (!taken.empty()) throw sdk::Conflict("A workspace named '" + name + "' already exists", "workspace_exists");
            s << "INSERT INTO users (id, username, email, hashed_password, role, settings, created_at, updated_at, "
                 "password_changed_at, is_workspace) VALUES ($1, $2, NULL, $3, $4, $5, $6, $7, $8, 1)",
                use(w.accountId), use(username), use(noPassword), use(user), use(settings), use(seconds), use(seconds),
                use(seconds), now;
            s << "INSERT INTO workspaces (id, name, account_id, created_by, created_at) VALUES ($1, $2, $3, $4, $5)",
                use(w.id), use(w.name), use(w.accountId), use(creator), use(w.createdAt), now;
            s << "INSERT INTO workspace_members (workspace_id, member_type, member_id, role, added_at) VALUES "
                 "($1, $2, $3, $4, $5)",
                use(w.id), use(user), use(creator), use(owner), use(w.createdAt), now;
            recordWorkspace(s, "workspace.created", creatorId, w.id, nullptr);
        });
    } catch (const sdk::Error&) {
        throw;
    } catch (const std::exception& e) {
        if (db_.isUniqueViolation(e)) throw sdk::Conflict("A workspace named '" + name + "' already exists", "workspace_exists");
        throw;
    }
    invalidate();
    return *workspace(w.id);
}

std::optional<Workspace> AccessService::workspace(const std::string& rawId, bool includeDeleted) const {
    std::string id = sdk::text::canonicalUuid(rawId);
    if (id.empty()) return std::nullopt;
    std::optional<Workspace> out;
    db_.withSession([&](Poco::Data::Session& s) {
        out.reset();
        std::vector<std::string> names, accounts;
        std::vector<Poco::Int64> created, deleted;
        s << "SELECT name, CAST(account_id AS TEXT), created_at, COALESCE(deleted_at, 0) FROM workspaces WHERE id = $1",
            use(id), into(names), into(accounts), into(created), into(deleted), now;
        if (names.empty() || (deleted[0] != 0 && !includeDeleted)) return;
        Workspace w;
        w.id = id;
        w.name = names[0];
        w.accountId = accounts[0];
        w.createdAt = created[0];
        w.deletedAt = deleted[0];
        std::vector<std::string> types, ids, roles, userNames, teamNames;
        std::vector<Poco::Int64> added;
        s << "SELECT m.member_type, m.member_id, m.role, m.added_at, COALESCE(u.username, ''), COALESCE(t.name, '') "
             "FROM workspace_members m LEFT JOIN users u ON m.member_type = 'user' AND CAST(u.id AS TEXT) = m.member_id "
             "LEFT JOIN teams t ON m.member_type = 'team' AND CAST(t.id AS TEXT) = m.member_id "
             "WHERE m.workspace_id = $1 ORDER BY m.member_type DESC, 5, 6",
            use(id), into(types), into(ids), into(roles), into(added), into(userNames), into(teamNames), now;
        for (std::size_t i = 0; i < types.size(); ++i) {
            w.members.push_back({types[i], ids[i], types[i] == "user" ? userNames[i] : teamNames[i], roles[i], added[i]});
        }
        out = w;
    });
    return out;
}

std::optional<Workspace> AccessService::workspaceByName(const std::string& name) const {
    std::vector<std::string> ids;
    std::string n = name;
    db_.withSession([&](Poco::Data::Session& s) {
        ids.clear();
        s << "SELECT CAST(id AS TEXT) FROM workspaces WHERE name = $1 AND deleted_at IS NULL", use(n), into(ids), now;
    });
    if (ids.empty()) return std::nullopt;
    return workspace(ids[0]);
}

std::optional<std::string> AccessService::workspaceOfAccount(const std::string& accountId) const {
    if (accountId.empty()) return std::nullopt;
    // An account is a workspace's or a person's for good: the answer is remembered on this
    // node (one entry per owner seen); whether the workspace is live is checked by its caller.
    {
        std::shared_lock<std::shared_mutex> lock(accountsMutex_);
        if (auto it = accountWorkspace_.find(accountId); it != accountWorkspace_.end()) {
            if (it->second.empty()) return std::nullopt;
            return it->second;
        }
    }
    std::string a = sdk::text::canonicalUuid(accountId);
    std::vector<std::string> ids;
    if (!a.empty()) {
        db_.withSession([&](Poco::Data::Session& s) {
            ids.clear();
            s << "SELECT CAST(id AS TEXT) FROM workspaces WHERE account_id = $1", use(a), into(ids), now;
        });
    }
    std::unique_lock<std::shared_mutex> lock(accountsMutex_);
    accountWorkspace_[accountId] = ids.empty() ? std::string() : ids[0];
    if (ids.empty()) return std::nullopt;
    return ids[0];
}

std::string AccessService::workspaceRole(const std::string& workspaceId, const std::string& userId) const {
    std::vector<std::string> roles;
    std::string w = workspaceId, u = userId;
    db_.withSession([&](Poco::Data::Session& s) {
        roles.clear();
        s << "SELECT m.role FROM workspace_members m JOIN workspaces w ON w.id = m.workspace_id "
             "WHERE CAST(m.workspace_id AS TEXT) = $1 AND w.deleted_at IS NULL AND ((m.member_type = 'user' AND "
             "m.member_id = $2) OR (m.member_type = 'team' AND m.member_id IN "
             "(SELECT CAST(team_id AS TEXT) FROM team_members WHERE CAST(user_id AS TEXT) = $3)))",
            use(w), use(u), use(u), into(roles), now;
    });
    std::string best;
    for (const auto& r : roles) {
        if (workspaceRoleRank(r) > workspaceRoleRank(best)) best = r;
    }
    return best;
}

std::vector<Workspace> AccessService::workspacesOf(const std::string& userId) const {
    std::vector<std::string> ids;
    std::string u = userId;
    db_.withSession([&](Poco::Data::Session& s) {
        ids.clear();
        s << "SELECT DISTINCT CAST(w.id AS TEXT), w.name FROM workspaces w JOIN workspace_members m ON m.workspace_id = w.id "
             "WHERE w.deleted_at IS NULL AND ((m.member_type = 'user' AND m.member_id = $1) OR (m.member_type = 'team' AND "
             "m.member_id IN (SELECT CAST(team_id AS TEXT) FROM team_members WHERE CAST(user_id AS TEXT) = $2))) "
             "ORDER BY w.name",
            use(u), use(u), into(ids), now;
    });
    std::vector<Workspace> out;
    for (const auto& id : ids) {
        if (auto w = workspace(id)) out.push_back(*w);
    }
    return out;
}

std::vector<Workspace> AccessService::allWorkspaces(bool includeDeleted) const {
    std::vector<std::string> ids;
    db_.withSession([&](Poco::Data::Session& s) {
        ids.clear();
        s << std::string("SELECT CAST(id AS TEXT) FROM workspaces ") + (includeDeleted ? "" : "WHERE deleted_at IS NULL ") +
                 "ORDER BY name, created_at",
            into(ids), now;
    });
    std::vector<Workspace> out;
    for (const auto& id : ids) {
        if (auto w = workspace(id, includeDeleted)) out.push_back(*w);
    }
    return out;
}

void AccessService::recordWorkspace(Poco::Data::Session& s, const std::string& action, const std::string& actorId,
                                    const std::string& workspaceId, Poco::JSON::Object::Ptr details) const {
    if (activity_ == nullptr) return;
    std::vector<std::string> names, accounts;
    std::string w = workspaceId;
    s << "SELECT name, CAST(account_id AS TEXT) FROM workspaces WHERE id = $1", use(w), into(names), into(accounts), now;
    if (names.empty()) return;
    sdk::ActivityEntry e;
    e.actorId = actorId;
    e.action = action;
    e.resourceType = "workspace";
    e.resourceId = workspaceId;
    e.resourceName = names[0];
    e.ownerId = accounts[0];
    e.workspaceId = workspaceId;
    e.details = details;
    activity_->record(s, e);
}

namespace {

Poco::JSON::Object::Ptr memberChange(const std::string& type, const std::string& id, const std::string& role) {
    auto d = sdk::json::object();
    d->set("member_type", type);
    d->set("member_id", id);
    d->set("role", role.empty() ? Poco::Dynamic::Var() : Poco::Dynamic::Var(role));
    return d;
}

}  // namespace

void AccessService::renameWorkspace(const std::string& actorId, const std::string& id, const std::string& name) {
    std::string i = id, n = name;
    try {
        db_.withTransaction([&](Poco::Data::Session& s) {
            std::vector<std::string> taken;
            s << "SELECT CAST(id AS TEXT) FROM workspaces WHERE name = $1 AND deleted_at IS NULL AND CAST(id AS TEXT) <> $2",
                use(n), use(i), into(taken), now;
            if (!taken.empty()) throw sdk::Conflict("A workspace named '" + name + "' already exists", "workspace_exists");
            s << "UPDATE workspaces SET name = $1 WHERE id = $2", use(n), use(i), now;
            auto d = sdk::json::object();
            d->set("name", name);
            recordWorkspace(s, "workspace.renamed", actorId, i, d);
        });
    } catch (const sdk::Error&) {
        throw;
    } catch (const std::exception& e) {
        if (db_.isUniqueViolation(e)) throw sdk::Conflict("A workspace named '" + name + "' already exists", "workspace_exists");
        throw;
    }
    invalidate();
}

void AccessService::deleteWorkspace(const std::string& actorId, const std::string& id) {
    std::string i = id, type = "workspace";
    int64_t at = clock_.nowMicros();
    db_.withTransaction([&](Poco::Data::Session& s) {
        s << "UPDATE workspaces SET deleted_at = $1 WHERE id = $2 AND deleted_at IS NULL", use(at), use(i), now;
        // Grants to the workspace end with it (its members' roles end by deleted_at).
        s << "DELETE FROM access_grants WHERE principal_type = $1 AND principal_id = $2", use(type), use(i), now;
        recordWorkspace(s, "workspace.deleted", actorId, i, nullptr);
    });
    invalidate();
}

void AccessService::restoreWorkspace(const std::string& actorId, const std::string& id) {
    auto w = workspace(id, true);
    if (!w) throw sdk::NotFound("Workspace not found", "workspace_not_found");
    if (w->deletedAt == 0) return;
    std::string i = w->id;
    try {
        db_.withTransaction([&](Poco::Data::Session& s) {
            s << "UPDATE workspaces SET deleted_at = NULL WHERE id = $1", use(i), now;
            recordWorkspace(s, "workspace.restored", actorId, i, nullptr);
        });
    } catch (const std::exception& e) {
        if (db_.isUniqueViolation(e)) {
            throw sdk::Conflict("Another workspace is now called '" + w->name + "'; rename it first", "workspace_exists");
        }
        throw;
    }
    invalidate();
}

void AccessService::setWorkspaceMember(const std::string& actorId, const std::string& workspaceId,
                                       const std::string& type, const std::string& id, const std::string& role) {
    std::string w = workspaceId, t = type, m = id, r = role;
    int64_t at = clock_.nowMicros();
    db_.withTransaction([&](Poco::Data::Session& s) {
        std::vector<std::string> current;
        s << "SELECT role FROM workspace_members WHERE workspace_id = $1 AND member_type = $2 AND member_id = $3", use(w),
            use(t), use(m), into(current), now;
        if (!current.empty() && current[0] == "owner" && role != "owner") {
            int owners = 0;
            s << "SELECT COUNT(*) FROM workspace_members WHERE workspace_id = $1 AND role = 'owner'", use(w), into(owners),
                now;
            if (owners <= 1) throw sdk::Conflict("The last owner of a workspace cannot be demoted", "last_workspace_owner");
        }
        if (current.empty()) {
            s << "INSERT INTO workspace_members (workspace_id, member_type, member_id, role, added_at) VALUES "
                 "($1, $2, $3, $4, $5)",
                use(w), use(t), use(m), use(r), use(at), now;
            recordWorkspace(s, "workspace.member_added", actorId, w, memberChange(t, m, r));
        } else if (current[0] != role) {
            s << "UPDATE workspace_members SET role = $1 WHERE workspace_id = $2 AND member_type = $3 AND member_id = $4",
                use(r), use(w), use(t), use(m), now;
            recordWorkspace(s, "workspace.member_role_changed", actorId, w, memberChange(t, m, r));
        }
    });
    invalidate();
}

void AccessService::removeWorkspaceMember(const std::string& actorId, const std::string& workspaceId,
                                          const std::string& type, const std::string& id) {
    std::string w = workspaceId, t = type, m = id;
    db_.withTransaction([&](Poco::Data::Session& s) {
        std::vector<std::string> current;
        s << "SELECT role FROM workspace_members WHERE workspace_id = $1 AND member_type = $2 AND member_id = $3", use(w),
            use(t), use(m), into(current), now;
        if (current.empty()) throw sdk::NotFound("Not a member of this workspace", "member_not_found");
        if (current[0] == "owner") {
            int owners = 0;
            s << "SELECT COUNT(*) FROM workspace_members WHERE workspace_id = $1 AND role = 'owner'", use(w), into(owners),
                now;
            if (owners <= 1) {
                throw sdk::Conflict("The last owner cannot leave the workspace; make someone else owner or delete it",
                                    "last_workspace_owner");
            }
        }
        s << "DELETE FROM workspace_members WHERE workspace_id = $1 AND member_type = $2 AND member_id = $3", use(w),
            use(t), use(m), now;
        recordWorkspace(s, type == "user" && id == actorId ? "workspace.member_left" : "workspace.member_removed", actorId,
                        w, memberChange(t, m, ""));
    });
    invalidate();
}

}  // namespace hub::core
