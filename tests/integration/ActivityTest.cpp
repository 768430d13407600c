// The activity store (core.activity.v1) over real HTTP: who sees which entries (owner,
// sharee while shared, stranger, team members), the per-resource history, filters, cursor
// pagination under concurrent inserts, validation, and retention (sweeper and CLI).
#include <chrono>
#include <ctime>
#include <iostream>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>

#include "ServerProcess.h"
#include "SignedInUser.h"
#include "hub/sdk/Json.h"

namespace hub::tests {
namespace {

using Headers = std::map<std::string, std::string>;

using User = SignedInUser;

/// Decisions are not reused: a test sees each change on its next request.
std::vector<std::string> withCacheOff(std::vector<std::string> extra) {
    extra.insert(extra.begin(), {"--set", "access.cache_ms=0"});
    return extra;
}

/// One feed entry, as the tests look at it.
struct Entry {
    std::string id;
    std::string action;
    std::string actor;
    std::string resourceType;
    std::string resourceId;
    std::string at;
    Poco::JSON::Object::Ptr json;
};

class ActivityTest : public ::testing::Test {
protected:
    void SetUp() override { startServer(); }

    void startServer(const std::vector<std::string>& extra = {}) {
        ASSERT_TRUE(server_.start(allPluginsArgs(withCacheOff(extra)))) << server_.stderrText();
        alice_ = addUser("alice");
        bob_ = addUser("bob");
        carol_ = addUser("carol");
        dave_ = addUser("dave");
    }

    void TearDown() override { printServerLogOnFailure(server_); }

    User addUser(const std::string& name) { return signUp(server_, name); }

    std::string createAdvisor(const User& u, const std::string& name) { return createEchoAdvisor(server_, u, name); }
    Response putAdvisor(const User& u, const std::string& id, const std::string& name, const std::string& model = "m2") {
        return server_.request("PUT", "/api/v1/advisors/" + id,
                               R"({"name":")" + name + R"(","model":")" + model + R"(","gateway":"echo","messages":[]})",
                               u.json());
    }
    Response share(const User& u, const std::string& advisorId, const std::string& principalType,
                   const std::string& principal, const std::string& role) {
        auto o = sdk::json::object();
        o->set("resource_type", "advisor");
        o->set("resource_id", advisorId);
        o->set("principal_type", principalType);
        o->set("principal_name", principal);
        o->set("role", role);
        return server_.postJson("/api/v1/shares", sdk::json::stringify(o), u.auth());
    }
    std::string mustShare(const User& u, const std::string& advisorId, const std::string& principalType,
                          const std::string& principal, const std::string& role) {
        auto r = share(u, advisorId, principalType, principal, role);
        EXPECT_EQ(r.status, 201) << r.body;
        return r.status == 201 ? r.object()->getValue<std::string>("id") : std::string("missing");
    }

    Response feed(const User& u, const std::string& query = "") const {
        return server_.get("/api/v1/activity" + (query.empty() ? std::string() : "?" + query), u.auth());
    }
    /// Every entry of one page the caller may see (the request must succeed).
    std::vector<Entry> entries(const User& u, const std::string& query = "") const {
        auto r = feed(u, query);
        EXPECT_EQ(r.status, 200) << query << " -> " << r.body;
        std::vector<Entry> out;
        if (r.status != 200) return out;
        auto items = r.object()->getArray("items");
        for (std::size_t i = 0; i < items->size(); ++i) {
            auto o = items->getObject(static_cast<unsigned>(i));
            out.push_back({o->getValue<std::string>("id"), o->getValue<std::string>("action"),
                           o->isNull("actor") ? std::string() : o->getValue<std::string>("actor"),
                           o->getValue<std::string>("resource_type"), o->getValue<std::string>("resource_id"),
                           o->getValue<std::string>("at"), o});
        }
        return out;
    }
    /// The actions of the caller's entries about one resource, newest first.
    std::vector<std::string> actionsOn(const User& u, const std::string& resourceId, const std::string& query = "limit=200") const {
        std::vector<std::string> out;
        for (const auto& e : entries(u, query)) {
            if (e.resourceId == resourceId) out.push_back(e.action);
        }
        return out;
    }
    Response history(const User& u, const std::string& type, const std::string& id) const {
        return feed(u, "resource_type=" + type + "&resource_id=" + id);
    }

