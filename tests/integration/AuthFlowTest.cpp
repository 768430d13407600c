// Every auth route of the HubGPT contract (§3) with HubGPT's bugs fixed, every kind of bad
// token, Basic auth, sessions, throttling, bcrypt upgrade and "bad input changes nothing".
#include <atomic>
#include <fstream>
#include <sstream>
#include <thread>

#include <gtest/gtest.h>
#include <Poco/Crypto/ECKey.h>
#include <Poco/Crypto/RSAKey.h>
#include <Poco/Base64Decoder.h>
#include <Poco/JWT/Signer.h>
#include <Poco/JWT/Token.h>
#include <Poco/String.h>

#include "ServerProcess.h"
#include "hub/sdk/Json.h"

namespace hub::tests {
namespace {

class AuthFlowTest : public ::testing::Test {
protected:
    void startServer(std::vector<std::string> extra = {}, std::map<std::string, std::string> env = {}) {
        std::vector<std::string> args{"--set", "logging.access_log=false", "--set", "auth.password.argon2_memory_kib=8192",
                                      "--set", "auth.password.argon2_iterations=1"};
        args.insert(args.end(), extra.begin(), extra.end());
        ASSERT_TRUE(server_.start(args, env)) << server_.stderrText();
    }
    std::string secret() const {
        std::ifstream in(server_.dataDir() + "/jwt.secret");
        std::string s;
        std::getline(in, s);
        return Poco::trim(s);
    }
    /// A token signed with the server's own key, with claims the test chooses.
    std::string forge(const std::function<void(Poco::JWT::Token&)>& edit, const std::string& key = "") const {
        Poco::JWT::Token t;
        t.setType("JWT");
        auto& p = t.payload();
        long long now = static_cast<long long>(::time(nullptr));
        p.set("sub", userId_);
        p.set("iss", std::string("hub"));
        p.set("aud", std::string("hub-api"));
        p.set("typ", std::string("access"));
        p.set("iat", static_cast<Poco::Int64>(now));
        p.set("exp", static_cast<Poco::Int64>(now + 3600));
        edit(t);
        Poco::JWT::Signer signer(key.empty() ? secret() : key);
        return signer.sign(t, "HS256");
    }
    std::string registerAndLogin(const std::string& name) {
        auto r = server_.registerUser(name);
        EXPECT_EQ(r.status, 201) << r.body;
        userId_ = r.object()->getValue<std::string>("id");
        return server_.login(name);
    }

