// core.links.v1 on a real SQLite database: token shape, expiry by the clock, use limits,
// passwords (required / invalid / right, nothing counted on failure), revocation by id or
// token within one resource, forgetResource, and the access model's checks for registered
// resource types (a missing resource, a creator who lost the right to share).
#include "access/ShareLinks.h"

#include <atomic>
#include <set>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <Poco/Data/Session.h>

#include "core/storage/StorageTestSupport.h"
#include "hub/sdk/Error.h"

using namespace Poco::Data::Keywords;

namespace hub::core {
namespace {

class NoUsers : public sdk::IAuth {
public:
    std::optional<sdk::UserInfo> findUserById(const std::string&) const override { return std::nullopt; }
    std::optional<sdk::UserInfo> findUserByName(const std::string&) const override { return std::nullopt; }
};

class SetClock : public sdk::IClock {
public:
    int64_t nowMicros() const override { return now.load(); }
    std::atomic<int64_t> now{1'800'000'000'000'000};
};

constexpr const char* kAlice = "00000000-0000-4000-8000-00000000000a";
constexpr const char* kBob = "00000000-0000-4000-8000-00000000000b";

class ShareLinksTest : public ::testing::Test {
protected:
    void SetUp() override {
        for (std::string id : {kAlice, kBob}) {
            std::string name = id == kAlice ? "alice" : "bob";
            db_.db().withTransaction([&](Poco::Data::Session& s) {
                s << "INSERT INTO users (id, username, hashed_password, created_at, updated_at, password_changed_at) "
                     "VALUES ($1, $2, 'x', 0, 0, 0)",
                    use(id), use(name), now;
            });
        }
    }

    /// The error code resolve() throws, or "" when it succeeds.
    std::string resolveCode(const std::string& token, const std::string& password = "") {
        try {
            links_.resolve(token, password);
            return "";
        } catch (const sdk::Error& e) {
            return std::to_string(e.status()) + " " + e.code();
        }
    }

