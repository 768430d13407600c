// Who is calling: filled in by the core's auth middleware, read by handlers.
#pragma once

#include <string>

namespace hub {
namespace sdk {
inline namespace v1 {

/// The authenticated caller of one request. Immutable; lives as long as the request.
struct AuthContext {
    std::string userId;     ///< users.id (UUID text)
    std::string username;
    std::string role;       ///< "admin" or "user"
    std::string method;     ///< "bearer" or "basic"
    std::string sessionId;  ///< auth_sessions.id for bearer tokens, empty for basic

    bool isAdmin() const { return role == "admin"; }
};

}  // namespace v1
}  // namespace sdk
}  // namespace hub