    ServerProcess server_;
    std::string userId_;
};

TEST_F(AuthFlowTest, RegisterReturns201UserResponseWithoutLoggingIn) {
    startServer();
    auto r = server_.registerUser("alice", "correct horse 1", "Alice@Example.COM");
    ASSERT_EQ(r.status, 201) << r.body;
    auto o = r.object();
    EXPECT_EQ(o->getValue<std::string>("username"), "alice");
    EXPECT_EQ(o->getValue<std::string>("email"), "Alice@example.com");
    EXPECT_TRUE(o->isNull("current_token"));
    EXPECT_EQ(o->getValue<std::string>("id").size(), 36u);
    EXPECT_EQ(o->getValue<std::string>("created_at").size(), 19u);  // 2026-11-28T22:37:00
    EXPECT_EQ(o->getObject("settings")->size(), 0u);
    EXPECT_EQ(o->getValue<std::string>("role"), "user");
    // Key order of HubGPT's UserResponse.
    EXPECT_EQ(r.body.find("{\"id\":"), 0u);
    EXPECT_EQ(server_.scalar("SELECT COUNT(*) FROM auth_sessions"), 0);
}

TEST_F(AuthFlowTest, DuplicateUsernameOrEmailIs400AndWritesNothing) {
    startServer();
    ASSERT_EQ(server_.registerUser("bob").status, 201);
    auto dupName = server_.registerUser("bob", "correct horse 1", "other@example.com");
    EXPECT_EQ(dupName.status, 400);
    EXPECT_EQ(dupName.detail(), "Username or email already registered");
    auto dupMail = server_.registerUser("bobby", "correct horse 1", "bob@example.com");
    EXPECT_EQ(dupMail.status, 400);
    EXPECT_EQ(server_.scalar("SELECT COUNT(*) FROM users"), 1);
}

TEST_F(AuthFlowTest, InvalidRegistrationBodiesAre422AndWriteNothing) {
    startServer();
    struct Case {
        std::string body;
        std::string why;
    };
    std::vector<Case> cases{
        {"{\"username\":\"x\",\"password\":\"correct horse 1\"}", "missing email"},
        {"{\"username\":\"x\",\"email\":\"not-an-email\",\"password\":\"correct horse 1\"}", "bad email"},
        {"{\"username\":5,\"email\":\"x@example.com\",\"password\":\"correct horse 1\"}", "wrong type"},
        {"{\"username\":\"x\",\"username\":\"y\",\"email\":\"x@example.com\",\"password\":\"correct horse 1\"}",
         "duplicate key"},
        {"{\"username\":\"a\\u0000b\",\"email\":\"x@example.com\",\"password\":\"correct horse 1\"}", "NUL byte"},
        {"{\"username\":\"x\",\"email\":\"x@example.com\",\"password\":\"short\"}", "short password"},
        {"[1,2,3]", "not an object"},
        {"{\"username\":", "malformed JSON"},
        {std::string(70, '[') + std::string(70, ']'), "too deep"},
        {"", "empty body"},
        {"{\"username\":\"\",\"email\":\"x@example.com\",\"password\":\"correct horse 1\"}", "empty username"},
    };
    for (const auto& c : cases) {
        auto r = server_.postJson("/api/v1/auth/register", c.body);
        EXPECT_EQ(r.status, 422) << c.why << ": " << r.body;
        EXPECT_FALSE(r.errorCode().empty()) << c.why;
    }
    EXPECT_EQ(server_.scalar("SELECT COUNT(*) FROM users"), 0);
}

TEST_F(AuthFlowTest, ValidationErrorsNeverEchoPasswords) {
    startServer();
    auto r = server_.postJson("/api/v1/auth/register", "{\"username\":\"x\",\"password\":\"hunter2 very secret\"}");
    EXPECT_EQ(r.status, 422);
    EXPECT_EQ(r.body.find("hunter2"), std::string::npos) << r.body;
    EXPECT_NE(r.body.find("[redacted]"), std::string::npos) << r.body;
}

TEST_F(AuthFlowTest, RegistrationsPerAddressAreRateLimited) {
    startServer({"--set", "auth.throttle.registrations_per_ip=2"});
    EXPECT_EQ(server_.registerUser("r1").status, 201);
    EXPECT_EQ(server_.registerUser("r2").status, 201);
    auto third = server_.registerUser("r3");
    EXPECT_EQ(third.status, 429);
    EXPECT_EQ(third.errorCode(), "registration_throttled");
    EXPECT_FALSE(third.header("Retry-After").empty());
    EXPECT_EQ(server_.scalar("SELECT COUNT(*) FROM users"), 2);
}

TEST_F(AuthFlowTest, MissingFieldUsesHubGptListDetail) {
    startServer();
    auto r = server_.postJson("/api/v1/auth/register", "{\"username\":\"x\",\"password\":\"correct horse 1\"}");
    ASSERT_EQ(r.status, 422);
    auto detail = r.object()->getArray("detail");
    ASSERT_EQ(detail->size(), 1u);
    auto item = detail->getObject(0);
    EXPECT_EQ(item->getValue<std::string>("type"), "missing");
    EXPECT_EQ(item->getArray("loc")->getElement<std::string>(1), "email");
    EXPECT_EQ(item->getValue<std::string>("msg"), "Field required");
    EXPECT_EQ(r.errorCode(), "validation_error");
}

TEST_F(AuthFlowTest, LoginReturnsBearerTokenAndUsersMeWorks) {
    startServer();
    std::string token = registerAndLogin("carol");
    ASSERT_FALSE(token.empty());
    auto me = server_.get("/api/v1/auth/users/me", ServerProcess::bearer(token));
    ASSERT_EQ(me.status, 200) << me.body;
    EXPECT_EQ(me.object()->getValue<std::string>("username"), "carol");
    EXPECT_EQ(server_.scalar("SELECT COUNT(*) FROM auth_sessions"), 1);
    // The database holds a hash of the token, never the token.
    EXPECT_EQ(server_.scalar("SELECT COUNT(*) FROM auth_sessions WHERE token_hash = '" + token + "'"), 0);
}

TEST_F(AuthFlowTest, WrongPasswordAndUnknownUserGiveTheSame401) {
    startServer();
    registerAndLogin("dave");
    auto wrong = server_.postJson("/api/v1/auth/login", "{\"username\":\"dave\",\"password\":\"nope nope 1\"}");
    auto unknown = server_.postJson("/api/v1/auth/login", "{\"username\":\"nobody\",\"password\":\"nope nope 1\"}");
    EXPECT_EQ(wrong.status, 401);
    EXPECT_EQ(unknown.status, 401);
    EXPECT_EQ(wrong.detail(), "Incorrect username or password");
    EXPECT_EQ(wrong.body, unknown.body);
    EXPECT_EQ(wrong.header("WWW-Authenticate"), "");
}

TEST_F(AuthFlowTest, FormEncodedLoginIs422) {
    startServer();
    auto r = server_.request("POST", "/api/v1/auth/login", "username=a&password=b",
                             {{"Content-Type", "application/x-www-form-urlencoded"}});
    EXPECT_EQ(r.status, 422);
}

TEST_F(AuthFlowTest, MissingHeaderMessagesFollowHubGpt) {
    startServer();
    auto me = server_.get("/api/v1/auth/users/me");
    EXPECT_EQ(me.status, 401);
    EXPECT_EQ(me.detail(), "Invalid authorization header");
    auto logout = server_.request("POST", "/api/v1/auth/logout");
    EXPECT_EQ(logout.detail(), "Invalid authorization header");
    auto lower = server_.get("/api/v1/auth/users/me", {{"Authorization", "bearer abc"}});
    EXPECT_EQ(lower.status, 401);
    EXPECT_EQ(lower.detail(), "Invalid authorization header");
}

TEST_F(AuthFlowTest, EveryKindOfBadTokenIs401) {
    startServer();
    std::string good = registerAndLogin("erin");
    ASSERT_EQ(server_.get("/api/v1/auth/users/me", ServerProcess::bearer(good)).status, 200);
    long long now = static_cast<long long>(::time(nullptr));
    std::map<std::string, std::string> tokens{
        {"garbage", "not-a-jwt"},
        {"empty parts", "a.b.c"},
        {"two parts", "abc.def"},
        {"alg none", "eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0." + good.substr(good.find('.') + 1, good.rfind('.') - good.find('.') - 1) + "."},
        {"wrong key", forge([](Poco::JWT::Token&) {}, std::string(64, 'k'))},
        {"expired", forge([&](Poco::JWT::Token& t) { t.payload().set("exp", static_cast<Poco::Int64>(now - 3600)); })},
        {"not yet valid", forge([&](Poco::JWT::Token& t) { t.payload().set("nbf", static_cast<Poco::Int64>(now + 3600)); })},
        {"wrong audience", forge([](Poco::JWT::Token& t) { t.payload().set("aud", std::string("someone-else")); })},
        {"wrong issuer", forge([](Poco::JWT::Token& t) { t.payload().set("iss", std::string("evil")); })},
        {"wrong type", forge([](Poco::JWT::Token& t) { t.payload().set("typ", std::string("refresh")); })},
        {"alg null", "eyJhbGciOm51bGx9." + good.substr(good.find('.') + 1)},
        {"tampered", good.substr(0, good.size() - 2) + (good[good.size() - 2] == 'A' ? "B" : "A") + good.back()},
    };
    for (const auto& [why, token] : tokens) {
        auto r = server_.get("/api/v1/auth/users/me", ServerProcess::bearer(token));
        EXPECT_EQ(r.status, 401) << why;
        EXPECT_EQ(r.detail(), "Invalid authentication token") << why << ": " << r.body;
    }
    // Correctly signed and valid, but never issued: no session row.
    auto neverIssued = forge([](Poco::JWT::Token&) {});
    auto r = server_.get("/api/v1/auth/users/me", ServerProcess::bearer(neverIssued));
    EXPECT_EQ(r.status, 401);
    EXPECT_EQ(r.detail(), "Session expired or invalid");
    auto noSub = forge([](Poco::JWT::Token& t) { t.payload().remove("sub"); });
    EXPECT_EQ(server_.get("/api/v1/auth/users/me", ServerProcess::bearer(noSub)).detail(), "Could not validate credentials");
}

TEST_F(AuthFlowTest, ConcurrentBearerAndBasicRequestsAllSucceed) {
    // Many threads sharing one token and one Basic credential: the caches load once, and
    // token verification must be safe under concurrency (it once raced OpenSSL's teardown).
    startServer();
    std::string token = registerAndLogin("quinn");
    std::atomic<int> ok{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < 8; ++t) {
        threads.emplace_back([&, t] {
            for (int i = 0; i < 60; ++i) {
                auto headers = (t % 2 == 0) ? ServerProcess::bearer(token)
                                            : ServerProcess::basic("quinn", "correct horse 1");
                if (server_.get("/api/v1/auth/users/me", headers).status == 200) ++ok;
            }
        });
    }
    for (auto& th : threads) th.join();
    EXPECT_EQ(ok.load(), 8 * 60);
    EXPECT_EQ(server_.get("/health").status, 200);
}

TEST_F(AuthFlowTest, LogoutRevokesTheTokenAtOnce) {
    startServer();
    std::string token = registerAndLogin("frank");
    auto out = server_.request("POST", "/api/v1/auth/logout", "", ServerProcess::bearer(token));
    ASSERT_EQ(out.status, 200);
    EXPECT_EQ(out.object()->getValue<std::string>("message"), "Successfully logged out");
    auto after = server_.get("/api/v1/auth/users/me", ServerProcess::bearer(token));
    EXPECT_EQ(after.status, 401);
    EXPECT_EQ(after.detail(), "Session expired or invalid");
    EXPECT_EQ(server_.scalar("SELECT COUNT(*) FROM auth_sessions"), 0);
}

TEST_F(AuthFlowTest, LogoutAllRevokesEverySessionOfTheUser) {
    startServer();
    std::string first = registerAndLogin("una");
    std::string second = server_.login("una");
    ASSERT_EQ(server_.request("POST", "/api/v1/auth/logout?all=true", "", ServerProcess::bearer(first)).status, 200);
    EXPECT_EQ(server_.get("/api/v1/auth/users/me", ServerProcess::bearer(second)).status, 401);
    EXPECT_EQ(server_.scalar("SELECT COUNT(*) FROM auth_sessions"), 0);
}

TEST_F(AuthFlowTest, RegistrationCanBeTurnedOff) {
    startServer({"--set", "auth.registration_enabled=false"});
    auto r = server_.registerUser("vic");
    EXPECT_EQ(r.status, 403);
    EXPECT_EQ(r.errorCode(), "registration_disabled");
    EXPECT_EQ(server_.scalar("SELECT COUNT(*) FROM users"), 0);
}

TEST_F(AuthFlowTest, BasicAuthCanBeTurnedOff) {
    startServer({"--set", "auth.basic.enabled=false"});
    std::string token = registerAndLogin("wes");
    EXPECT_EQ(server_.get("/api/v1/auth/users/me", ServerProcess::basic("wes", "correct horse 1")).status, 401);
    EXPECT_EQ(server_.get("/api/v1/auth/users/me", ServerProcess::bearer(token)).status, 200);
}

TEST_F(AuthFlowTest, JwtSecretFileAndTtlAreUsed) {
    std::string file = server_.dataDir() + "/configured.secret";
    std::ofstream(file) << std::string(64, 's') << "\n";
    startServer({"--set", "auth.jwt.secret_file=" + file, "--set", "auth.jwt.ttl_seconds=120"});
    std::string token = registerAndLogin("xena");
    // Signed with the file's key: a token we sign with it has a valid signature (no session: 401 of that kind).
    auto forged = forge([](Poco::JWT::Token&) {}, std::string(64, 's'));
    EXPECT_EQ(server_.get("/api/v1/auth/users/me", ServerProcess::bearer(forged)).detail(), "Session expired or invalid");
    std::string payload;
    std::string part = token.substr(token.find('.') + 1, token.rfind('.') - token.find('.') - 1);
    for (char& c : part) c = c == '-' ? '+' : c == '_' ? '/' : c;
    while (part.size() % 4) part += '=';
    std::istringstream in(part);
    Poco::Base64Decoder dec(in);
    payload.assign(std::istreambuf_iterator<char>(dec), std::istreambuf_iterator<char>());
    auto claims = sdk::json::parseStrictObject(payload);
    EXPECT_EQ(claims->getValue<Poco::Int64>("exp") - claims->getValue<Poco::Int64>("iat"), 120);
}

TEST_F(AuthFlowTest, RevocationInTheDatabaseIsVisibleWithinOneSecond) {
    startServer();
    std::string token = registerAndLogin("gina");
    ASSERT_EQ(server_.get("/api/v1/auth/users/me", ServerProcess::bearer(token)).status, 200);
    server_.execute("DELETE FROM auth_sessions");  // as another node's logout would
    std::this_thread::sleep_for(std::chrono::milliseconds(1100));
    EXPECT_EQ(server_.get("/api/v1/auth/users/me", ServerProcess::bearer(token)).status, 401);
}

TEST_F(AuthFlowTest, SeveralSessionsByDefaultAndSingleSessionWhenConfigured) {
    startServer();
    std::string first = registerAndLogin("hank");
    std::string second = server_.login("hank");
    EXPECT_EQ(server_.get("/api/v1/auth/users/me", ServerProcess::bearer(first)).status, 200);
    EXPECT_EQ(server_.get("/api/v1/auth/users/me", ServerProcess::bearer(second)).status, 200);
}

TEST_F(AuthFlowTest, SingleSessionModeRevokesEarlierTokensOnLogin) {
    startServer({"--set", "auth.single_session=true"});
    std::string first = registerAndLogin("ivy");
    std::string second = server_.login("ivy");
    EXPECT_EQ(server_.get("/api/v1/auth/users/me", ServerProcess::bearer(first)).detail(), "Session expired or invalid");
    EXPECT_EQ(server_.get("/api/v1/auth/users/me", ServerProcess::bearer(second)).status, 200);
}

TEST_F(AuthFlowTest, BasicAuthWorksOnProtectedRoutes) {
    startServer();
    registerAndLogin("jack");
    auto ok = server_.get("/api/v1/auth/users/me", ServerProcess::basic("jack", "correct horse 1"));
    EXPECT_EQ(ok.status, 200);
    auto again = server_.get("/api/v1/auth/users/me", ServerProcess::basic("jack", "correct horse 1"));
    EXPECT_EQ(again.status, 200);  // served from the credential cache
    auto bad = server_.get("/api/v1/auth/users/me", ServerProcess::basic("jack", "wrong password"));
    EXPECT_EQ(bad.status, 401);
    auto garbage = server_.get("/api/v1/auth/users/me", {{"Authorization", "Basic !!!notbase64"}});
    EXPECT_EQ(garbage.status, 401);
}

TEST_F(AuthFlowTest, PasswordChangeInvalidatesCachedBasicCredentials) {
    startServer();
    registerAndLogin("kate");
    ASSERT_EQ(server_.get("/api/v1/auth/users/me", ServerProcess::basic("kate", "correct horse 1")).status, 200);
    // Another process changes the hash (as `hubd user passwd` would).
    server_.execute("UPDATE users SET hashed_password = 'x' WHERE username = 'kate'");
    std::this_thread::sleep_for(std::chrono::milliseconds(1100));
    EXPECT_EQ(server_.get("/api/v1/auth/users/me", ServerProcess::basic("kate", "correct horse 1")).status, 401);
}

TEST_F(AuthFlowTest, DemotionIsVisibleToCachedBasicCredentialsWithinASecond) {
    startServer({}, {{"API_USERNAME", "root"}, {"API_PASSWORD", "root password 1"}});
    auto basic = ServerProcess::basic("root", "root password 1");
    ASSERT_EQ(server_.get("/api/v1/admin/plugins", basic).status, 200);
    server_.execute("UPDATE users SET role = 'user' WHERE username = 'root'");  // as another node would
    std::this_thread::sleep_for(std::chrono::milliseconds(1100));
    EXPECT_EQ(server_.get("/api/v1/admin/plugins", basic).status, 403);
}

TEST_F(AuthFlowTest, ParallelGuessesCannotOutrunTheThrottle) {
    startServer({"--set", "auth.throttle.account_failures=5"});
    registerAndLogin("rita");
    std::atomic<int> checked{0};
    std::vector<std::thread> threads;
    for (int i = 0; i < 30; ++i) {
        threads.emplace_back([&] {
            auto r = server_.postJson("/api/v1/auth/login", "{\"username\":\"rita\",\"password\":\"bad guess 1\"}");
            if (r.status == 401) ++checked;
        });
    }
    for (auto& t : threads) t.join();
    EXPECT_LE(checked.load(), 5) << "every 401 is a real password check";
}

TEST_F(AuthFlowTest, AuthVerifyIssuesATokenForBasicCredentials) {
    startServer();
    registerAndLogin("liam");
    auto r = server_.get("/api/v1/auth/verify", ServerProcess::basic("liam", "correct horse 1"));
    ASSERT_EQ(r.status, 200) << r.body;
    std::string token = r.object()->getValue<std::string>("current_token");
    EXPECT_EQ(server_.get("/api/v1/auth/users/me", ServerProcess::bearer(token)).status, 200);
    auto none = server_.get("/api/v1/auth/verify");
    EXPECT_EQ(none.status, 401);
    EXPECT_EQ(none.detail(), "Not authenticated");
    EXPECT_EQ(none.header("WWW-Authenticate"), "Basic");
    auto wrong = server_.get("/api/v1/auth/verify", ServerProcess::basic("liam", "bad password"));
    EXPECT_EQ(wrong.status, 401);
    EXPECT_EQ(wrong.detail(), "Invalid credentials");
    EXPECT_EQ(wrong.header("WWW-Authenticate"), "Basic");
}

TEST_F(AuthFlowTest, ApiVerifyChecksTokenQueryOrHeader) {
    startServer();
    std::string token = registerAndLogin("mia");
    EXPECT_EQ(server_.get("/api/v1/verify?token=" + token).body, "{\"status\":\"ok\"}");
    EXPECT_EQ(server_.get("/api/v1/verify?token=bogus").status, 401);
    EXPECT_EQ(server_.get("/api/v1/verify", ServerProcess::bearer(token)).status, 200);
    EXPECT_EQ(server_.get("/api/v1/verify").status, 401);
}

TEST_F(AuthFlowTest, RepeatedFailuresAreThrottledWith429AndRetryAfter) {
    startServer({"--set", "auth.throttle.account_failures=3"});
    registerAndLogin("noah");
    for (int i = 0; i < 3; ++i) {
        EXPECT_EQ(server_.postJson("/api/v1/auth/login", "{\"username\":\"noah\",\"password\":\"bad bad bad\"}").status, 401);
    }
    auto blocked = server_.postJson("/api/v1/auth/login", "{\"username\":\"noah\",\"password\":\"correct horse 1\"}");
    EXPECT_EQ(blocked.status, 429);
    EXPECT_EQ(blocked.errorCode(), "login_throttled");
    int retry = std::stoi(blocked.header("Retry-After"));
    EXPECT_GT(retry, 0);
    EXPECT_LE(retry, 900);
    // Another account from the same address is not locked by noah's failures.
    registerAndLogin("olga");
    EXPECT_FALSE(server_.login("olga").empty());
}

TEST_F(AuthFlowTest, BcryptHashesFromHubGptVerifyAndAreUpgraded) {
    startServer();
    // python3-bcrypt makes a HubGPT-style $2b$ hash.
    FILE* p = ::popen("/usr/bin/python3 -c 'import bcrypt;print(bcrypt.hashpw(b\"legacy pass 1\", bcrypt.gensalt(4)).decode())'", "r");
    ASSERT_NE(p, nullptr);
    char buf[128] = {0};
    ASSERT_NE(::fgets(buf, sizeof buf, p), nullptr);
    ::pclose(p);
    std::string hash = Poco::trim(std::string(buf));
    ASSERT_EQ(hash.rfind("$2b$", 0), 0u);
    server_.execute("INSERT INTO users (id, username, email, hashed_password, role, settings, created_at, updated_at, "
                    "password_changed_at) VALUES ('11111111-2222-4333-8444-555555555555', 'legacy', NULL, $1, "
                    "'user', '{}', 0, 0, 0)",
                    {hash});
    EXPECT_TRUE(server_.login("legacy", "wrong").empty());
    std::string token = server_.login("legacy", "legacy pass 1");
    ASSERT_FALSE(token.empty());
    EXPECT_EQ(server_.text("SELECT hashed_password FROM users WHERE username = 'legacy'").rfind("$argon2id$", 0), 0u);
    EXPECT_FALSE(server_.login("legacy", "legacy pass 1").empty());
}

TEST_F(AuthFlowTest, LegacyApiCredentialsCreateAnAdminAccount) {
    startServer({}, {{"API_USERNAME", "admin"}, {"API_PASSWORD", "admin password 1"}});
    std::string token = server_.login("admin", "admin password 1");
    ASSERT_FALSE(token.empty()) << server_.stderrText();
    auto me = server_.get("/api/v1/auth/users/me", ServerProcess::bearer(token));
    EXPECT_EQ(me.object()->getValue<std::string>("role"), "admin");
    auto plugins = server_.get("/api/v1/admin/plugins", ServerProcess::bearer(token));
    EXPECT_EQ(plugins.status, 200);
    std::string user = registerAndLogin("pete");
    auto forbidden = server_.get("/api/v1/admin/plugins", ServerProcess::bearer(user));
    EXPECT_EQ(forbidden.status, 403);
    EXPECT_EQ(forbidden.errorCode(), "admin_required");
    EXPECT_EQ(server_.get("/api/v1/admin/plugins").status, 401);
}

TEST_F(AuthFlowTest, AsymmetricAlgorithmsWorkAndRefuseKeyConfusion) {
    for (const std::string alg : {"ES256", "RS256"}) {
        ServerProcess server;
        std::string priv = server.dataDir() + "/jwt-" + alg + ".key";
        std::string pub = server.dataDir() + "/jwt-" + alg + ".pub";
        if (alg == "ES256") {
            Poco::Crypto::ECKey key("prime256v1");
            key.save(pub, priv);
        } else {
            Poco::Crypto::RSAKey key(Poco::Crypto::RSAKey::KL_2048, Poco::Crypto::RSAKey::EXP_LARGE);
            key.save(pub, priv);
        }
        ASSERT_TRUE(server.start({"--set", "logging.access_log=false", "--set", "auth.jwt.algorithm=" + alg, "--set",
                                  "auth.jwt.private_key_file=" + priv, "--set", "auth.jwt.public_key_file=" + pub, "--set",
                                  "auth.password.argon2_memory_kib=8192", "--set", "auth.password.argon2_iterations=1"}))
            << server.stderrText();
        ASSERT_EQ(server.registerUser("asym").status, 201);
        std::string token = server.login("asym");
        ASSERT_FALSE(token.empty()) << alg;
        EXPECT_EQ(server.get("/api/v1/auth/users/me", ServerProcess::bearer(token)).status, 200) << alg;
        // RS256/ES256 public key used as an HS256 secret (RFC 8725 key confusion) is refused.
        std::ifstream in(pub);
        std::string pem((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
        Poco::JWT::Token t;
        t.setType("JWT");
        t.payload().set("sub", server.get("/api/v1/auth/users/me", ServerProcess::bearer(token)).object()->getValue<std::string>("id"));
        t.payload().set("iss", std::string("hub"));
        t.payload().set("aud", std::string("hub-api"));
        t.payload().set("typ", std::string("access"));
        t.payload().set("exp", static_cast<Poco::Int64>(::time(nullptr) + 600));
        Poco::JWT::Signer hs(pem);
        std::string confused = hs.sign(t, "HS256");
        auto r = server.get("/api/v1/auth/users/me", ServerProcess::bearer(confused));
        EXPECT_EQ(r.status, 401) << alg;
        EXPECT_EQ(r.detail(), "Invalid authentication token");
    }
}

}  // namespace
}  // namespace hub::tests
