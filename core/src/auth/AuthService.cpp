#include "auth/AuthService.h"

#include <algorithm>

#include <Poco/Data/Session.h>
#include <Poco/Nullable.h>
#include <Poco/Tuple.h>

#include "hub/sdk/Error.h"
#include "hub/sdk/Text.h"
#include "util/Crypto.h"

using namespace Poco::Data::Keywords;

namespace hub::core {
namespace {

using UserRow = Poco::Tuple<std::string, std::string, std::string, std::string, std::string,
                            std::string, Poco::Int64, Poco::Int64>;

constexpr const char* kUserColumns =
    // A workspace's account (users.is_workspace) shows as role "workspace": it owns the
    // workspace's resources and never signs in.
    "SELECT CAST(id AS TEXT), username, COALESCE(email, ''), hashed_password, "
    "CASE WHEN is_workspace = 1 THEN 'workspace' ELSE role END, "
    "CAST(settings AS TEXT), created_at, password_changed_at FROM users ";

UserRecord fromRow(const UserRow& r) {
    UserRecord u;
    u.id = r.get<0>();
    u.username = r.get<1>();
    u.email = r.get<2>();
    u.hashedPassword = r.get<3>();
    u.role = r.get<4>();
    u.settingsJson = r.get<5>();
    u.createdAt = r.get<6>();
    u.passwordChangedAt = r.get<7>();
    return u;
}

sdk::UserInfo toInfo(const UserRecord& u) {
    return sdk::UserInfo{u.id, u.username, u.email, u.role, u.createdAt};
}
}  // namespace

AuthService::AuthService(Database& db, PasswordHasher& hasher, JwtService& jwt,
                         LoginThrottle& throttle, const sdk::IClock& clock, AuthSettings settings)
    : db_(db),
      hasher_(hasher),
      jwt_(jwt),
      throttle_(throttle),
      clock_(clock),
      settings_(settings),
      basicCacheKey_(crypto::randomBytes(32)),
      sessionCache_(std::chrono::milliseconds(settings.sessionCacheMs), 100000),
      basicCache_(std::chrono::seconds(settings.basicCacheSeconds), 10000),
      userCache_(std::chrono::milliseconds(settings.sessionCacheMs), 10000) {}

std::string AuthService::tokenHash(const std::string& token) { return crypto::sha256Hex(token); }

void AuthService::checkRegistrationRate(const std::string& ip) {
    int wait = throttle_.reserveRegistration(ip);
    if (wait > 0) {
        throw sdk::TooManyRequests("Too many accounts registered from this address; try again later", wait,
                                   "registration_throttled");
    }
}

std::string AuthService::passwordProblem(const std::string& password) const {
    if (static_cast<int>(password.size()) < settings_.passwordMinLength) {
        return "Password must be at least " + std::to_string(settings_.passwordMinLength) + " characters";
    }
    if (static_cast<int>(password.size()) > settings_.passwordMaxLength) {
        return "Password must be at most " + std::to_string(settings_.passwordMaxLength) + " bytes";
    }
    if (password.find('\0') != std::string::npos) {
        return "Password must not contain NUL bytes";
    }
    return {};
}

std::optional<UserRecord> AuthService::queryUser(const std::string& where,
                                                 const std::string& value) const {
    std::vector<UserRow> rows;
    std::string v = value;
    db_.withSession([&](Poco::Data::Session& s) {
        rows.clear();
        s << std::string(kUserColumns) + where, use(v), into(rows), now;
    });
    if (rows.empty()) return std::nullopt;
    return fromRow(rows.front());
}

std::optional<UserRecord> AuthService::userByName(const std::string& username) const {
    return queryUser("WHERE username = $1", username);
}

std::optional<UserRecord> AuthService::userById(const std::string& id) const {
    std::string canonical = sdk::text::canonicalUuid(id);
    if (canonical.empty()) return std::nullopt;  // PostgreSQL would reject a malformed uuid
    // Hot path of every authenticated handler that shows the user: at most 1 s stale, like
    // the session cache.
    return userCache_.getOrLoad("id:" + canonical, [&] { return queryUser("WHERE id = $1", canonical); });
}

std::vector<UserRecord> AuthService::listUsers() const {
    std::vector<UserRow> rows;
    db_.withSession([&](Poco::Data::Session& s) {
        rows.clear();
        s << std::string(kUserColumns) + "WHERE is_workspace = 0 ORDER BY created_at, username", into(rows), now;
    });
    std::vector<UserRecord> out;
    for (const auto& r : rows) out.push_back(fromRow(r));
    return out;
}

UserRecord AuthService::createUser(const std::string& username, const std::string& email,
                                   const std::string& password, const std::string& role) {
    std::string problem = passwordProblem(password);
    if (!problem.empty()) throw sdk::ValidationError(problem, "weak_password");
    UserRecord u;
    u.id = crypto::uuid4();
    u.username = username;
    u.email = email;
    u.role = role;
    u.settingsJson = "{}";
    // Refuse a taken name or email before the (deliberately slow) hash, so a flood of
    // duplicate registrations cannot occupy the hashing slots; the insert still checks.
    {
        std::vector<std::string> taken;
        std::string n = username, e = email;
        db_.withSession([&](Poco::Data::Session& s) {
            taken.clear();
            s << "SELECT CAST(id AS TEXT) FROM users WHERE username = $1 OR (email IS NOT NULL AND email = $2)", use(n),
                use(e), into(taken), now;
        });
        if (!taken.empty()) throw sdk::BadRequest("Username or email already registered", "user_exists");
    }
    u.hashedPassword = hasher_.hash(password);
    u.createdAt = clock_.nowMicros() / 1000000 * 1000000;  // whole seconds, as HubGPT's DB default
    u.passwordChangedAt = u.createdAt;
    Poco::Nullable<std::string> emailValue;
    if (!email.empty()) emailValue = email;
    try {
        db_.withTransaction([&](Poco::Data::Session& s) {
            s << "INSERT INTO users (id, username, email, hashed_password, role, settings, "
                 "created_at, updated_at, password_changed_at) "
                 "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
                use(u.id), use(u.username), use(emailValue), use(u.hashedPassword), use(u.role),
                use(u.settingsJson), use(u.createdAt), use(u.createdAt), use(u.passwordChangedAt), now;
        });
    } catch (const sdk::Error&) {
        throw;
    } catch (const std::exception& e) {
        if (db_.isUniqueViolation(e)) {
            throw sdk::BadRequest("Username or email already registered", "user_exists");
        }
        throw;
    }
    return u;
}

void AuthService::setPassword(const std::string& userId, const std::string& password) {
    if (auto u = userById(userId); u && u->role == "workspace") {
        throw sdk::NotFound("User not found", "user_not_found");  // a workspace never signs in
    }
    std::string problem = passwordProblem(password);
    if (!problem.empty()) throw sdk::ValidationError(problem, "weak_password");
    std::string hash = hasher_.hash(password);
    int64_t at = clock_.nowMicros();
    std::string id = userId;
    db_.withTransaction([&](Poco::Data::Session& s) {
        s << "UPDATE users SET hashed_password = $1, password_changed_at = $2, updated_at = $3 "
             "WHERE id = $4",
            use(hash), use(at), use(at), use(id), now;
        s << "DELETE FROM auth_sessions WHERE user_id = $1", use(id), now;
    });
    sessionCache_.eraseIf([&](const CachedSession& c) { return c.auth.userId == userId; });
    basicCache_.eraseIf([&](const CachedBasic& c) { return c.auth.userId == userId; });
    userCache_.clear();
}

void AuthService::setRole(const std::string& userId, const std::string& role) {
    std::string id = userId;
    std::string r = role;
    int64_t at = clock_.nowMicros();
    db_.withTransaction([&](Poco::Data::Session& s) {
        s << "UPDATE users SET role = $1, updated_at = $2 WHERE id = $3 AND is_workspace = 0", use(r), use(at), use(id),
            now;
    });
    sessionCache_.eraseIf([&](const CachedSession& c) { return c.auth.userId == userId; });
    basicCache_.eraseIf([&](const CachedBasic& c) { return c.auth.userId == userId; });
    userCache_.clear();
}

bool AuthService::ensureBootstrapAdmin(const std::string& username, const std::string& password) {
    if (userByName(username)) return false;
    try {
        createUser(username, "", password, "admin");
        return true;
    } catch (const sdk::BadRequest&) {
        return false;  // created concurrently by another node
    }
}

std::string AuthService::issueSession(const UserRecord& user, const std::string& ip,
                                      const std::string& userAgent) {
    int64_t nowUs = clock_.nowMicros();
    int64_t nowS = nowUs / 1000000;
    std::string sessionId = crypto::uuid4();
    std::string token = jwt_.issue(user.id, sessionId, nowS);
    std::string hash = tokenHash(token);
    int64_t expires = (nowS + jwt_.ttlSeconds()) * 1000000;
    std::string uid = user.id;
    std::string ipv = ip;
    std::string ua = userAgent.substr(0, 512);
    db_.withTransaction([&](Poco::Data::Session& s) {
        if (settings_.singleSession) {
            s << "DELETE FROM auth_sessions WHERE user_id = $1", use(uid), now;
        }
        // Expired rows of this user are cleaned up opportunistically.
        s << "DELETE FROM auth_sessions WHERE user_id = $1 AND expires_at < $2", use(uid), use(nowUs), now;
        s << "INSERT INTO auth_sessions (id, user_id, token_hash, created_at, expires_at, "
             "client_ip, user_agent) VALUES ($1, $2, $3, $4, $5, $6, $7)",
            use(sessionId), use(uid), use(hash), use(nowUs), use(expires), use(ipv), use(ua), now;
    });
    if (settings_.singleSession) {
        sessionCache_.eraseIf([&](const CachedSession& c) { return c.auth.userId == user.id; });
    }
    return token;
}

PasswordHasher::Verdict AuthService::checkPassword(const std::string& username, const std::string& password,
                                                   const std::string& ip, const UserRecord* user,
                                                   const std::string& failureMessage) {
    // The attempt is counted before the (slow) check, so parallel guesses cannot all pass.
    int wait = throttle_.reserveAttempt(username, ip);
    if (wait > 0) {
        throw sdk::TooManyRequests("Too many failed login attempts; try again later", wait, "login_throttled");
    }
    PasswordHasher::Verdict verdict = PasswordHasher::Verdict::Mismatch;
    if (user && user->role == "workspace") user = nullptr;  // workspace accounts never sign in
    if (user) {
        verdict = hasher_.verify(password, user->hashedPassword);
    } else {
        hasher_.burnVerification(password);  // same cost whether or not the account exists
    }
    if (verdict == PasswordHasher::Verdict::Mismatch) {
        throw sdk::Unauthorized(failureMessage, "invalid_credentials");
    }
    throttle_.recordSuccess(username, ip);
    return verdict;
}

std::string AuthService::login(const std::string& username, const std::string& password,
                               const std::string& ip, const std::string& userAgent) {
    auto user = userByName(username);
    PasswordHasher::Verdict verdict =
        checkPassword(username, password, ip, user ? &*user : nullptr, "Incorrect username or password");
    if (verdict == PasswordHasher::Verdict::MatchNeedsRehash) {
        // Upgrade bcrypt (HubGPT) or old argon2 parameters without revoking sessions.
        std::string hash = hasher_.hash(password);
        std::string id = user->id;
        db_.withTransaction([&](Poco::Data::Session& s) {
            s << "UPDATE users SET hashed_password = $1 WHERE id = $2", use(hash), use(id), now;
        });
        user->hashedPassword = hash;
        basicCache_.eraseIf([&](const CachedBasic& c) { return c.auth.userId == user->id; });
    }
    return issueSession(*user, ip, userAgent);
}

void AuthService::revokeSession(const std::string& sessionId) {
    std::string id = sessionId;
    db_.withTransaction([&](Poco::Data::Session& s) {
        s << "DELETE FROM auth_sessions WHERE id = $1", use(id), now;
    });
    sessionCache_.eraseIf([&](const CachedSession& c) { return c.auth.sessionId == sessionId; });
}

void AuthService::revokeAllSessions(const std::string& userId) {
    std::string id = userId;
    db_.withTransaction([&](Poco::Data::Session& s) {
        s << "DELETE FROM auth_sessions WHERE user_id = $1", use(id), now;
    });
    sessionCache_.eraseIf([&](const CachedSession& c) { return c.auth.userId == userId; });
}

sdk::AuthContext AuthService::authenticateBearer(const std::string& token) {
    int64_t nowUs = clock_.nowMicros();
    // The cache holds only tokens that passed full verification in the last second, keyed
    // by the SHA-256 of the whole token (signature included), so a hit needs no re-check of
    // the signature; expiry is still checked against the session's expiry.
    std::string hash = tokenHash(token);
    auto session = sessionCache_.getOrLoad(hash, [&]() -> std::optional<CachedSession> {
        TokenProblem problem = TokenProblem::None;
        auto claims = jwt_.verify(token, nowUs / 1000000, &problem);
        if (!claims) {
            if (problem == TokenProblem::NoSubject) {
                throw sdk::Unauthorized("Could not validate credentials", "invalid_token");
            }
            throw sdk::Unauthorized("Invalid authentication token", "invalid_token");
        }
        using Row = Poco::Tuple<std::string, std::string, Poco::Int64, std::string, std::string>;
        std::vector<Row> rows;
        db_.withSession([&](Poco::Data::Session& s) {
            rows.clear();
            s << "SELECT CAST(s.id AS TEXT), CAST(s.user_id AS TEXT), s.expires_at, u.username, u.role "
                 "FROM auth_sessions s JOIN users u ON u.id = s.user_id WHERE s.token_hash = $1",
                use(hash), into(rows), now;
        });
        if (rows.empty() || rows[0].get<2>() <= nowUs || rows[0].get<1>() != claims->subject) {
            throw sdk::Unauthorized("Session expired or invalid", "session_invalid");
        }
        CachedSession c;
        c.auth.sessionId = rows[0].get<0>();
        c.auth.userId = rows[0].get<1>();
        c.auth.username = rows[0].get<3>();
        c.auth.role = rows[0].get<4>();
        c.auth.method = "bearer";
        // Never trust the cache past the token's own expiry.
        c.expiresAt = std::min<int64_t>(rows[0].get<2>(), claims->expiresAt * 1000000);
        return c;
    });
    if (!session || session->expiresAt <= nowUs) {
        throw sdk::Unauthorized("Session expired or invalid", "session_invalid");
    }
    return session->auth;
}

sdk::AuthContext AuthService::authenticateBasic(const std::string& b64, const std::string& ip) {
    if (!settings_.basicEnabled) {
        throw sdk::Unauthorized("Basic authentication is disabled", "basic_disabled");
    }
    std::string decoded;
    if (b64.size() > 4096 || !crypto::base64Decode(b64, decoded)) {
        throw sdk::Unauthorized("Invalid authentication credentials", "invalid_credentials");
    }
    auto colon = decoded.find(':');
    if (colon == std::string::npos || decoded.find('\0') != std::string::npos) {
        throw sdk::Unauthorized("Invalid authentication credentials", "invalid_credentials");
    }
    std::string username = decoded.substr(0, colon);
    std::string password = decoded.substr(colon + 1);
    // Cache key: keyed HMAC of the credentials, so the cache never holds a usable secret.
    std::string key = crypto::hmacSha256(basicCacheKey_, username + std::string(1, '\0') + password);

    auto current = userCache_.getOrLoad("name:" + username, [&] { return userByName(username); });
    if (auto cached = basicCache_.get(key)) {
        // A password change is visible within the user cache's lifetime (<= 1 s).
        if (current && current->hashedPassword == cached->hashedPassword) {
            // Role and name come from the user cache (<= 1 s old), not from when the
            // credentials were first verified, so a demotion takes effect at once.
            sdk::AuthContext auth = cached->auth;
            auth.role = current->role;
            auth.username = current->username;
            return auth;
        }
        basicCache_.erase(key);
    }
    checkPassword(username, password, ip, current ? &*current : nullptr, "Invalid credentials");
    CachedBasic c;
    c.auth.userId = current->id;
    c.auth.username = current->username;
    c.auth.role = current->role;
    c.auth.method = "basic";
    c.hashedPassword = current->hashedPassword;
    basicCache_.put(key, c);
    return c.auth;
}

std::optional<sdk::AuthContext> AuthService::authenticateHeader(const std::string& value,
                                                                const std::string& ip) {
    // HubGPT: the Bearer prefix is case-sensitive with exactly one space; Basic is not.
    if (value.rfind("Bearer ", 0) == 0) {
        std::string token = value.substr(7);
        auto sp = token.find(' ');
        if (sp != std::string::npos) token = token.substr(0, sp);
        return authenticateBearer(token);
    }
    if (value.size() > 6 && (value.compare(0, 6, "Basic ") == 0 || value.compare(0, 6, "basic ") == 0 ||
                             value.compare(0, 6, "BASIC ") == 0)) {
        std::string creds = value.substr(6);
        while (!creds.empty() && creds.front() == ' ') creds.erase(0, 1);
        return authenticateBasic(creds, ip);
    }
    return std::nullopt;
}

std::optional<sdk::UserInfo> AuthService::findUserById(const std::string& id) const {
    auto u = userById(id);
    if (!u) return std::nullopt;
    return toInfo(*u);
}

std::optional<sdk::UserInfo> AuthService::findUserByName(const std::string& username) const {
    auto u = userByName(username);
    if (!u) return std::nullopt;
    return toInfo(*u);
}

}  // namespace hub::core