    storage::test::MigratedDb db_{"hub-unit-links"};
    NoUsers auth_;
    SetClock clock_;
    PasswordHasher hasher_{8192, 1, 4};
    AccessService access_{db_.db(), auth_, clock_, 0};
    ShareLinks links_{db_.db(), hasher_, access_, clock_};
};

TEST_F(ShareLinksTest, TokensAre43CharactersOfBase64UrlAndNeverRepeat) {
    std::set<std::string> seen;
    for (int i = 0; i < 200; ++i) {
        std::string t = ShareLinks::newToken();
        EXPECT_EQ(t.size(), 43u);
        EXPECT_TRUE(ShareLinks::wellFormedToken(t)) << t;
        EXPECT_TRUE(seen.insert(t).second);
    }
    EXPECT_FALSE(ShareLinks::wellFormedToken(""));
    EXPECT_FALSE(ShareLinks::wellFormedToken(std::string(43, '+')));
    EXPECT_FALSE(ShareLinks::wellFormedToken(std::string(44, 'A')));
}

TEST_F(ShareLinksTest, OnlyTheHashIsStoredAndTheLinkResolvesUntilItExpires) {
    sdk::ShareLinkPolicy p;
    p.expiresAt = clock_.now + 60'000'000;
    p.payloadJson = R"({"cutoff": 4})";
    auto created = links_.create(kAlice, "thing", "t1", p);
    Poco::Int64 stored = -1;
    std::string token = created.token;
    db_.db().withSession([&](Poco::Data::Session& s) {
        s << "SELECT COUNT(*) FROM share_links WHERE token_hash = $1", use(token), into(stored), now;
    });
    EXPECT_EQ(stored, 0);
    auto l = links_.resolve(token, "");
    EXPECT_EQ(l.id, created.link.id);
    EXPECT_EQ(l.payloadJson, R"({"cutoff": 4})");
    EXPECT_EQ(l.useCount, 1);
    clock_.now += 60'000'000;
    EXPECT_EQ(resolveCode(token), "404 share_link_not_found");
    EXPECT_EQ(resolveCode(ShareLinks::newToken()), "404 share_link_not_found");
    EXPECT_EQ(resolveCode("not a token"), "404 share_link_not_found");
}

TEST_F(ShareLinksTest, UsesAreCountedExactlyEvenConcurrently) {
    sdk::ShareLinkPolicy p;
    p.maxUses = 5;
    auto created = links_.create(kAlice, "thing", "t1", p);
    EXPECT_EQ(links_.inspect(created.token, "").useCount, 0);  // inspect counts nothing
    std::atomic<int> ok{0}, refused{0};
    std::vector<std::thread> threads;
    for (int i = 0; i < 12; ++i) {
        threads.emplace_back([&] { (resolveCode(created.token).empty() ? ok : refused).fetch_add(1); });
    }
    for (auto& t : threads) t.join();
    EXPECT_EQ(ok.load(), 5);
    EXPECT_EQ(refused.load(), 7);
    EXPECT_EQ(links_.list("thing", "t1").at(0).useCount, 5);
    EXPECT_FALSE(links_.list("thing", "t1").at(0).live(clock_.now));
}

TEST_F(ShareLinksTest, APasswordIsAskedForCheckedAndFailuresCountNothing) {
    sdk::ShareLinkPolicy p;
    p.password = "hunter2";
    p.maxUses = 1;
    auto created = links_.create(kAlice, "thing", "t1", p);
    EXPECT_TRUE(created.link.hasPassword);
    EXPECT_EQ(resolveCode(created.token), "401 share_password_required");
    EXPECT_EQ(resolveCode(created.token, "hunter3"), "401 share_password_invalid");
    EXPECT_EQ(resolveCode(created.token, std::string(2000, 'x')), "401 share_password_invalid");
    EXPECT_EQ(resolveCode(created.token, "hunter2"), "");
    // Used up: 404 before any password question.
    EXPECT_EQ(resolveCode(created.token), "404 share_link_not_found");
}

TEST_F(ShareLinksTest, BadPoliciesAreRefused) {
    auto code = [&](const sdk::ShareLinkPolicy& p) {
        try {
            links_.create(kAlice, "thing", "t1", p);
            return std::string();
        } catch (const sdk::Error& e) {
            return e.code();
        }
    };
    sdk::ShareLinkPolicy p;
    p.mode = "write";
    EXPECT_EQ(code(p), "invalid_link_mode");
    p = {};
    p.expiresAt = clock_.now;
    EXPECT_EQ(code(p), "expiry_in_past");
    p = {};
    p.maxUses = -1;
    EXPECT_EQ(code(p), "invalid_max_uses");
    p = {};
    p.payloadJson = "[1]";
    EXPECT_EQ(code(p), "invalid_link_payload");
    p = {};
    p.password = std::string(1025, 'p');
    EXPECT_EQ(code(p), "password_too_long");
    p = {};
    p.mode = "upload";
    EXPECT_EQ(code(p), "");
    EXPECT_EQ(links_.list("thing", "t1").size(), 1u);
}

TEST_F(ShareLinksTest, RevocationNeedsTheRightResourceAndForgetResourceDropsEveryLink) {
    auto a = links_.create(kAlice, "thing", "t1", {});
    auto b = links_.create(kAlice, "thing", "t1", {});
    auto other = links_.create(kAlice, "thing", "t2", {});
    EXPECT_FALSE(links_.revoke("thing", "t2", a.token));
    EXPECT_FALSE(links_.revoke("thing", "t1", "garbage"));
    EXPECT_TRUE(links_.revoke("thing", "t1", a.token));
    EXPECT_TRUE(links_.revoke("thing", "t1", b.link.id));
    EXPECT_FALSE(links_.revoke("thing", "t1", b.link.id));
    EXPECT_EQ(resolveCode(a.token), "404 share_link_not_found");
    links_.create(kAlice, "thing", "t1", {});
    db_.db().withTransaction([&](Poco::Data::Session& s) { links_.forgetResource(s, "thing", "t1"); });
    EXPECT_TRUE(links_.list("thing", "t1").empty());
    EXPECT_EQ(resolveCode(other.token), "");
}

TEST_F(ShareLinksTest, ForARegisteredTypeTheResourceMustExistAndTheCreatorKeepTheRightToShare) {
    std::set<std::string> existing{"d1"};
    access_.addResourceType({"doc", sdk::access::kView | sdk::access::kReshare, [&](const std::string& id) {
                                 std::optional<sdk::AccessResource> r;
                                 if (existing.count(id)) r = sdk::AccessResource{kAlice, id};
                                 return r;
                             }});
    EXPECT_THROW(links_.create(kAlice, "doc", "missing", {}), sdk::NotFound);
    auto byOwner = links_.create(kAlice, "doc", "d1", {});
    // Bob never held reshare on d1: a link in his name (the caller's check skipped) is dead.
    auto byBob = links_.create(kBob, "doc", "d1", {});
    EXPECT_EQ(resolveCode(byOwner.token), "");
    EXPECT_EQ(resolveCode(byBob.token), "404 share_link_not_found");
    existing.clear();
    EXPECT_EQ(resolveCode(byOwner.token), "404 share_link_not_found");
    access_.removeResourceType("doc");
}

}  // namespace
}  // namespace hub::core
