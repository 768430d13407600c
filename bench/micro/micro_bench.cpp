// Hot-path micro-benchmarks for hubd. Every measured benchmark has a baseline in this
// binary and names it in its label ("baseline=BM_..."), so bench/micro/ratios.sh can print
// measured/baseline ratios that stay comparable across machines.
//
//   BM_StrictJsonParse   hub::sdk::json::parseStrictObject on a ~1 KB login-like body
//     vs BM_PocoJsonParse_Baseline   plain Poco::JSON::Parser on the same text
//   BM_RouterMatch       PathTemplate::splitRequestPath + Router::match, ~40 routes
//     vs BM_SplitPathOnly_Baseline   PathTemplate::splitRequestPath of the same path
//   BM_RouterMatchPathParam / BM_RouterMatchNotFound   the same on a {x:path} route / a miss
//   BM_JwtVerify         hub::core::JwtService::verify of an HS256 token, as hubd runs it
//     vs BM_HmacSha256_Baseline      hub::core::crypto::hmacSha256 of the same signing input
//   BM_JwtVerify_OpenSSLHeld   the same verify while a Poco::Crypto::OpenSSLInitializer is
//     alive: POCO's OpenSSL reference count then never drops to zero, so each verify does not
//     initialise and tear down OpenSSL (hubd holds no such reference today)

#include <benchmark/benchmark.h>

#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include <Poco/Crypto/OpenSSLInitializer.h>
#include <Poco/Dynamic/Var.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>

#include <filesystem>
#include <unistd.h>

#include <Poco/Data/Session.h>

#include "access/AccessService.h"
#include "auth/JwtService.h"
#include "db/CoreMigrations.h"
#include "db/MigrationRunner.h"
#include "services/CoreServices.h"
#include "http/PathTemplate.h"
#include "http/Router.h"
#include "hub/sdk/Json.h"
#include "hub/sdk/RouteSpec.h"
#include "util/Crypto.h"

namespace {

void setBaseline(benchmark::State& state, const char* baseline) {
    state.SetLabel(std::string("baseline=") + baseline);
}

// ---------------------------------------------------------------------------------------
// JSON
// ---------------------------------------------------------------------------------------

/// A login body with the kind of client metadata a browser/SDK sends along, ~1 KB.
const std::string& loginBody() {
    static const std::string body = [] {
        std::string s =
            "{\"username\":\"bench_user_0042\","
            "\"password\":\"correct horse battery staple \\u00e9\\u00e8 0123456789 !#$%&()*+,-./:;<=>?@[]^_{|}~\","
            "\"remember_me\":true,"
            "\"client\":{\"name\":\"hub-web\",\"version\":\"1.4.2\",\"build\":20241128,"
            "\"platform\":\"Linux x86_64\",\"locale\":\"en-US\",\"timezone\":\"Europe/Berlin\","
            "\"user_agent\":\"Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
            "Chrome/131.0.0.0 Safari/537.36\"},"
            "\"device\":{\"id\":\"7f3c2a1e-9b8d-4c6f-a5e4-3d2c1b0a9f8e\",\"screen\":[1920,1080],"
            "\"pixel_ratio\":1.25,\"touch\":false,\"memory_gb\":16,\"cores\":8},"
            "\"scopes\":[\"chat:read\",\"chat:write\",\"files:read\",\"files:write\",\"snippets:read\","
            "\"advisors:read\"],"
            "\"metadata\":{\"referrer\":\"https://localhost:3000/login?next=%2Fchats%2Frecent\","
            "\"utm\":{\"source\":null,\"medium\":null,\"campaign\":null},"
            "\"consent\":{\"analytics\":false,\"functional\":true,\"version\":3},"
            "\"notes\":\"Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor "
            "incididunt ut labore et dolore magna aliqua. Ut enim ad minim veniam, quis nostrud exercitation "
            "ullamco laboris nisi ut aliquip ex ea commodo consequat.\"}}";
        return s;
    }();
    return body;
}

void BM_StrictJsonParse(benchmark::State& state) {
    const std::string& text = loginBody();
    for (auto _ : state) {
        Poco::JSON::Object::Ptr obj = hub::sdk::json::parseStrictObject(text);
        benchmark::DoNotOptimize(obj.get());
    }
    state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) * static_cast<int64_t>(text.size()));
    state.counters["body_bytes"] = static_cast<double>(text.size());
    setBaseline(state, "BM_PocoJsonParse_Baseline");
}
BENCHMARK(BM_StrictJsonParse);

