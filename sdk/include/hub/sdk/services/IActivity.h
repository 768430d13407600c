// core.activity.v1: one activity store for every plugin. A plugin records what a user did to
// a resource ("advisor.updated", "share.granted", ...); the core keeps the entries, shows each
// reader the entries about resources they may see now (GET /api/v1/activity) and drops entries
// older than activity.retention_days.
#pragma once

#include <optional>
#include <string>

#include <Poco/Data/Session.h>
#include <Poco/JSON/Object.h>

#include "hub/sdk/Export.h"

namespace hub {
namespace sdk {
inline namespace v1 {

/**
 * One thing that happened to one resource. The layout is frozen for SDK 1.x: anything more a
 * plugin wants to say goes into `details`.
 *
 * Who reads it: the resource's owner always (also after the resource is gone); anyone else
 * only while core.access.v1 lets them view the resource, so record entries under the same
 * `resourceType` you registered with core.access.v1 (types not registered there are seen by
 * their owner alone).
 */
struct ActivityEntry {
    std::string actorId;       ///< the user who did it; empty = Hub itself (expiry, a sweep)
    /// "<resource type>.<verb>" in lower case, e.g. "advisor.updated": 1-64 characters of
    /// [a-z0-9_], dot-separated, at least two parts. Readers filter on its dotted prefixes.
    std::string action;
    std::string resourceType;  ///< as registered with core.access.v1: "advisor", "file", ...
    std::string resourceId;    ///< 1-1024 bytes
    std::string resourceName;  ///< the name at the time (kept when it is renamed or deleted later)
    std::string ownerId;       ///< the user who owns the resource; empty when it has none (teams)
    std::optional<std::string> workspaceId;  ///< the workspace it belongs to (workspaces are coming)
    /// A JSON object with what else matters (changed fields, a grant's principal, ...); null
    /// means {}. Never put secrets or content in it: sharees of the resource read it.
    Poco::JSON::Object::Ptr details;
};

/**
 * The time of an entry comes from core.clock.v1. Entries are append-only: there is no update,
 * and deletion is the core's retention sweep. Thread-safe.
 */
class HUB_SDK_API IActivity {
public:
    static constexpr const char* kServiceId = "core.activity.v1";
    virtual ~IActivity();

    /**
     * Records an entry inside the caller's transaction (the session given to
     * IDatabase::withTransaction), so it is committed or rolled back with the change it
     * describes. Returns the entry's id. Throws std::invalid_argument for an entry that breaks
     * the rules above (a bug in the caller, not a client error), and whatever the database
     * throws, which rolls the caller's transaction back.
     */
    virtual std::string record(Poco::Data::Session& session, const ActivityEntry& entry) = 0;
    /// Records an entry in a transaction of its own (for changes that are not in the database,
    /// or after the commit when losing the entry is acceptable). Returns the entry's id.
    virtual std::string record(const ActivityEntry& entry) = 0;
};

}  // namespace v1
}  // namespace sdk
}  // namespace hub
