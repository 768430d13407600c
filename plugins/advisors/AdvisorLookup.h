// advisors.lookup.v1: how other plugins (chat) read a user's advisor without touching its table.
#pragma once

#include <optional>
#include <string>

#include <Poco/JSON/Object.h>

namespace hub::plugins::advisors {

/**
 * Provided by the advisors plugin in registerComponents(); usable once it has started
 * (declare `requires: [advisors]`). Default visibility (plugins are built hidden) so its
 * typeinfo is one symbol across libraries; the destructor is defined out of line in
 * AdvisorsPlugin.cpp, which makes hub_advisors the one home of the vtable.
 * Thread-safe.
 */
class __attribute__((visibility("default"))) IAdvisorLookup {
public:
    static constexpr const char* kServiceId = "advisors.lookup.v1";
    virtual ~IAdvisorLookup();

    /// The Advisor object of contract §4.1 (same keys and order as the routes answer) when
    /// `advisorId` names an advisor owned by `userId` or shared with them with `use`
    /// (core.access.v1); sdk::Forbidden when it is shared with them without `use`; nullopt
    /// otherwise (including ids that are not UUIDs). Throws sdk::Unavailable before the plugin
    /// has started.
    virtual std::optional<Poco::JSON::Object::Ptr> find(const std::string& userId,
                                                        const std::string& advisorId) const = 0;
    /// The id of the user's advisor named `name` (exact match), for importers.
    virtual std::optional<std::string> findIdByName(const std::string& userId, const std::string& name) const = 0;
};

}  // namespace hub::plugins::advisors
