// The core's activity store (core.activity.v1): entries recorded by the core (shares, teams)
// and by plugins, the per-reader feed behind GET /api/v1/activity, and the retention sweep.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <Poco/Logger.h>

#include "access/AccessService.h"
#include "db/Database.h"
#include "hub/sdk/services/IActivity.h"
#include "hub/sdk/services/IClock.h"

namespace hub::core {

/// One stored entry as the feed returns it.
struct ActivityRecord {
    std::string id;
    int64_t at = 0;
    std::string actorId;  ///< empty = Hub itself
    std::string action;
    std::string resourceType;
    std::string resourceId;
    std::string resourceName;
    std::string ownerId;      ///< empty = the resource has no owner (teams)
    std::string workspaceId;  ///< empty = none
    std::string detailsJson;  ///< a JSON object as text
};

/// A position in the feed's order (at descending, then id descending).
struct ActivityCursor {
    int64_t at = 0;
    std::string id;
};

/// What a reader asks for; every field is already validated.
struct ActivityQuery {
    std::string readerId;
    std::optional<std::string> action;  ///< exact action or a dotted prefix of it
    std::optional<std::string> resourceType;
    std::optional<std::string> resourceId;
    std::optional<int64_t> since;  ///< inclusive, microseconds
    std::optional<int64_t> until;  ///< exclusive, microseconds
    std::size_t limit = 50;
    std::optional<ActivityCursor> after;
    /// Only entries about resources this account owns (a workspace's feed).
    std::optional<std::string> ownerId;
};

struct ActivityPage {
    std::vector<ActivityRecord> items;
    std::optional<ActivityCursor> next;  ///< where the next page starts; none = no more entries
};

class ActivityService : public sdk::IActivity {
public:
    ActivityService(Database& db, AccessService& access, const sdk::IClock& clock)
        : db_(db), access_(access), clock_(clock) {}
    ~ActivityService() override;

    // core.activity.v1
    std::string record(Poco::Data::Session& session, const sdk::ActivityEntry& entry) override;
    std::string record(const sdk::ActivityEntry& entry) override;

    /// The entries the reader may see now, newest first: about their own resources, what they
    /// did, resources shared with them and teams they are in; each entry about someone else's
    /// resource passes a view check (share entries need more, see visibleTo()).
    ActivityPage feed(const ActivityQuery& query) const;
    /// Whether the reader may ask for the history of one resource: they can view it now, are
    /// in the team, or owned it according to its recorded entries (deleted resources).
    bool canReadHistory(const std::string& readerId, const std::string& resourceType,
                        const std::string& resourceId) const;

    /// Deletes entries older than `retentionDays` (0 = keep forever); returns how many.
    int64_t prune(int retentionDays);
    /// Runs prune() every `interval` on a thread of its own until stopSweeper().
    void startSweeper(int retentionDays, std::chrono::seconds interval);
    void stopSweeper() noexcept;

private:
    /// The rows after `from` in feed order that may reach the reader (before the per-entry
    /// checks), at most `batch`.
    std::vector<ActivityRecord> candidates(const ActivityQuery& query, const std::optional<ActivityCursor>& from,
                                           std::size_t batch) const;
    std::vector<std::string> teamIdsOf(const std::string& userId) const;

    Database& db_;
    AccessService& access_;
    const sdk::IClock& clock_;

    std::mutex sweepMutex_;
    std::condition_variable sweepWake_;
    bool stopping_ = false;
    std::thread sweeper_;
};

}  // namespace hub::core