    ServerProcess server_;
    User alice_, bob_, carol_, dave_;
};

using Actions = std::vector<std::string>;

// ---- who sees what ------------------------------------------------------------------------

TEST_F(ActivityTest, OwnerSeesTheirAdvisorsHistoryAlsoAfterDeletion) {
    std::string id = createAdvisor(alice_, "Planner");
    ASSERT_EQ(putAdvisor(alice_, id, "Planner 2").status, 200);
    // A change that rolls back records nothing: a duplicate name is refused inside the transaction.
    createAdvisor(alice_, "Other");
    ASSERT_EQ(putAdvisor(alice_, id, "Other").status, 409);

    EXPECT_EQ(actionsOn(alice_, id), (Actions{"advisor.updated", "advisor.created"}));
    auto list = entries(alice_, "resource_type=advisor&resource_id=" + id);
    ASSERT_EQ(list.size(), 2u);
    auto updated = list[0].json;
    EXPECT_EQ(updated->getValue<std::string>("actor"), "alice");
    EXPECT_EQ(updated->getValue<std::string>("actor_id"), alice_.id);
    EXPECT_EQ(updated->getValue<std::string>("owner"), "alice");
    EXPECT_EQ(updated->getValue<std::string>("owner_id"), alice_.id);
    EXPECT_EQ(updated->getValue<std::string>("resource_name"), "Planner 2");
    EXPECT_TRUE(updated->isNull("workspace_id"));
    auto details = updated->getObject("details");
    ASSERT_TRUE(details);
    EXPECT_EQ(details->getValue<std::string>("previous_name"), "Planner");
    std::set<std::string> changed;
    auto changedArray = details->getArray("changed");
    for (std::size_t i = 0; i < changedArray->size(); ++i) changed.insert(changedArray->getElement<std::string>(static_cast<unsigned>(i)));
    EXPECT_EQ(changed, (std::set<std::string>{"name", "model"}));
    EXPECT_EQ(list[1].json->getValue<std::string>("resource_name"), "Planner");

    ASSERT_EQ(server_.request("DELETE", "/api/v1/advisors/" + id, "", alice_.auth()).status, 200);
    EXPECT_EQ(actionsOn(alice_, id), (Actions{"advisor.deleted", "advisor.updated", "advisor.created"}));
    // The owner still reads the history of what is gone; nobody else can ask for it.
    EXPECT_EQ(history(alice_, "advisor", id).status, 200);
    EXPECT_EQ(history(bob_, "advisor", id).status, 404);
}

TEST_F(ActivityTest, SharedAdvisorShowsInTheShareesFeedOnlyWhileShared) {
    std::string id = createAdvisor(alice_, "Shared");
    std::string other = createAdvisor(alice_, "Private");
    EXPECT_TRUE(actionsOn(bob_, id).empty());

    std::string grant = mustShare(alice_, id, "user", "bob", "editor");
    ASSERT_EQ(putAdvisor(alice_, id, "Shared v2").status, 200);
    ASSERT_EQ(putAdvisor(bob_, id, "Shared v3").status, 200);  // bob edits with his grant

    EXPECT_EQ(actionsOn(bob_, id), (Actions{"advisor.updated", "advisor.updated", "share.granted", "advisor.created"}));
    EXPECT_TRUE(actionsOn(bob_, other).empty()) << "an unshared advisor of the same owner";
    EXPECT_EQ(history(bob_, "advisor", id).status, 200);
    // The owner sees who changed it.
    auto mine = entries(alice_, "resource_type=advisor&resource_id=" + id + "&type=advisor.updated");
    ASSERT_EQ(mine.size(), 2u);
    EXPECT_EQ(mine[0].actor, "bob");
    EXPECT_EQ(mine[1].actor, "alice");
    auto granted = entries(alice_, "type=share.granted");
    ASSERT_EQ(granted.size(), 1u);
    EXPECT_EQ(granted[0].json->getObject("details")->getValue<std::string>("principal_name"), "bob");
    EXPECT_EQ(granted[0].json->getObject("details")->getValue<std::string>("grant_id"), grant);

    ASSERT_EQ(server_.request("DELETE", "/api/v1/shares/" + grant, "", alice_.auth()).status, 200);
    // On the next request: none of it, also not bob's own edit, and the history is 404.
    EXPECT_TRUE(actionsOn(bob_, id).empty());
    auto gone = history(bob_, "advisor", id);
    EXPECT_EQ(gone.status, 404) << gone.body;
    EXPECT_EQ(gone.errorCode(), "resource_not_found");
    EXPECT_EQ(actionsOn(alice_, id),
              (Actions{"share.revoked", "advisor.updated", "advisor.updated", "share.granted", "advisor.created"}));
}

TEST_F(ActivityTest, ShareEntriesNameOtherGranteesOnlyToManagers) {
    std::string id = createAdvisor(alice_, "Team pick");
    mustShare(alice_, id, "user", "bob", "viewer");
    mustShare(alice_, id, "user", "carol", "owner");  // carol manages it
    auto bobSees = entries(bob_, "type=share");
    ASSERT_EQ(bobSees.size(), 1u) << "bob sees his own grant, not carol's";
    EXPECT_EQ(bobSees[0].json->getObject("details")->getValue<std::string>("principal_name"), "bob");
    EXPECT_EQ(entries(carol_, "type=share").size(), 2u);
    EXPECT_EQ(entries(alice_, "type=share").size(), 2u);
    // Bob still sees what happens to the advisor itself.
    EXPECT_EQ(actionsOn(bob_, id, "type=advisor"), (Actions{"advisor.created"}));
}

TEST_F(ActivityTest, StrangerSeesNothingAndGets404ForAnotherUsersResource) {
    std::string id = createAdvisor(alice_, "Secret");
    ASSERT_EQ(putAdvisor(alice_, id, "Secret 2").status, 200);
    mustShare(alice_, id, "user", "bob", "viewer");
    EXPECT_TRUE(entries(dave_).empty());
    auto r = history(dave_, "advisor", id);
    EXPECT_EQ(r.status, 404);
    EXPECT_EQ(r.errorCode(), "resource_not_found");
    // Indistinguishable from a resource that never existed.
    auto none = history(dave_, "advisor", "00000000-0000-4000-8000-000000000000");
    EXPECT_EQ(none.status, 404);
    EXPECT_EQ(none.body, r.body);
    EXPECT_EQ(history(dave_, "snippet", "00000000-0000-4000-8000-000000000000").status, 404);
    EXPECT_EQ(server_.get("/api/v1/activity").status, 401);
}

TEST_F(ActivityTest, TeamMembersSeeTeamEventsAndResourcesSharedWithTheTeam) {
    auto created = server_.postJson("/api/v1/teams", R"({"name":"crew"})", alice_.auth());
    ASSERT_EQ(created.status, 201) << created.body;
    std::string team = created.object()->getValue<std::string>("id");
    ASSERT_EQ(server_.postJson("/api/v1/teams/" + team + "/members", R"({"username":"bob"})", alice_.auth()).status, 201);
    ASSERT_EQ(server_.request("PATCH", "/api/v1/teams/" + team + "/members/" + bob_.id, R"({"role":"admin"})", alice_.json())
                  .status,
              200);
    std::string id = createAdvisor(alice_, "For the crew");
    mustShare(alice_, id, "team", "crew", "viewer");

    EXPECT_EQ(actionsOn(bob_, team), (Actions{"team.member_role_changed", "team.member_added", "team.created"}));
    EXPECT_EQ(actionsOn(bob_, id), (Actions{"share.granted", "advisor.created"}));
    EXPECT_TRUE(actionsOn(carol_, team).empty());
    EXPECT_TRUE(actionsOn(carol_, id).empty());
    EXPECT_EQ(history(bob_, "team", team).status, 200);
    EXPECT_EQ(history(carol_, "team", team).status, 404);

    // Carol joins: she sees the advisor and the team's past; bob removes alice's admin rights.
    ASSERT_EQ(server_.postJson("/api/v1/teams/" + team + "/members", R"({"username":"carol"})", bob_.auth()).status, 201);
    EXPECT_EQ(actionsOn(carol_, id), (Actions{"share.granted", "advisor.created"}));
    auto added = entries(carol_, "resource_type=team&type=team.member_added");
    ASSERT_EQ(added.size(), 2u);
    EXPECT_EQ(added[0].actor, "bob");
    EXPECT_EQ(added[0].json->getObject("details")->getValue<std::string>("username"), "carol");

    // Leaving the team ends it on the next request, for the team's events and its shares.
    ASSERT_EQ(server_.request("DELETE", "/api/v1/teams/" + team + "/members/" + carol_.id, "", carol_.auth()).status, 200);
    EXPECT_TRUE(actionsOn(carol_, id).empty());
    Actions carolTeam = actionsOn(carol_, team);
    // What she did herself (joining was bob's doing; leaving hers) stays hers to see.
    EXPECT_EQ(carolTeam, (Actions{"team.member_left"}));
    EXPECT_EQ(actionsOn(bob_, team).front(), "team.member_left");
}

TEST_F(ActivityTest, SnippetChangesAreRecordedForTheirOwner) {
    auto r = server_.postJson("/api/v1/snippets",
                              R"({"source_type":"notepad","source_name":"np","content":"# Title\nbody"})", alice_.auth());
    ASSERT_EQ(r.status, 200) << r.body;
    std::string id = r.object()->getValue<std::string>("id");
    ASSERT_EQ(server_.request("PUT", "/api/v1/snippets/" + id,
                              R"({"source_type":"notepad","source_name":"np","content":"# Other\nbody"})", alice_.json())
                  .status,
              200);
    ASSERT_EQ(server_.request("DELETE", "/api/v1/snippets/" + id, "", alice_.auth()).status, 200);
    auto list = entries(alice_, "resource_type=snippet");
    ASSERT_EQ(list.size(), 3u);
    EXPECT_EQ(list[0].action, "snippet.deleted");
    EXPECT_EQ(list[1].action, "snippet.updated");
    EXPECT_EQ(list[1].json->getValue<std::string>("resource_name"), "Other");
    EXPECT_EQ(list[2].action, "snippet.created");
    EXPECT_EQ(list[2].json->getValue<std::string>("resource_name"), "Title");
    EXPECT_TRUE(entries(bob_, "resource_type=snippet").empty());
    EXPECT_EQ(history(bob_, "snippet", id).status, 404);
}

// ---- filters and pagination -----------------------------------------------------------------

TEST_F(ActivityTest, FiltersByActionPrefixTypeResourceAndTime) {
    std::string a = createAdvisor(alice_, "A");
    std::string b = createAdvisor(alice_, "B");
    ASSERT_EQ(putAdvisor(alice_, a, "A2").status, 200);
    mustShare(alice_, b, "user", "bob", "viewer");
    ASSERT_EQ(server_.postJson("/api/v1/snippets", R"({"source_type":"notepad","source_name":"np","content":"x"})",
                               alice_.auth())
                  .status,
              200);

    auto actions = [&](const std::string& q) {
        Actions out;
        for (const auto& e : entries(alice_, q)) out.push_back(e.action);
        return out;
    };
    EXPECT_EQ(actions("type=advisor"), (Actions{"advisor.updated", "advisor.created", "advisor.created"}));
    EXPECT_EQ(actions("type=advisor.created"), (Actions{"advisor.created", "advisor.created"}));
    EXPECT_EQ(actions("type=share"), (Actions{"share.granted"}));
    EXPECT_TRUE(actions("type=advis").empty()) << "a prefix counts only at a dot";
    EXPECT_TRUE(actions("type=advisor.created.x").empty());
    EXPECT_EQ(actions("resource_type=snippet"), (Actions{"snippet.created"}));
    EXPECT_EQ(actions("resource_type=advisor&resource_id=" + b), (Actions{"share.granted", "advisor.created"}));
    EXPECT_EQ(actions("limit=2").size(), 2u);

    // since is inclusive, until exclusive; `at` carries microseconds, so an entry's own time
    // selects exactly it and what came later.
    auto all = entries(alice_);
    ASSERT_EQ(all.size(), 5u);
    std::string third = all[2].at;  // the advisor.updated entry
    EXPECT_EQ(all[2].action, "advisor.updated");
    EXPECT_EQ(actions("since=" + third + "Z"), (Actions{"snippet.created", "share.granted", "advisor.updated"}));
    EXPECT_EQ(actions("until=" + third + "Z"), (Actions{"advisor.created", "advisor.created"}));
    EXPECT_EQ(actions("since=" + percentEncode(third + "+00:00") + "&until=" + percentEncode(all[0].at + "Z")),
              (Actions{"share.granted", "advisor.updated"}));
    EXPECT_TRUE(actions("since=2999-01-01T00:00:00Z").empty());
}

TEST_F(ActivityTest, CursorWalksEveryPageOnceWhileNewEntriesArrive) {
    std::string id = createAdvisor(alice_, "Busy");
    for (int i = 0; i < 22; ++i) ASSERT_EQ(putAdvisor(alice_, id, "Busy " + std::to_string(i)).status, 200);
    std::set<std::string> before;
    for (const auto& e : entries(alice_, "limit=200")) before.insert(e.id);
    ASSERT_EQ(before.size(), 23u);

    std::vector<std::string> walked;
    std::string cursor;
    int pages = 0, extra = 0;
    std::string lastAt = "9999";
    do {
        auto r = feed(alice_, "limit=5" + (cursor.empty() ? std::string() : "&cursor=" + cursor));
        ASSERT_EQ(r.status, 200) << r.body;
        auto o = r.object();
        auto items = o->getArray("items");
        ASSERT_LE(items->size(), 5u);
        for (std::size_t i = 0; i < items->size(); ++i) {
            auto e = items->getObject(static_cast<unsigned>(i));
            walked.push_back(e->getValue<std::string>("id"));
            std::string at = e->getValue<std::string>("at");
            EXPECT_LE(at, lastAt) << "newest first";
            lastAt = at;
        }
        cursor = o->isNull("next_cursor") ? std::string() : o->getValue<std::string>("next_cursor");
        // Entries keep arriving between pages (newer than anything walked so far).
        ASSERT_EQ(putAdvisor(alice_, id, "Interleaved " + std::to_string(extra++)).status, 200);
        createAdvisor(alice_, "New " + std::to_string(pages));
        ASSERT_LT(++pages, 20) << "the walk does not end";
    } while (!cursor.empty());
    EXPECT_EQ(pages, 5);  // 23 entries in pages of 5
    std::set<std::string> unique(walked.begin(), walked.end());
    EXPECT_EQ(unique.size(), walked.size()) << "duplicates";
    EXPECT_EQ(unique, before) << "gaps or newcomers in the walk";
    // The newcomers are all at the top of a fresh first page.
    auto fresh = entries(alice_, "limit=200");
    EXPECT_EQ(fresh.size(), 23u + 2u * static_cast<std::size_t>(pages));
}

// ---- validation ---------------------------------------------------------------------------------

TEST_F(ActivityTest, BadParametersAre422WithTheErrorEnvelope) {
    createAdvisor(alice_, "One");
    struct Case {
        std::string query;
        std::string code;
    };
    const std::vector<Case> cases{
        {"limit=0", "invalid_limit"},
        {"limit=201", "invalid_limit"},
        {"limit=-1", "invalid_limit"},
        {"limit=ten", "invalid_limit"},
        {"limit=", "invalid_limit"},
        {"limit=99999999999999999999", "invalid_limit"},
        {"cursor=not*base64", "invalid_cursor"},
        {"cursor=bm90IGEgY3Vyc29y", "invalid_cursor"},  // "not a cursor"
        {"cursor=", "invalid_cursor"},
        {"since=yesterday", "invalid_timestamp"},
        {"since=2026-13-01T00:00:00Z", "invalid_timestamp"},
        {"until=2026-01-01", "invalid_timestamp"},
        {"since=2026-01-02T00:00:00Z&until=2026-01-01T00:00:00Z", "invalid_time_range"},
        {"resource_id=abc", "missing_resource_type"},
        {"resource_type=Advisor", "invalid_resource_type"},
        {"resource_type=advisor&resource_id=", "invalid_resource_id"},
        {"type=Advisor", "invalid_type"},
        {"type=advisor..updated", "invalid_type"},
        {"type=%25", "invalid_type"},
        {"tyep=advisor", "unknown_parameter"},
    };
    for (const auto& c : cases) {
        auto r = feed(alice_, c.query);
        EXPECT_EQ(r.status, 422) << c.query << " -> " << r.body;
        EXPECT_EQ(r.errorCode(), c.code) << c.query << " -> " << r.body;
        auto o = r.object();
        ASSERT_TRUE(o) << r.body;
        EXPECT_FALSE(r.detail().empty()) << c.query;
        EXPECT_EQ(o->getObject("error")->getValue<std::string>("message"), r.detail()) << c.query;
    }
    EXPECT_EQ(feed(alice_, "limit=1").status, 200);
    EXPECT_EQ(feed(alice_, "limit=200").status, 200);
    // The workspace feed is reserved: no workspace exists yet.
    auto ws = server_.get("/api/v1/workspaces/00000000-0000-4000-8000-000000000000/activity", alice_.auth());
    EXPECT_EQ(ws.status, 404);
    EXPECT_EQ(ws.errorCode(), "workspace_not_found");
}

// ---- retention ----------------------------------------------------------------------------------

class ActivityRetentionTest : public ActivityTest {
protected:
    void SetUp() override {}

    /// Inserts an entry owned by `u`, `days` old, straight into the database.
    void insertOld(const User& u, int days, const std::string& id) {
        long long at = (static_cast<long long>(std::time(nullptr)) - static_cast<long long>(days) * 86400) * 1000000LL;
        server_.execute("INSERT INTO activity (id, at, actor_id, action, resource_type, resource_id, resource_name, "
                        "owner_id, details) VALUES ($1, $2, $3, 'advisor.updated', 'advisor', $4, 'old', $5, '{}')",
                        {id, std::to_string(at), u.id, id, u.id});
    }
    long long count() const { return server_.scalar("SELECT COUNT(*) FROM activity"); }
};

TEST_F(ActivityRetentionTest, TheSweeperDeletesEntriesOlderThanRetention) {
    startServer({"--set", "activity.retention_days=1", "--set", "activity.sweep_interval_seconds=1"});
    std::string fresh = createAdvisor(alice_, "Fresh");
    insertOld(alice_, 3, "11111111-1111-4111-8111-111111111111");
    insertOld(alice_, 2, "22222222-2222-4222-8222-222222222222");
    long long total = count();
    ASSERT_GE(total, 3);
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (count() > total - 2 && std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    EXPECT_EQ(count(), total - 2);
    EXPECT_EQ(actionsOn(alice_, fresh), (Actions{"advisor.created"}));
    EXPECT_EQ(server_.scalar("SELECT COUNT(*) FROM activity WHERE resource_name = 'old'"), 0);
}

TEST_F(ActivityRetentionTest, PruneCommandAndKeepForever) {
    startServer({"--set", "activity.retention_days=0", "--set", "activity.sweep_interval_seconds=1"});
    createAdvisor(alice_, "Fresh");
    insertOld(alice_, 400, "33333333-3333-4333-8333-333333333333");
    insertOld(alice_, 10, "44444444-4444-4444-8444-444444444444");
    std::this_thread::sleep_for(std::chrono::milliseconds(1500));
    long long total = count();
    EXPECT_EQ(server_.scalar("SELECT COUNT(*) FROM activity WHERE resource_name = 'old'"), 2) << "0 keeps forever";
    // Old entries show in the feed like any other (they are alice's).
    EXPECT_EQ(entries(alice_, "type=advisor.updated").size(), 2u);

    EXPECT_EQ(server_.runToExit({"activity", "prune", "--set", "activity.retention_days=0"}), 0);
    EXPECT_EQ(count(), total);
    EXPECT_EQ(server_.runToExit({"activity", "prune", "--set", "activity.retention_days=30"}), 0);
    EXPECT_EQ(count(), total - 1);
    EXPECT_EQ(server_.runToExit({"activity", "prune", "--set", "activity.retention_days=5"}), 0);
    EXPECT_EQ(count(), total - 2);
    EXPECT_EQ(server_.runToExit({"activity", "bogus"}), 64);
    EXPECT_EQ(server_.runToExit({"--check-config", "--set", "activity.retention_days=-1"}), 78);
    EXPECT_EQ(server_.runToExit({"--check-config", "--set", "activity.sweep_interval_seconds=0"}), 78);
}

}  // namespace
}  // namespace hub::tests