void BM_PocoJsonParse_Baseline(benchmark::State& state) {
    const std::string& text = loginBody();
    for (auto _ : state) {
        Poco::JSON::Parser parser;  // a fresh parser per body, as a request handler would
        Poco::Dynamic::Var v = parser.parse(text);
        Poco::JSON::Object::Ptr obj = v.extract<Poco::JSON::Object::Ptr>();
        benchmark::DoNotOptimize(obj.get());
    }
    state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) * static_cast<int64_t>(text.size()));
    state.counters["body_bytes"] = static_cast<double>(text.size());
}
BENCHMARK(BM_PocoJsonParse_Baseline);

// ---------------------------------------------------------------------------------------
// Router
// ---------------------------------------------------------------------------------------

/// ~40 routes shaped like the core's plus typical plugin routes, including {x:path} ones.
const hub::core::Router& router() {
    static const hub::core::Router r = [] {
        hub::core::Router rt;
        using hub::sdk::AuthMode;
        auto noop = [](hub::sdk::RequestContext&) {};
        const std::vector<std::pair<const char*, const char*>> routes{
            {"GET", "/health"},
            {"GET", "/ready"},
            {"GET", "/api/v1/admin/plugins"},
            {"POST", "/api/v1/auth/register"},
            {"POST", "/api/v1/auth/login"},
            {"POST", "/api/v1/auth/logout"},
            {"GET", "/api/v1/auth/users/me"},
            {"GET", "/api/v1/auth/verify"},
            {"GET", "/api/v1/verify"},
            {"GET", "/api/v1/admin/users"},
            {"PATCH", "/api/v1/admin/users/{user_id}"},
            {"DELETE", "/api/v1/admin/users/{user_id}"},
            {"GET", "/api/v1/chats"},
            {"POST", "/api/v1/chats"},
            {"GET", "/api/v1/chats/{chat_id}"},
            {"PATCH", "/api/v1/chats/{chat_id}"},
            {"DELETE", "/api/v1/chats/{chat_id}"},
            {"GET", "/api/v1/chats/{chat_id}/messages"},
            {"POST", "/api/v1/chats/{chat_id}/messages"},
            {"GET", "/api/v1/chats/{chat_id}/messages/{message_id}"},
            {"DELETE", "/api/v1/chats/{chat_id}/messages/{message_id}"},
            {"POST", "/api/v1/chats/{chat_id}/stream"},
            {"GET", "/api/v1/advisors"},
            {"GET", "/api/v1/advisors/{advisor_id}"},
            {"POST", "/api/v1/advisors/{advisor_id}/ask"},
            {"GET", "/api/v1/snippets"},
            {"POST", "/api/v1/snippets"},
            {"GET", "/api/v1/snippets/export"},
            {"GET", "/api/v1/snippets/{snippet_id}"},
            {"PUT", "/api/v1/snippets/{snippet_id}"},
            {"DELETE", "/api/v1/snippets/{snippet_id}"},
            {"GET", "/api/v1/files"},
            {"POST", "/api/v1/files"},
            {"GET", "/api/v1/files/{path:path}"},
            {"PUT", "/api/v1/files/{path:path}"},
            {"DELETE", "/api/v1/files/{path:path}"},
            {"POST", "/api/v1/files/{path:path}/share"},
            {"GET", "/api/v1/tools"},
            {"POST", "/api/v1/tools/{tool}/invoke"},
            {"GET", "/api/v1/static/{asset:path}"},
            {"GET", "/{page:path}"},
        };
        for (const auto& [method, path] : routes) {
            hub::sdk::RouteSpec spec;
            spec.method = method;
            spec.path = path;
            spec.auth = AuthMode::Required;
            spec.handler = noop;
            rt.add(std::move(spec), "bench");
        }
        return rt;
    }();
    return r;
}

