#include "auth/AuthRoutes.h"

#include <Poco/String.h>

#include "hub/sdk/BodyValidator.h"
#include "hub/sdk/Error.h"
#include "hub/sdk/Json.h"
#include "hub/sdk/services/IClock.h"

namespace hub::core {

std::string usernameProblem(const std::string& u) {
    if (u.empty()) return "Username must not be empty";
    if (u.size() > 64) return "Username must be at most 64 bytes";
    if (Poco::trim(u) != u) return "Username must not start or end with whitespace";
    for (unsigned char c : u) {
        if (c < 0x20 || c == 0x7f) return "Username must not contain control characters";
        if (c == '/' || c == ':' || c == '\\') return "Username must not contain '/', '\\' or ':'";
    }
    return {};
}

std::string normaliseEmail(const std::string& email, std::string& problem) {
    problem.clear();
    auto at = email.rfind('@');
    if (email.size() > 254 || at == std::string::npos || at == 0 || at + 1 >= email.size() ||
        email.find('@') != at) {
        problem = "value is not a valid email address";
        return {};
    }
    for (unsigned char c : email) {
        if (c <= 0x20 || c == 0x7f || c == '<' || c == '>' || c == '(' || c == ')' || c == ',' || c == ';' ||
            c == '"' || c == '[' || c == ']' || c == '\\') {
            problem = "value is not a valid email address";
            return {};
        }
    }
    std::string domain = Poco::toLower(email.substr(at + 1));
    if (domain.find('.') == std::string::npos || domain.front() == '.' || domain.back() == '.' ||
        domain.find("..") != std::string::npos) {
        problem = "value is not a valid email address: the domain name is not valid";
        return {};
    }
    return email.substr(0, at + 1) + domain;
}

Poco::JSON::Object::Ptr userResponse(const UserRecord& u, const std::string& currentToken) {
    auto o = sdk::json::object();
    o->set("id", u.id);
    o->set("username", u.username);
    o->set("email", u.email.empty() ? Poco::Dynamic::Var() : Poco::Dynamic::Var(u.email));
    o->set("current_token", currentToken.empty() ? Poco::Dynamic::Var() : Poco::Dynamic::Var(currentToken));
    o->set("created_at", sdk::IClock::formatIso(u.createdAt));
    Poco::Dynamic::Var settings = sdk::json::object();
    try {
        settings = sdk::json::parseStrict(u.settingsJson.empty() ? "{}" : u.settingsJson);
    } catch (...) {
    }
    o->set("settings", settings);
    o->set("role", u.role);
    return o;
}

namespace {

std::string userAgentOf(sdk::RequestContext& ctx) { return ctx.header("User-Agent").value_or(""); }

}  // namespace

void registerAuthRoutes(Router& router, AuthService& auth) {
    using sdk::AuthMode;

    router.add({"POST", "/api/v1/auth/register", AuthMode::None, 64 * 1024,
                [&auth](sdk::RequestContext& ctx) {
                    if (!auth.settings().registrationEnabled) {
                        throw sdk::Forbidden("Registration is disabled on this server", "registration_disabled");
                    }
                    sdk::BodyValidator v(ctx.jsonBody());
                    std::string username = v.requiredString("username", 1024);
                    std::string email = v.requiredString("email", 1024);
                    std::string password = v.requiredString("password", 65536);
                    if (v.has("username") && v.ok()) {
                        if (auto p = usernameProblem(username); !p.empty()) v.fail("username", "value_error", p);
                    }
                    std::string normalised;
                    if (v.has("email") && v.ok()) {
                        std::string problem;
                        normalised = normaliseEmail(email, problem);
                        if (!problem.empty()) v.fail("email", "value_error", problem);
                    }
                    if (v.has("password") && v.ok()) {
                        if (auto p = auth.passwordProblem(password); !p.empty()) v.fail("password", "value_error", p);
                    }
                    v.finish();
                    auth.checkRegistrationRate(ctx.clientAddress());
                    UserRecord u = auth.createUser(username, normalised, password, "user");
                    ctx.respondJson(201, userResponse(u));
                }});

    router.add({"POST", "/api/v1/auth/login", AuthMode::None, 64 * 1024, [&auth](sdk::RequestContext& ctx) {
                    sdk::BodyValidator v(ctx.jsonBody());
                    std::string username = v.requiredString("username", 1024);
                    std::string password = v.requiredString("password", 65536);
                    v.finish();
                    std::string token = auth.login(username, password, ctx.clientAddress(), userAgentOf(ctx));
                    auto o = sdk::json::object();
                    o->set("access_token", token);
                    o->set("token_type", "bearer");
                    ctx.respondJson(200, o);
                }});

    sdk::RouteSpec logout{"POST", "/api/v1/auth/logout", AuthMode::Required, 64 * 1024,
                          [&auth](sdk::RequestContext& ctx) {
                              const auto& who = ctx.requireAuth();
                              bool all = ctx.query("all").value_or("") == "true";
                              if (all) {
                                  auth.revokeAllSessions(who.userId);
                              } else if (!who.sessionId.empty()) {
                                  auth.revokeSession(who.sessionId);
                              }
                              auto o = sdk::json::object();
                              o->set("message", "Successfully logged out");
                              ctx.respondJson(200, o);
                          }};
    logout.missingAuthMessage = "Invalid authorization header";
    router.add(std::move(logout));

    sdk::RouteSpec me{"GET", "/api/v1/auth/users/me", AuthMode::Required, 0, [&auth](sdk::RequestContext& ctx) {
                          auto u = auth.userById(ctx.requireAuth().userId);
                          if (!u) throw sdk::Unauthorized("User not found", "user_not_found");
                          ctx.respondJson(200, userResponse(*u));
                      }};
    me.missingAuthMessage = "Invalid authorization header";
    router.add(std::move(me));

    // HubGPT's Basic endpoint: verifies credentials and hands out a fresh token. Bearer is
    // accepted too (HubGPT's JWT branch was unreachable).
    router.add({"GET", "/api/v1/auth/verify", AuthMode::None, 0, [&auth](sdk::RequestContext& ctx) {
                    auto header = ctx.header("Authorization");
                    try {
                        std::optional<sdk::AuthContext> who;
                        if (header) who = auth.authenticateHeader(*header, ctx.clientAddress());
                        if (!who) throw sdk::Unauthorized("Not authenticated", "not_authenticated");
                        auto u = auth.userById(who->userId);
                        if (!u) throw sdk::Unauthorized("User not found", "user_not_found");
                        std::string token;
                        if (who->method == "basic") token = auth.issueSession(*u, ctx.clientAddress(), userAgentOf(ctx));
                        ctx.respondJson(200, userResponse(*u, token));
                    } catch (sdk::Unauthorized& e) {
                        e.withHeader("WWW-Authenticate", "Basic");
                        throw;
                    }
                }});

    // HubGPT's /api/v1/verify: ?token= (as before) or the Authorization header.
    router.add({"GET", "/api/v1/verify", AuthMode::None, 0, [&auth](sdk::RequestContext& ctx) {
                    auto token = ctx.query("token");
                    if (token && !token->empty()) {
                        auth.authenticateBearer(*token);
                    } else {
                        auto header = ctx.header("Authorization");
                        std::optional<sdk::AuthContext> who;
                        if (header) who = auth.authenticateHeader(*header, ctx.clientAddress());
                        if (!who) throw sdk::Unauthorized("Not authenticated", "not_authenticated");
                    }
                    auto o = sdk::json::object();
                    o->set("status", "ok");
                    ctx.respondJson(200, o);
                }});
}

}  // namespace hub::core
