// core.access.v1: one access model for every shareable resource. Plugins describe their
// resource types; the core keeps the grants (resource, principal, permission bits, expiry,
// granter), expands a user into the principals they act as (themselves and their teams), and
// answers "may this user do this?" and "why?".
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <Poco/Data/Session.h>

#include "hub/sdk/Export.h"

namespace hub {
namespace sdk {
inline namespace v1 {

/// Permission bits of a grant, and the presets the API names as roles.
namespace access {
constexpr uint32_t kView = 1;      ///< see it
constexpr uint32_t kUse = 2;       ///< chat with an advisor, call a tool
constexpr uint32_t kEdit = 4;      ///< change it
constexpr uint32_t kReshare = 8;   ///< grant to others what one holds
constexpr uint32_t kManage = 16;   ///< change or revoke anyone's grants on it
constexpr uint32_t kAll = kView | kUse | kEdit | kReshare | kManage;
constexpr uint32_t kViewer = kView;
constexpr uint32_t kUser = kView | kUse;
constexpr uint32_t kEditor = kView | kUse | kEdit;
constexpr uint32_t kOwner = kAll;

/// "view", "use", "edit" ("write" is accepted as its alias), "reshare", "manage"; 0 when unknown.
HUB_SDK_API uint32_t bitNamed(const std::string& name);
/// The bits in API order.
HUB_SDK_API std::vector<std::string> bitNames(uint32_t bits);
/// "viewer", "user", "editor", "owner"; 0 when unknown.
HUB_SDK_API uint32_t roleBits(const std::string& role);
}  // namespace access

/// Who a grant is for: a user, or a team (every member, for as long as they are one).
struct AccessPrincipal {
    std::string type;  ///< "user" or "team"
    std::string id;
};

struct AccessGrant {
    std::string id;
    std::string resourceType;
    std::string resourceId;
    AccessPrincipal principal;
    uint32_t permissions = 0;
    int64_t expiresAt = 0;  ///< microseconds since the epoch; 0 = never
    std::string grantedBy;  ///< user id
    int64_t createdAt = 0;
};

/// What a plugin tells the access model about one of its resources.
struct AccessResource {
    std::string ownerId;  ///< the user who owns it (has every bit)
    std::string name;     ///< shown in share lists and explanations
};

/// A resource type a plugin makes shareable.
struct AccessResourceType {
    std::string name;            ///< "advisor", "file", ...
    uint32_t permissions = 0;    ///< the bits that mean something for it; others are refused
    /// The resource with this id, or nullopt when it does not exist. Thread-safe.
    std::function<std::optional<AccessResource>(const std::string& id)> describe;
};

/// The outcome of a check: whether the user may see the resource and with which bits.
struct AccessDecision {
    bool visible = false;   ///< owner, or at least one live grant
    bool owner = false;
    uint32_t permissions = 0;
    std::vector<AccessGrant> via;  ///< the live grants that give the bits (empty for the owner)
    std::optional<AccessResource> resource;

    bool allows(uint32_t bits) const { return (permissions & bits) == bits; }
};

/// A request to grant (or change a grant); checked against the granter's own rights.
struct AccessGrantRequest {
    std::string resourceType;
    std::string resourceId;
    AccessPrincipal principal;
    uint32_t permissions = 0;
    int64_t expiresAt = 0;
};

/**
 * Rules: private by default; the owner holds every bit; nobody grants bits they do not hold
 * (and only holders of `reshare` or `manage` grant at all); a reshare never outlives the
 * resharer's own grant; revoking a user's grant also revokes what they granted further;
 * expired grants, removal from a team and deletion of the resource count on the next check.
 * Callers map decisions to HTTP: invisible → 404, visible but not allowed → 403 (require()
 * does that). Thread-safe.
 */
class HUB_SDK_API IAccess {
public:
    static constexpr const char* kServiceId = "core.access.v1";
    virtual ~IAccess();

    /// Makes a resource type shareable. Call in start(); a duplicate name throws.
    virtual void addResourceType(AccessResourceType type) = 0;
    /// Call in stop(): `describe` must not be called once the plugin is gone.
    virtual void removeResourceType(const std::string& name) = 0;

    virtual AccessDecision check(const std::string& userId, const std::string& resourceType,
                                 const std::string& resourceId) const = 0;
    /// check() that throws sdk::NotFound (`notFoundMessage`) when the resource is invisible to
    /// the user and sdk::Forbidden when it is visible without `bits`.
    virtual AccessDecision require(const std::string& userId, const std::string& resourceType,
                                   const std::string& resourceId, uint32_t bits,
                                   const std::string& notFoundMessage) const = 0;
    /// Ids of the resources of `resourceType` others shared with the user (live grants to the
    /// user or their teams) with the union of bits, in no particular order.
    virtual std::vector<std::pair<std::string, uint32_t>> sharedWith(const std::string& userId,
                                                                     const std::string& resourceType) const = 0;

    /// Creates or updates the grant of `request.principal` on the resource, as `actorId`.
    /// Throws NotFound, Forbidden or ValidationError by the rules above.
    virtual AccessGrant grant(const std::string& actorId, const AccessGrantRequest& request) = 0;
    /// Revokes a grant (and what its user granted further), as `actorId`; false when there
    /// is no such grant the actor may see.
    virtual bool revoke(const std::string& actorId, const std::string& grantId) = 0;
    /// Live grants on a resource (for those who may manage it).
    virtual std::vector<AccessGrant> grantsOn(const std::string& resourceType, const std::string& resourceId) const = 0;

    /// In the caller's transaction: drops every grant on a resource being deleted.
    virtual void forgetResource(Poco::Data::Session& session, const std::string& resourceType,
                                const std::string& resourceId) = 0;

    // 1.2
    /// Live grants on any of `resourceIds` of one type (a plugin's "my shares" list), without
    /// one query per resource.
    virtual std::vector<AccessGrant> grantsOnEach(const std::string& resourceType,
                                                  const std::vector<std::string>& resourceIds) const = 0;
    /// Live grants that reach the user (to them or to one of their teams) on resources of
    /// `resourceType`, oldest first: what sharedWith() sums up, with expiry and granter.
    virtual std::vector<AccessGrant> grantsTo(const std::string& userId, const std::string& resourceType) const = 0;
    /// The workspace whose account `ownerId` is (the owner of everything made in a workspace),
    /// or nullopt when a person owns it: for a plugin's activity entries and answers.
    virtual std::optional<std::string> workspaceOwning(const std::string& ownerId) const = 0;
};

}  // namespace v1
}  // namespace sdk
}  // namespace hub
