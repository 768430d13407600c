// The core's access model (core.access.v1) and teams: grants on any registered resource type
// for users and teams, checked on every request, with the rules in IAccess.h.
#pragma once

#include <atomic>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <shared_mutex>
#include <string>
#include <vector>

#include "db/Database.h"
#include "hub/sdk/services/IAccess.h"
#include "hub/sdk/services/IActivity.h"
#include "hub/sdk/services/IAuth.h"
#include "hub/sdk/services/IClock.h"
#include "util/TtlCache.h"

namespace hub::core {

struct TeamMember {
    std::string userId;
    std::string username;
    std::string role;  ///< "admin" or "member"
    int64_t addedAt = 0;
};

struct Team {
    std::string id;
    std::string name;
    int64_t createdAt = 0;
    std::vector<TeamMember> members;

    const TeamMember* member(const std::string& userId) const;
    int admins() const;
};

struct WorkspaceMember {
    std::string type;  ///< "user" or "team"
    std::string id;
    std::string name;  ///< username or team name
    std::string role;  ///< "owner", "admin", "editor" or "viewer"
    int64_t addedAt = 0;
};

/// A shared space: its account (a users row that never signs in) owns its files, advisors and
/// conversations; members' roles give them bits on all of it.
struct Workspace {
    std::string id;
    std::string name;
    std::string accountId;
    int64_t createdAt = 0;
    int64_t deletedAt = 0;  ///< 0 = live; a deleted workspace keeps its data for an admin to restore
    std::vector<WorkspaceMember> members;

    const WorkspaceMember* member(const std::string& memberType, const std::string& memberId) const;
    int owners() const;
};

/// Bits a workspace role gives on everything the workspace owns.
uint32_t workspaceRoleBits(const std::string& role);
/// 0..4 (none, viewer, editor, admin, owner), to pick the strongest of several memberships.
int workspaceRoleRank(const std::string& role);

class AccessService : public sdk::IAccess {
public:
    /// `cacheMs`: how long a decision may be reused on this node (0 = never). Any change of
    /// grants, teams or a resource's existence made through this node invalidates every
    /// cached decision at once; other nodes see it within `cacheMs`.
    AccessService(Database& db, const sdk::IAuth& auth, const sdk::IClock& clock, int cacheMs)
        : db_(db), auth_(auth), clock_(clock), decisions_(std::chrono::milliseconds(cacheMs), 100000) {}

    // core.access.v1
    void addResourceType(sdk::AccessResourceType type) override;
    sdk::AccessDecision check(const std::string& userId, const std::string& resourceType,
                              const std::string& resourceId) const override;
    sdk::AccessDecision require(const std::string& userId, const std::string& resourceType,
                                const std::string& resourceId, uint32_t bits,
                                const std::string& notFoundMessage) const override;
    std::vector<std::pair<std::string, uint32_t>> sharedWith(const std::string& userId,
                                                             const std::string& resourceType) const override;
    sdk::AccessGrant grant(const std::string& actorId, const sdk::AccessGrantRequest& request) override;
    bool revoke(const std::string& actorId, const std::string& grantId) override;
    std::vector<sdk::AccessGrant> grantsOn(const std::string& resourceType, const std::string& resourceId) const override;
    void forgetResource(Poco::Data::Session& session, const std::string& resourceType,
                        const std::string& resourceId) override;

    std::vector<sdk::AccessGrant> grantsOnEach(const std::string& resourceType,
                                               const std::vector<std::string>& resourceIds) const override;
    std::vector<sdk::AccessGrant> grantsTo(const std::string& userId, const std::string& resourceType) const override;
    std::optional<std::string> workspaceOwning(const std::string& ownerId) const override {
        return workspaceOfAccount(ownerId);
    }

    void removeResourceType(const std::string& name) override;
    /// Where grant and team changes are recorded (in their own transactions); null = nowhere.
    void setActivity(sdk::IActivity* activity) { activity_ = activity; }
    int64_t nowMicros() const { return clock_.nowMicros(); }
    bool knowsType(const std::string& name) const;
    /// The type's meaningful bits (0 when unknown).
    uint32_t typeBits(const std::string& name) const;
    std::optional<sdk::AccessGrant> grantById(const std::string& id) const;
    /// Live grants whose principal is the user or one of their teams (or workspaces), as far
    /// as they still give something, with the bits they give.
    std::vector<sdk::AccessGrant> grantsTo(const std::string& userId) const;
    std::optional<sdk::AccessResource> describe(const std::string& resourceType, const std::string& resourceId) const;

    // Teams.
    Team createTeam(const std::string& creatorId, const std::string& name);
    std::optional<Team> team(const std::string& id) const;
    std::optional<Team> teamByName(const std::string& name) const;
    std::vector<Team> teamsOf(const std::string& userId) const;
    std::vector<Team> allTeams() const;
    void renameTeam(const std::string& actorId, const std::string& id, const std::string& name);
    void deleteTeam(const std::string& actorId, const std::string& id);
    void setMember(const std::string& actorId, const std::string& teamId, const std::string& userId, const std::string& role);
    /// Removes a member; refuses (Conflict) to remove or demote the last admin.
    void removeMember(const std::string& actorId, const std::string& teamId, const std::string& userId);