void routerMatch(benchmark::State& state, const std::string& method, const std::string& path,
                 hub::core::RouteMatch::Kind expected) {
    const hub::core::Router& r = router();
    {
        auto segs = hub::core::PathTemplate::splitRequestPath(path);
        if (!segs || r.match(method, *segs).kind != expected) {
            state.SkipWithError(("unexpected match result for " + path).c_str());
            return;
        }
    }
    for (auto _ : state) {
        auto segs = hub::core::PathTemplate::splitRequestPath(path);
        hub::core::RouteMatch m = r.match(method, *segs);
        benchmark::DoNotOptimize(m.route);
    }
    state.counters["routes"] = static_cast<double>(r.routes().size());
    setBaseline(state, "BM_SplitPathOnly_Baseline");
}

const std::string kTypicalPath = "/api/v1/chats/6f1c9d2e-3b4a-4e8f-9a7b-0c1d2e3f4a5b/messages";
const std::string kFilePath = "/api/v1/files/projects/2024/q4/report%20final.pdf/share";
const std::string kMissPath = "/api/v2/nothing/here";

void BM_RouterMatch(benchmark::State& state) {
    routerMatch(state, "GET", kTypicalPath, hub::core::RouteMatch::Found);
}
BENCHMARK(BM_RouterMatch);

void BM_RouterMatchPathParam(benchmark::State& state) {
    routerMatch(state, "POST", kFilePath, hub::core::RouteMatch::Found);
}
BENCHMARK(BM_RouterMatchPathParam);

void BM_RouterMatchNotFound(benchmark::State& state) {
    // Falls through to the catch-all GET /{page:path}: a POST there is 405.
    routerMatch(state, "POST", kMissPath, hub::core::RouteMatch::MethodNotAllowed);
}
BENCHMARK(BM_RouterMatchNotFound);

void BM_SplitPathOnly_Baseline(benchmark::State& state) {
    const std::string& path = kTypicalPath;
    for (auto _ : state) {
        auto segs = hub::core::PathTemplate::splitRequestPath(path);
        benchmark::DoNotOptimize(segs->data());
    }
}
BENCHMARK(BM_SplitPathOnly_Baseline);

// ---------------------------------------------------------------------------------------
// JWT
// ---------------------------------------------------------------------------------------

constexpr int64_t kNow = 1732800000;  // fixed clock: results do not depend on the date
const std::string kSecret = "bench-secret-0123456789abcdef0123456789abcdef";  // 46 bytes

struct JwtFixture {
    hub::core::JwtService service;
    std::string token;
    std::string signingInput;  ///< base64url(header) "." base64url(payload)
    JwtFixture() : service(makeSettings()) {
        token = service.issue("0b7e6a52-3f0e-4c55-9d3b-7b1e2a9c4d10", "c2d4e6f8-1a3b-4c5d-8e9f-0a1b2c3d4e5f", kNow);
        auto dot = token.rfind('.');
        if (dot == std::string::npos) throw std::runtime_error("issued token has no signature part");
        signingInput = token.substr(0, dot);
    }
    static hub::core::JwtSettings makeSettings() {
        hub::core::JwtSettings s;
        s.algorithm = "HS256";
        s.hmacSecret = kSecret;
        return s;
    }
};

const JwtFixture& jwt() {
    static const JwtFixture f = [] {
        hub::core::crypto::initialize();
        return JwtFixture();
    }();
    return f;
}

