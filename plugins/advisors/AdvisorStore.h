// The `advisors` table: one user's advisors, names unique per user, events after each commit.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "Advisor.h"
#include "AdvisorLookup.h"
#include "hub/sdk/services/IAccess.h"
#include "hub/sdk/services/IActivity.h"
#include "hub/sdk/services/IClock.h"
#include "hub/sdk/services/IDatabase.h"
#include "hub/sdk/services/IEventBus.h"

namespace hub::plugins::advisors {

/**
 * Created in registerComponents() (so it can be offered as advisors.lookup.v1 then) and
 * given its services by attach() in start(), before any request or dependent plugin runs;
 * after that it is thread-safe (state is read-only, the database does the locking).
 * Every query filters on the owner; advisors shared through core.access.v1 are reached by
 * the plugin with the owner's id once the access check has passed.
 */
class AdvisorStore : public IAdvisorLookup {
public:
    /// `activity` may be null (a hubd without core.activity.v1): changes are then not recorded.
    void attach(std::shared_ptr<sdk::IDatabase> db, std::shared_ptr<sdk::IClock> clock,
                std::shared_ptr<sdk::IEventBus> events, std::shared_ptr<sdk::IAccess> access,
                std::shared_ptr<sdk::IActivity> activity);

    /// The workspace whose account `ownerId` is (accounts show as role "workspace", named
    /// "workspace:<id>"), or nullopt for a person.
    std::optional<std::string> workspaceOfOwner(const std::string& ownerId) const;

    /// The owner's advisors, oldest first (HubGPT listed in insertion order).
    std::vector<Advisor> list(const std::string& userId) const;
    std::optional<Advisor> byId(const std::string& userId, const std::string& advisorId) const;
    /// Any owner's advisor (for the access model, which decides who may see it).
    std::optional<Advisor> byIdAnyOwner(const std::string& advisorId) const;
    bool nameTaken(const std::string& userId, const std::string& name) const;
    /// Inserts `input` for `userId` (a user, or a workspace's account); Conflict (409) when the
    /// owner already has that name. `actorId` is who does it (empty: the owner).
    Advisor create(const std::string& userId, const Advisor& input, const std::string& actorId = "");
    /// Replaces every field of the owner's advisor, keeping id and created_at; NotFound
    /// (404) when absent, Conflict (409) when renamed onto another advisor's name. `actorId`
    /// is who does it (the owner, or a sharee with edit), for the activity record.
    Advisor replace(const std::string& actorId, const std::string& userId, const std::string& advisorId,
                    const Advisor& input);
    /// Deletes the owner's advisor and publishes advisor.deleted (with `actor_id`, so the chat
    /// plugin can say who removed the conversations that go with it); NotFound (404) when
    /// absent. `actorId` is who does it (empty: the owner).
    void remove(const std::string& userId, const std::string& advisorId, const std::string& actorId = "");

    /// The user's own advisor, or one shared with them with the `use` permission (Forbidden
    /// when it is shared with them without it).
    std::optional<Poco::JSON::Object::Ptr> find(const std::string& userId,
                                                const std::string& advisorId) const override;
    std::optional<std::string> findIdByName(const std::string& userId, const std::string& name) const override;

private:
    sdk::IDatabase& db() const;
    void publish(const std::string& topic, const Advisor& a, const std::string& actorId = "") const;
    /// Records `action` on `a` in the caller's transaction, when core.activity.v1 is there.
    void record(Poco::Data::Session& s, const std::string& action, const std::string& actorId, const Advisor& a,
                const std::optional<std::string>& workspaceId, Poco::JSON::Object::Ptr details) const;

    std::shared_ptr<sdk::IDatabase> db_;
    std::shared_ptr<sdk::IClock> clock_;
    std::shared_ptr<sdk::IEventBus> events_;
    std::shared_ptr<sdk::IAccess> access_;
    std::shared_ptr<sdk::IActivity> activity_;
};

}  // namespace hub::plugins::advisors
