// core.events.v1: in-process publish/subscribe (file.created, user.registered, ...).
#pragma once

#include <string>

#include <Poco/JSON/Object.h>

#include "hub/sdk/Export.h"

namespace hub {
namespace sdk {
inline namespace v1 {

/**
 * Handlers registered with Registrar::subscribe run synchronously on the publishing thread,
 * after the publisher's transaction committed. A throwing handler is logged and skipped.
 * Thread-safe.
 */
class HUB_SDK_API IEventBus {
public:
    static constexpr const char* kServiceId = "core.events.v1";
    virtual ~IEventBus();

    virtual void publish(const std::string& topic, const Poco::JSON::Object::Ptr& payload) = 0;
};

}  // namespace v1
}  // namespace sdk
}  // namespace hub
