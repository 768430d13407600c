// The activity store below HTTP: what record() refuses, that an entry shares the fate of the
// caller's transaction, paging through entries that share one microsecond, and retention.
#include <set>
#include <stdexcept>

#include <gtest/gtest.h>

#include "access/AccessService.h"
#include "activity/ActivityService.h"
#include "hub/sdk/Json.h"
#include "core/storage/StorageTestSupport.h"

namespace hub::core {
namespace {

class NoUsers : public sdk::IAuth {
public:
    std::optional<sdk::UserInfo> findUserById(const std::string&) const override { return std::nullopt; }
    std::optional<sdk::UserInfo> findUserByName(const std::string&) const override { return std::nullopt; }
};

/// A clock the test moves by hand (entries recorded without moving it share one microsecond).
class ManualClock : public sdk::IClock {
public:
    int64_t nowMicros() const override { return now; }
    int64_t now = 1'800'000'000'000'000;
};

constexpr int64_t kDay = 86400LL * 1000000LL;
const std::string kAlice = "00000000-0000-4000-8000-00000000000a";
const std::string kBob = "00000000-0000-4000-8000-00000000000b";

class ActivityServiceTest : public ::testing::Test {
protected:
    sdk::ActivityEntry entry(const std::string& action = "thing.updated", const std::string& owner = kAlice) const {
        sdk::ActivityEntry e;
        e.actorId = owner;
        e.action = action;
        e.resourceType = "thing";
        e.resourceId = "t1";
        e.resourceName = "Thing";
        e.ownerId = owner;
        return e;
    }
    Poco::Int64 rows() {
        Poco::Int64 n = 0;
        db_.db().withSession([&](Poco::Data::Session& s) {
            s << "SELECT COUNT(*) FROM activity", Poco::Data::Keywords::into(n), Poco::Data::Keywords::now;
        });
        return n;
    }
    ActivityQuery query(const std::string& reader, std::size_t limit) const {
        ActivityQuery q;
        q.readerId = reader;
        q.limit = limit;
        return q;
    }

