// TtlCache: expiry, single-flight loading, error propagation and refresh-ahead.
#include <atomic>
#include <stdexcept>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "util/TtlCache.h"

namespace hub::core {
namespace {

using namespace std::chrono_literals;

TEST(TtlCacheTest, EntriesExpireAfterTheirTtl) {
    TtlCache<int> cache(50ms, 10);
    cache.put("a", 1);
    EXPECT_EQ(cache.get("a"), 1);
    std::this_thread::sleep_for(70ms);
    EXPECT_FALSE(cache.get("a"));
}

TEST(TtlCacheTest, ZeroTtlDisablesCaching) {
    TtlCache<int> cache(0ms, 10);
    int loads = 0;
    cache.getOrLoad("a", [&] { ++loads; return std::optional<int>(1); });
    cache.getOrLoad("a", [&] { ++loads; return std::optional<int>(1); });
    EXPECT_EQ(loads, 2);
}

TEST(TtlCacheTest, ConcurrentMissesShareOneLoad) {
    TtlCache<int> cache(1000ms, 10);
    std::atomic<int> loads{0};
    std::vector<std::thread> threads;
    std::atomic<int> sum{0};
    for (int i = 0; i < 16; ++i) {
        threads.emplace_back([&] {
            auto v = cache.getOrLoad("k", [&] {
                ++loads;
                std::this_thread::sleep_for(50ms);
                return std::optional<int>(7);
            });
            sum += v.value_or(0);
        });
    }
    for (auto& t : threads) t.join();
    EXPECT_EQ(loads.load(), 1);
    EXPECT_EQ(sum.load(), 16 * 7);
}

TEST(TtlCacheTest, LoadErrorsReachEveryWaiterAndAreNotCached) {
    TtlCache<int> cache(1000ms, 10);
    std::atomic<int> failures{0};
    std::vector<std::thread> threads;
    for (int i = 0; i < 8; ++i) {
        threads.emplace_back([&] {
            try {
                cache.getOrLoad("k", [&]() -> std::optional<int> {
                    std::this_thread::sleep_for(30ms);
                    throw std::runtime_error("revoked");
                });
            } catch (const std::runtime_error&) {
                ++failures;
            }
        });
    }
    for (auto& t : threads) t.join();
    EXPECT_EQ(failures.load(), 8);
    EXPECT_FALSE(cache.get("k"));
}

TEST(TtlCacheTest, NulloptIsNotCached) {
    TtlCache<int> cache(1000ms, 10);
    int loads = 0;
    cache.getOrLoad("k", [&] { ++loads; return std::optional<int>(); });
    cache.getOrLoad("k", [&] { ++loads; return std::optional<int>(); });
    EXPECT_EQ(loads, 2);
}

TEST(TtlCacheTest, HotEntryIsReloadedBeforeItExpires) {
    TtlCache<int> cache(100ms, 10);
    int loads = 0;
    auto load = [&] { ++loads; return std::optional<int>(loads); };
    EXPECT_EQ(cache.getOrLoad("k", load), 1);
    std::this_thread::sleep_for(80ms);  // past 3/4 of the TTL, still valid
    EXPECT_EQ(cache.getOrLoad("k", load), 2);  // this caller refreshed it
    std::this_thread::sleep_for(40ms);  // the first entry would have expired by now
    EXPECT_EQ(cache.get("k"), 2);
    EXPECT_EQ(loads, 2);
}

TEST(TtlCacheTest, AFailedRefreshDropsTheEntry) {
    TtlCache<int> cache(100ms, 10);
    cache.getOrLoad("k", [] { return std::optional<int>(1); });
    std::this_thread::sleep_for(80ms);
    EXPECT_THROW(cache.getOrLoad("k", []() -> std::optional<int> { throw std::runtime_error("gone"); }),
                 std::runtime_error);
    EXPECT_FALSE(cache.get("k"));
}

}  // namespace
}  // namespace hub::core
