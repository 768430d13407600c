// Users, sessions and credentials: the core.auth.v1 service and everything the auth routes,
// the auth middleware and `hubd user` need.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "auth/JwtService.h"
#include "auth/LoginThrottle.h"
#include "auth/PasswordHasher.h"
#include "db/Database.h"
#include "hub/sdk/AuthContext.h"
#include "hub/sdk/services/IAuth.h"
#include "hub/sdk/services/IClock.h"
#include "util/TtlCache.h"

namespace hub::core {

struct UserRecord {
    std::string id;
    std::string username;
    std::string email;  ///< empty when none
    std::string hashedPassword;
    std::string role;
    std::string settingsJson;
    int64_t createdAt = 0;
    int64_t passwordChangedAt = 0;
};

struct AuthSettings {
    bool singleSession = false;
    bool registrationEnabled = true;
    int sessionCacheMs = 1000;
    bool basicEnabled = true;
    int basicCacheSeconds = 60;
    int passwordMinLength = 8;
    int passwordMaxLength = 1024;
};

class AuthService : public sdk::IAuth {
public:
    AuthService(Database& db, PasswordHasher& hasher, JwtService& jwt, LoginThrottle& throttle,
                const sdk::IClock& clock, AuthSettings settings);

    // ---- users
    /// Throws Conflict ("Username or email already registered") and ValidationError.
    UserRecord createUser(const std::string& username, const std::string& email,
                          const std::string& password, const std::string& role);
    std::optional<UserRecord> userByName(const std::string& username) const;
    std::optional<UserRecord> userById(const std::string& id) const;
    std::vector<UserRecord> listUsers() const;
    /// Sets a new password and revokes every session of the user.
    void setPassword(const std::string& userId, const std::string& password);
    void setRole(const std::string& userId, const std::string& role);
    /// Creates `username` as admin if it does not exist (HubGPT's API_USERNAME/API_PASSWORD).
    bool ensureBootstrapAdmin(const std::string& username, const std::string& password);
    /// Throws TooManyRequests when `ip` registered too many accounts in the throttle window.
    void checkRegistrationRate(const std::string& ip);
    /// Password policy check; returns an error message or empty.
    std::string passwordProblem(const std::string& password) const;

    // ---- sessions
    /// Verifies credentials (throttled) and issues a token. Throws Unauthorized/TooManyRequests.
    std::string login(const std::string& username, const std::string& password,
                      const std::string& ip, const std::string& userAgent);
    /// Issues a token for an already authenticated user.
    std::string issueSession(const UserRecord& user, const std::string& ip,
                             const std::string& userAgent);
    /// Revokes one session (the caller's token).
    void revokeSession(const std::string& sessionId);
    void revokeAllSessions(const std::string& userId);

    // ---- request authentication (HubGPT's 401 messages)
    sdk::AuthContext authenticateBearer(const std::string& token);
    sdk::AuthContext authenticateBasic(const std::string& credentialsBase64, const std::string& ip);
    /// Parses an Authorization header value; nullopt when the scheme is not Bearer/Basic.
    std::optional<sdk::AuthContext> authenticateHeader(const std::string& headerValue,
                                                       const std::string& ip);

    // ---- sdk::IAuth
    std::optional<sdk::UserInfo> findUserById(const std::string& id) const override;
    std::optional<sdk::UserInfo> findUserByName(const std::string& username) const override;

    const AuthSettings& settings() const { return settings_; }
    static std::string tokenHash(const std::string& token);

private:
    struct CachedSession {
        sdk::AuthContext auth;
        int64_t expiresAt = 0;
    };
    struct CachedBasic {
        sdk::AuthContext auth;
        std::string hashedPassword;
    };
    /// Throttle check, password verification (or equal-cost dummy work for unknown users),
    /// failure accounting. Throws TooManyRequests or Unauthorized(`failureMessage`).
    PasswordHasher::Verdict checkPassword(const std::string& username, const std::string& password,
                                          const std::string& ip, const UserRecord* user,
                                          const std::string& failureMessage);
    std::optional<UserRecord> queryUser(const std::string& where, const std::string& value) const;

    Database& db_;
    PasswordHasher& hasher_;
    JwtService& jwt_;
    LoginThrottle& throttle_;
    const sdk::IClock& clock_;
    AuthSettings settings_;
    std::string basicCacheKey_;
    TtlCache<CachedSession> sessionCache_;
    TtlCache<CachedBasic> basicCache_;
    mutable TtlCache<UserRecord> userCache_;
};

}  // namespace hub::core
