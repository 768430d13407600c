#include "auth/LoginThrottle.h"

#include <string>

#include <gtest/gtest.h>

namespace hub::core {
namespace {

ThrottleSettings smallLimits() {
    ThrottleSettings s;
    s.accountFailures = 3;
    s.ipFailures = 10;
    s.windowSeconds = 900;
    s.maxLockoutSeconds = 60;
    return s;
}

void fail(LoginThrottle& t, const std::string& user, const std::string& ip, int times) {
    for (int i = 0; i < times; ++i) {
        t.recordFailure(user, ip);
    }
}

TEST(LoginThrottleTest, AllowsAttemptsBelowTheAccountLimit) {
    LoginThrottle t(smallLimits());
    EXPECT_EQ(t.retryAfter("alice", "10.0.0.1"), 0);
    fail(t, "alice", "10.0.0.1", 2);
    EXPECT_EQ(t.retryAfter("alice", "10.0.0.1"), 0);
}

TEST(LoginThrottleTest, BlocksSameAccountAndIpAfterAccountFailures) {
    LoginThrottle t(smallLimits());
    fail(t, "alice", "10.0.0.1", 3);
    int wait = t.retryAfter("alice", "10.0.0.1");
    EXPECT_GT(wait, 0);
    EXPECT_LE(wait, 60);
}

TEST(LoginThrottleTest, LockoutNeverExceedsTheWindow) {
    ThrottleSettings s = smallLimits();
    s.windowSeconds = 20;
    s.maxLockoutSeconds = 900;
    LoginThrottle t(s);
    fail(t, "alice", "10.0.0.1", 3);
    int wait = t.retryAfter("alice", "10.0.0.1");
    EXPECT_GT(wait, 0);
    EXPECT_LE(wait, 21);
}

TEST(LoginThrottleTest, UsernamesAreCaseInsensitive) {
    LoginThrottle t(smallLimits());
    fail(t, "Alice", "10.0.0.1", 3);
    EXPECT_GT(t.retryAfter("alice", "10.0.0.1"), 0);
    EXPECT_GT(t.retryAfter("ALICE", "10.0.0.1"), 0);
}

TEST(LoginThrottleTest, OtherIpForTheSameAccountIsNotBlockedByThePairLimit) {
    LoginThrottle t(smallLimits());
    fail(t, "alice", "10.0.0.1", 3);
    EXPECT_GT(t.retryAfter("alice", "10.0.0.1"), 0);
    EXPECT_EQ(t.retryAfter("alice", "10.0.0.2"), 0);
}

TEST(LoginThrottleTest, OtherAccountFromTheSameIpIsNotBlockedByThePairLimit) {
    LoginThrottle t(smallLimits());
    fail(t, "alice", "10.0.0.1", 3);
    EXPECT_EQ(t.retryAfter("bob", "10.0.0.1"), 0);
}

TEST(LoginThrottleTest, SuccessClearsThePairCounter) {
    LoginThrottle t(smallLimits());
    fail(t, "alice", "10.0.0.1", 2);
    t.recordSuccess("alice", "10.0.0.1");
    fail(t, "alice", "10.0.0.1", 2);
    // Four failures in total, but only two since the success.
    EXPECT_EQ(t.retryAfter("alice", "10.0.0.1"), 0);
    t.recordFailure("alice", "10.0.0.1");
    EXPECT_GT(t.retryAfter("alice", "10.0.0.1"), 0);
}

TEST(LoginThrottleTest, SuccessUnblocksALockedPair) {
    LoginThrottle t(smallLimits());
    fail(t, "alice", "10.0.0.1", 3);
    ASSERT_GT(t.retryAfter("alice", "10.0.0.1"), 0);
    t.recordSuccess("Alice", "10.0.0.1");
    EXPECT_EQ(t.retryAfter("alice", "10.0.0.1"), 0);
}

TEST(LoginThrottleTest, IpLimitBlocksEveryAccountFromThatIp) {
    LoginThrottle t(smallLimits());
    for (int i = 0; i < 10; ++i) {
        t.recordFailure("user" + std::to_string(i), "10.0.0.9");
    }
    int wait = t.retryAfter("someone-new", "10.0.0.9");
    EXPECT_GT(wait, 0);
    EXPECT_LE(wait, 60);
    EXPECT_EQ(t.retryAfter("someone-new", "10.0.0.10"), 0);
}

TEST(LoginThrottleTest, AccountWideLimitIsTenTimesThePairLimit) {
    LoginThrottle t(smallLimits());
    // Two failures from each of 15 addresses: no pair reaches 3, the account reaches 30.
    for (int i = 0; i < 14; ++i) {
        fail(t, "alice", "192.0.2." + std::to_string(i), 2);
    }
    EXPECT_EQ(t.retryAfter("alice", "198.51.100.1"), 0);
    fail(t, "alice", "192.0.2.99", 2);
    EXPECT_GT(t.retryAfter("alice", "198.51.100.1"), 0);
    EXPECT_EQ(t.retryAfter("bob", "198.51.100.1"), 0);
}

}  // namespace
}  // namespace hub::core