    // Workspaces (Workspaces.cpp).
    Workspace createWorkspace(const std::string& creatorId, const std::string& name);
    /// A workspace by id; deleted ones only with `includeDeleted`.
    std::optional<Workspace> workspace(const std::string& id, bool includeDeleted = false) const;
    std::optional<Workspace> workspaceByName(const std::string& name) const;
    /// The live workspace whose account is `accountId`.
    std::optional<std::string> workspaceOfAccount(const std::string& accountId) const;
    /// Live workspaces the user belongs to (directly or through a team).
    std::vector<Workspace> workspacesOf(const std::string& userId) const;
    std::vector<Workspace> allWorkspaces(bool includeDeleted) const;
    /// The user's strongest role in the workspace ("" when none or the workspace is deleted).
    std::string workspaceRole(const std::string& workspaceId, const std::string& userId) const;
    void renameWorkspace(const std::string& actorId, const std::string& id, const std::string& name);
    /// Marks the workspace deleted: members lose access at once, the data stays for restore.
    void deleteWorkspace(const std::string& actorId, const std::string& id);
    void restoreWorkspace(const std::string& actorId, const std::string& id);
    /// Adds a member or changes their role. Refuses (Conflict) to demote the last owner.
    void setWorkspaceMember(const std::string& actorId, const std::string& workspaceId, const std::string& type,
                            const std::string& id, const std::string& role);
    /// Refuses (Conflict) to remove the last owner.
    void removeWorkspaceMember(const std::string& actorId, const std::string& workspaceId, const std::string& type,
                               const std::string& id);

private:
    struct CachedDecision {
        sdk::AccessDecision decision;
        int64_t validUntil = 0;  ///< the earliest expiry among its grants (0 = none)
    };
    /// `depth` counts the granters followed up a reshare chain (bounded, cycles included).
    sdk::AccessDecision computeCheck(const std::string& userId, const std::string& resourceType,
                                     const std::string& resourceId, int depth = 0) const;
    static constexpr int kMaxReshareDepth = 8;
    /// Narrows each grant to what its granter may still pass on (the owner's pass whole) and
    /// drops those that give nothing; returns the union of what is left.
    /// The grants among `grants` (all to the user) that the decision on their resource still
    /// counts, narrowed as it counts them; grants on unregistered types are left out.
    std::vector<sdk::AccessGrant> admitted(const std::string& userId, std::vector<sdk::AccessGrant> grants) const;
    uint32_t admitGrants(std::vector<sdk::AccessGrant>& grants, const std::string& ownerId,
                         const std::string& resourceType, const std::string& resourceId, const std::string& userId,
                         int depth) const;
    /// Makes every cached decision stale (after a committed change).
    void invalidate() { generation_.fetch_add(1); }
    /// Who the user acts as: "user:<id>", and with `teams` / `workspaces` their teams and the
    /// live workspaces they belong to (directly or through a team).
    std::set<std::string> principalsOf(const std::string& userId, bool teams, bool workspaces) const;
    /// Live grants on the resource that reach the user; with `workspaceId`, also those on that
    /// workspace (guest access to what it owns), fetched in the same query.
    std::vector<sdk::AccessGrant> liveGrants(const std::string& resourceType, const std::string& resourceId,
                                             const std::string& userId, const std::string& workspaceId = "") const;
    std::vector<sdk::AccessGrant> queryGrants(const std::string& where, const std::vector<std::string>& params) const;
    sdk::AccessResourceType typeOf(const std::string& name) const;
    /// The username or team name of a principal ("" when it is gone).
    std::string principalName(const sdk::AccessPrincipal& p) const;
    /// Records a share entry about `g` in the caller's transaction (when activity is set).
    void recordShare(Poco::Data::Session& s, const std::string& action, const std::string& actorId,
                     const sdk::AccessGrant& g, const std::optional<sdk::AccessResource>& resource,
                     const std::string& principalName, Poco::JSON::Object::Ptr details = nullptr) const;
    /// Records a team entry in the caller's transaction (when activity is set).
    /// A workspace's own event: owned by its account, so its members read it in its feed.
    void recordWorkspace(Poco::Data::Session& s, const std::string& action, const std::string& actorId,
                         const std::string& workspaceId, Poco::JSON::Object::Ptr details) const;
    void recordTeam(Poco::Data::Session& s, const std::string& action, const std::string& actorId,
                    const std::string& teamId, const std::string& teamName, Poco::JSON::Object::Ptr details) const;

    Database& db_;
    const sdk::IAuth& auth_;
    const sdk::IClock& clock_;
    mutable TtlCache<CachedDecision> decisions_;
    std::atomic<uint64_t> generation_{0};
    mutable std::shared_mutex accountsMutex_;
    mutable std::map<std::string, std::string> accountWorkspace_;  ///< account id → workspace id ("" = a person)
    mutable std::shared_mutex typesMutex_;
    std::map<std::string, sdk::AccessResourceType> types_;
    sdk::IActivity* activity_ = nullptr;
};

}  // namespace hub::core