void BM_JwtVerify(benchmark::State& state) {
    const JwtFixture& f = jwt();
    if (!f.service.verify(f.token, kNow)) {
        state.SkipWithError("the issued token does not verify");
        return;
    }
    for (auto _ : state) {
        auto claims = f.service.verify(f.token, kNow);
        benchmark::DoNotOptimize(claims);
    }
    state.counters["token_bytes"] = static_cast<double>(f.token.size());
    setBaseline(state, "BM_HmacSha256_Baseline");
}
BENCHMARK(BM_JwtVerify);

void BM_JwtVerify_OpenSSLHeld(benchmark::State& state) {
    const JwtFixture& f = jwt();
    Poco::Crypto::OpenSSLInitializer held;  // released when this benchmark returns
    if (!f.service.verify(f.token, kNow)) {
        state.SkipWithError("the issued token does not verify");
        return;
    }
    for (auto _ : state) {
        auto claims = f.service.verify(f.token, kNow);
        benchmark::DoNotOptimize(claims);
    }
    state.counters["token_bytes"] = static_cast<double>(f.token.size());
    setBaseline(state, "BM_HmacSha256_Baseline");
}
BENCHMARK(BM_JwtVerify_OpenSSLHeld);

void BM_HmacSha256_Baseline(benchmark::State& state) {
    const JwtFixture& f = jwt();
    for (auto _ : state) {
        std::string mac = hub::core::crypto::hmacSha256(kSecret, f.signingInput);
        benchmark::DoNotOptimize(mac.data());
    }
    state.counters["input_bytes"] = static_cast<double>(f.signingInput.size());
}
BENCHMARK(BM_HmacSha256_Baseline);


// ---------------------------------------------------------------------------------------
// Access checks (core.access.v1) against a temporary SQLite database: a user holding a grant
// through a team, among other grants. "Cached" is what a request pays while nothing changes
// (decisions are reused for access.cache_ms); "uncached" reads the grants every time.
// The baseline is the uncached check, so the ratio shows what the cache saves; the check's
// share of a whole authenticated GET comes from bench/access_bench.sh.
// ---------------------------------------------------------------------------------------

class NoUsers : public hub::sdk::IAuth {
public:
    std::optional<hub::sdk::UserInfo> findUserById(const std::string&) const override { return std::nullopt; }
    std::optional<hub::sdk::UserInfo> findUserByName(const std::string&) const override { return std::nullopt; }
};

struct AccessFixture {
    std::filesystem::path dir;
    std::unique_ptr<hub::core::Database> db;
    hub::core::SystemClock clock;
    NoUsers users;
    std::unique_ptr<hub::core::AccessService> cached;
    std::unique_ptr<hub::core::AccessService> uncached;

