// core.auth.v1: user lookup for plugins (sharing by username, owners in responses).
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "hub/sdk/Export.h"

namespace hub {
namespace sdk {
inline namespace v1 {

/// Public facts about a user (never the password hash).
struct UserInfo {
    std::string id;
    std::string username;
    std::string email;
    std::string role;
    int64_t createdAt = 0;  ///< microseconds since epoch
};

/// Thread-safe.
class HUB_SDK_API IAuth {
public:
    static constexpr const char* kServiceId = "core.auth.v1";
    virtual ~IAuth();

    virtual std::optional<UserInfo> findUserById(const std::string& id) const = 0;
    virtual std::optional<UserInfo> findUserByName(const std::string& username) const = 0;
};

}  // namespace v1
}  // namespace sdk
}  // namespace hub