    storage::test::MigratedDb db_{"hub-unit-activity"};
    NoUsers auth_;
    ManualClock clock_;
    AccessService access_{db_.db(), auth_, clock_, 0};
    ActivityService activity_{db_.db(), access_, clock_};
};

TEST_F(ActivityServiceTest, RefusesEntriesThatBreakTheRules) {
    auto bad = [&](auto change) {
        sdk::ActivityEntry e = entry();
        change(e);
        EXPECT_THROW(activity_.record(e), std::invalid_argument);
    };
    bad([](sdk::ActivityEntry& e) { e.action = "updated"; });          // no type part
    bad([](sdk::ActivityEntry& e) { e.action = "Thing.Updated"; });    // upper case
    bad([](sdk::ActivityEntry& e) { e.action = "thing..updated"; });
    bad([](sdk::ActivityEntry& e) { e.action = "thing.up dated"; });
    bad([](sdk::ActivityEntry& e) { e.action = "a." + std::string(70, 'b'); });
    bad([](sdk::ActivityEntry& e) { e.resourceType = ""; });
    bad([](sdk::ActivityEntry& e) { e.resourceType = "Thing"; });
    bad([](sdk::ActivityEntry& e) { e.resourceId = ""; });
    bad([](sdk::ActivityEntry& e) { e.resourceId = std::string(1025, 'x'); });
    bad([](sdk::ActivityEntry& e) { e.workspaceId = ""; });
    bad([](sdk::ActivityEntry& e) {
        e.details = sdk::json::object();
        e.details->set("big", std::string(17 * 1024, 'x'));
    });
    EXPECT_EQ(rows(), 0);

    // A long name is cut at a character boundary, not refused.
    sdk::ActivityEntry e = entry();
    e.resourceName = std::string(1023, 'a') + "\xc3\xa9";  // 1025 bytes, é straddling the limit
    activity_.record(e);
    auto page = activity_.feed(query(kAlice, 10));
    ASSERT_EQ(page.items.size(), 1u);
    EXPECT_EQ(page.items[0].resourceName, std::string(1023, 'a'));
}

TEST_F(ActivityServiceTest, AnEntryRollsBackWithTheCallersTransaction) {
    EXPECT_THROW(db_.db().withTransaction([&](Poco::Data::Session& s) {
        activity_.record(s, entry("thing.created"));
        throw std::runtime_error("the change failed");
    }),
                 std::runtime_error);
    EXPECT_EQ(rows(), 0);
    db_.db().withTransaction([&](Poco::Data::Session& s) { activity_.record(s, entry("thing.created")); });
    EXPECT_EQ(rows(), 1);
}

TEST_F(ActivityServiceTest, PagesThroughEntriesOfOneMicrosecondWithoutRepeatsOrGaps) {
    std::set<std::string> ids;
    for (int i = 0; i < 17; ++i) ids.insert(activity_.record(entry()));
    std::set<std::string> walked;
    ActivityQuery q = query(kAlice, 4);
    int pages = 0;
    for (;;) {
        ActivityPage page = activity_.feed(q);
        ++pages;
        for (const auto& r : page.items) EXPECT_TRUE(walked.insert(r.id).second) << "repeated " << r.id;
        if (!page.next) break;
        q.after = page.next;
        ASSERT_LT(pages, 10);
    }
    EXPECT_EQ(pages, 5);
    EXPECT_EQ(walked, ids);
    // Someone else's entries about a resource type nobody registered: never shown to bob.
    EXPECT_TRUE(activity_.feed(query(kBob, 50)).items.empty());
    EXPECT_FALSE(activity_.canReadHistory(kBob, "thing", "t1"));
    EXPECT_TRUE(activity_.canReadHistory(kAlice, "thing", "t1"));
}

TEST_F(ActivityServiceTest, AReaderWithManyHiddenEntriesGetsShortPagesThatStillReachEverything) {
    activity_.record(entry("thing.created"));  // alice's own, the oldest
    clock_.now += 1;
    // Bob's resources that alice once changed (a type nobody registered: she cannot see them).
    sdk::ActivityEntry hidden = entry("thing.updated", kBob);
    hidden.actorId = kAlice;
    db_.db().withTransaction([&](Poco::Data::Session& s) {
        for (int i = 0; i < 5100; ++i) activity_.record(s, hidden);
    });
    ActivityPage first = activity_.feed(query(kAlice, 10));
    EXPECT_TRUE(first.items.empty());
    ASSERT_TRUE(first.next) << "the scan limit ends the page with a cursor, not with the end";
    ActivityQuery q = query(kAlice, 10);
    q.after = first.next;
    ActivityPage second = activity_.feed(q);
    ASSERT_EQ(second.items.size(), 1u);
    EXPECT_EQ(second.items[0].action, "thing.created");
    EXPECT_FALSE(second.next);
}

TEST_F(ActivityServiceTest, PruneDeletesOnlyEntriesOlderThanRetention) {
    activity_.record(entry("thing.created"));
    clock_.now += 2 * kDay;
    activity_.record(entry("thing.updated"));
    clock_.now += kDay / 2;
    EXPECT_EQ(activity_.prune(0), 0) << "0 keeps forever";
    EXPECT_EQ(activity_.prune(3), 0);
    EXPECT_EQ(activity_.prune(1), 1);
    EXPECT_EQ(rows(), 1);
    auto page = activity_.feed(query(kAlice, 10));
    ASSERT_EQ(page.items.size(), 1u);
    EXPECT_EQ(page.items[0].action, "thing.updated");
}

TEST_F(ActivityServiceTest, PruneWorksThroughABacklogLargerThanOneSlice) {
    for (int i = 0; i < 1100; ++i) activity_.record(entry());
    clock_.now += 10 * kDay;
    activity_.record(entry("thing.deleted"));
    EXPECT_EQ(activity_.prune(5), 1100);
    EXPECT_EQ(rows(), 1);
}

}  // namespace
}  // namespace hub::core