    AccessFixture() {
        using namespace Poco::Data::Keywords;
        dir = std::filesystem::temp_directory_path() / ("hub-bench-access-" + std::to_string(::getpid()));
        std::filesystem::remove_all(dir);
        std::filesystem::create_directories(dir);
        hub::core::DatabaseOptions options;
        options.poolMin = 1;
        options.poolMax = 4;
        db = std::make_unique<hub::core::Database>(
            hub::core::DatabaseUrl::parse("sqlite://" + (dir / "hub.db").string(), 5), options);
        hub::core::MigrationRunner runner(*db);
        runner.ensureTable();
        runner.apply("core", hub::core::coreMigrations());
        db->withTransaction([](Poco::Data::Session& s) {
            for (int i = 0; i < 200; ++i) {
                std::string id = "00000000-0000-4000-8000-" + std::string(12 - std::to_string(i).size(), '0') + std::to_string(i);
                std::string name = "user" + std::to_string(i);
                s << "INSERT INTO users (id, username, hashed_password, created_at, updated_at, password_changed_at) "
                     "VALUES ($1, $2, 'x', 0, 0, 0)", use(id), use(name), now;
                std::string team = "10000000-0000-4000-8000-" + std::string(12 - std::to_string(i).size(), '0') + std::to_string(i);
                std::string teamName = "team" + std::to_string(i);
                s << "INSERT INTO teams (id, name, created_at) VALUES ($1, $2, 0)", use(team), use(teamName), now;
                s << "INSERT INTO team_members (team_id, user_id, role, added_at) VALUES ($1, $2, 'member', 0)", use(team),
                    use(id), now;
                std::string grant = "20000000-0000-4000-8000-" + std::string(12 - std::to_string(i).size(), '0') + std::to_string(i);
                std::string resource = "r" + std::to_string(i % 50);
                s << "INSERT INTO access_grants (id, resource_type, resource_id, principal_type, principal_id, permissions, "
                     "granted_by, created_at) VALUES ($1, 'thing', $2, 'team', $3, 3, 'owner', 0)",
                    use(grant), use(resource), use(team), now;
            }
            // A workspace (its account owns "wsthing" resources) with team7 as a viewer member.
            s << "INSERT INTO users (id, username, hashed_password, created_at, updated_at, password_changed_at, "
                 "is_workspace) VALUES ('30000000-0000-4000-8000-000000000001', 'workspace:w', '!', 0, 0, 0, 1)", now;
            s << "INSERT INTO workspaces (id, name, account_id, created_at) VALUES ('40000000-0000-4000-8000-000000000001', "
                 "'w', '30000000-0000-4000-8000-000000000001', 0)", now;
            s << "INSERT INTO workspace_members (workspace_id, member_type, member_id, role, added_at) VALUES "
                 "('40000000-0000-4000-8000-000000000001', 'team', '10000000-0000-4000-8000-000000000007', 'viewer', 0)", now;
        });
        for (auto* svc : {&cached, &uncached}) {
            *svc = std::make_unique<hub::core::AccessService>(*db, users, clock, svc == &cached ? 60000 : 0);
            (*svc)->addResourceType({"thing", hub::sdk::access::kAll, [](const std::string& id) {
                                         return std::optional<hub::sdk::AccessResource>(hub::sdk::AccessResource{"owner", id});
                                     }});
            (*svc)->addResourceType({"wsthing", hub::sdk::access::kAll, [](const std::string& id) {
                                         return std::optional<hub::sdk::AccessResource>(
                                             hub::sdk::AccessResource{"30000000-0000-4000-8000-000000000001", id});
                                     }});
        }
    }
    ~AccessFixture() {
        cached.reset();
        uncached.reset();
        db.reset();
        std::error_code ec;
        std::filesystem::remove_all(dir, ec);
    }
};

AccessFixture& accessFixture() {
    static AccessFixture f;
    return f;
}

// user7 is in team7, which holds a grant on r7.
const std::string kMember = "00000000-0000-4000-8000-000000000007";

void BM_AccessCheckCached(benchmark::State& state) {
    auto& f = accessFixture();
    for (auto _ : state) {
        auto d = f.cached->check(kMember, "thing", "r7");
        if (!d.visible) throw std::runtime_error("the member must see r7");
        benchmark::DoNotOptimize(d);
    }
    setBaseline(state, "BM_AccessCheckUncached_Baseline");
}
BENCHMARK(BM_AccessCheckCached);

void BM_AccessCheckUncached_Baseline(benchmark::State& state) {
    auto& f = accessFixture();
    for (auto _ : state) {
        auto d = f.uncached->check(kMember, "thing", "r7");
        if (!d.visible) throw std::runtime_error("the member must see r7");
        benchmark::DoNotOptimize(d);
    }
}
BENCHMARK(BM_AccessCheckUncached_Baseline);

// The same member reaching a resource their team's workspace owns: one more query (the role).
void BM_AccessCheckWorkspaceUncached(benchmark::State& state) {
    auto& f = accessFixture();
    for (auto _ : state) {
        auto d = f.uncached->check(kMember, "wsthing", "doc");
        if (!d.visible) throw std::runtime_error("the member must see the workspace's doc");
        benchmark::DoNotOptimize(d);
    }
    setBaseline(state, "BM_AccessCheckUncached_Baseline");
}
BENCHMARK(BM_AccessCheckWorkspaceUncached);

}  // namespace

BENCHMARK_MAIN();
