#include "storage/ChunkCache.h"

#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

namespace hub::core::storage {
namespace {

ChunkCache::Data bytesOf(std::size_t n, char fill = 'x') { return std::make_shared<const std::string>(n, fill); }

TEST(ChunkCacheTest, MissThenHit) {
    ChunkCache cache(4000);
    EXPECT_EQ(cache.get("a"), nullptr);
    EXPECT_EQ(cache.misses(), 1u);
    EXPECT_EQ(cache.hits(), 0u);
    auto data = bytesOf(100, 'a');
    cache.put("a", data);
    auto hit = cache.get("a");
    ASSERT_NE(hit, nullptr);
    EXPECT_EQ(hit, data);  // the same shared buffer, not a copy
    EXPECT_EQ(cache.hits(), 1u);
    EXPECT_EQ(cache.misses(), 1u);
    EXPECT_EQ(cache.sizeBytes(), 100u);
}

TEST(ChunkCacheTest, EvictsLeastRecentlyUsedByBytes) {
    ChunkCache cache(1000);  // entries up to 250 bytes are kept
    cache.put("a", bytesOf(250, 'a'));
    cache.put("b", bytesOf(250, 'b'));
    cache.put("c", bytesOf(250, 'c'));
    cache.put("d", bytesOf(250, 'd'));
    EXPECT_EQ(cache.sizeBytes(), 1000u);
    ASSERT_NE(cache.get("a"), nullptr);  // a becomes the most recently used; b is the oldest
    cache.put("e", bytesOf(100, 'e'));
    EXPECT_EQ(cache.sizeBytes(), 850u);
    EXPECT_EQ(cache.get("b"), nullptr);
    EXPECT_NE(cache.get("a"), nullptr);
    EXPECT_NE(cache.get("c"), nullptr);
    EXPECT_NE(cache.get("d"), nullptr);
    EXPECT_NE(cache.get("e"), nullptr);
    // Usage order now a, c, d, e (oldest first): two more 250-byte entries push out a and c.
    cache.put("f", bytesOf(250, 'f'));
    cache.put("g", bytesOf(250, 'g'));
    EXPECT_LE(cache.sizeBytes(), 1000u);
    EXPECT_EQ(cache.get("a"), nullptr);
    EXPECT_EQ(cache.get("c"), nullptr);
    EXPECT_NE(cache.get("d"), nullptr);
    EXPECT_NE(cache.get("e"), nullptr);
    EXPECT_NE(cache.get("f"), nullptr);
    EXPECT_NE(cache.get("g"), nullptr);
    EXPECT_EQ(cache.sizeBytes(), 850u);
}

TEST(ChunkCacheTest, ManySmallEntriesStayWithinCapacity) {
    ChunkCache cache(10000);
    for (int i = 0; i < 1000; ++i) {
        cache.put("k" + std::to_string(i), bytesOf(static_cast<std::size_t>(1 + i % 37)));
        EXPECT_LE(cache.sizeBytes(), 10000u);
    }
    EXPECT_NE(cache.get("k999"), nullptr);  // the newest are kept
    EXPECT_EQ(cache.get("k0"), nullptr);    // the oldest are gone
}

TEST(ChunkCacheTest, OversizedEntriesAreNotCached) {
    ChunkCache cache(1000);
    cache.put("small", bytesOf(200));
    cache.put("big", bytesOf(251));  // more than a quarter of the capacity
    EXPECT_EQ(cache.get("big"), nullptr);
    EXPECT_NE(cache.get("small"), nullptr);  // and it did not flush anything
    EXPECT_EQ(cache.sizeBytes(), 200u);
    cache.put("edge", bytesOf(250));  // exactly a quarter is kept
    EXPECT_NE(cache.get("edge"), nullptr);
    EXPECT_EQ(cache.sizeBytes(), 450u);
}

TEST(ChunkCacheTest, ZeroCapacityDisablesCaching) {
    ChunkCache cache(0);
    cache.put("a", bytesOf(1));
    cache.put("b", bytesOf(0));
    EXPECT_EQ(cache.get("a"), nullptr);
    EXPECT_EQ(cache.get("b"), nullptr);
    EXPECT_EQ(cache.sizeBytes(), 0u);
    EXPECT_EQ(cache.misses(), 2u);
    EXPECT_EQ(cache.hits(), 0u);
}

TEST(ChunkCacheTest, NullDataIsIgnored) {
    ChunkCache cache(1000);
    cache.put("a", nullptr);
    EXPECT_EQ(cache.get("a"), nullptr);
    EXPECT_EQ(cache.sizeBytes(), 0u);
}

TEST(ChunkCacheTest, PutOfAKnownKeyKeepsTheFirstAndRefreshesIt) {
    ChunkCache cache(1000);
    auto first = bytesOf(100, '1');
    cache.put("a", first);
    cache.put("b", bytesOf(250, 'b'));
    cache.put("c", bytesOf(250, 'c'));
    cache.put("a", bytesOf(100, '2'));  // chunks are immutable: same key, same bytes
    EXPECT_EQ(cache.sizeBytes(), 600u);  // counted once
    cache.put("d", bytesOf(250, 'd'));
    cache.put("e", bytesOf(250, 'e'));  // 1100 > 1000: the oldest, b, goes (a was refreshed)
    EXPECT_EQ(cache.get("b"), nullptr);
    EXPECT_EQ(cache.get("a"), first);
}

TEST(ChunkCacheTest, EraseRemovesAndFreesBytes) {
    ChunkCache cache(1000);
    cache.put("a", bytesOf(100));
    cache.put("b", bytesOf(200));
    cache.erase("a");
    cache.erase("missing");
    EXPECT_EQ(cache.sizeBytes(), 200u);
    EXPECT_EQ(cache.get("a"), nullptr);
    EXPECT_NE(cache.get("b"), nullptr);
    cache.put("a", bytesOf(100));
    EXPECT_EQ(cache.sizeBytes(), 300u);
}

TEST(ChunkCacheTest, EvictedDataStaysValidForItsHolder) {
    ChunkCache cache(1000);
    cache.put("a", bytesOf(250, 'a'));
    auto held = cache.get("a");
    for (char c = 'b'; c <= 'f'; ++c) cache.put(std::string(1, c), bytesOf(250, c));
    EXPECT_EQ(cache.get("a"), nullptr);
    ASSERT_NE(held, nullptr);
    EXPECT_EQ(*held, std::string(250, 'a'));
}

TEST(ChunkCacheTest, CountersAndSizeAreConsistentUnderConcurrency) {
    ChunkCache cache(64 * 1024);
    constexpr int kThreads = 4;
    constexpr int kOps = 5000;
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
        threads.emplace_back([&cache, t] {
            for (int i = 0; i < kOps; ++i) {
                std::string key = "k" + std::to_string((i * 7 + t) % 300);
                if (auto d = cache.get(key)) {
                    EXPECT_EQ(d->size(), static_cast<std::size_t>(100 + (i * 7 + t) % 300));
                } else {
                    cache.put(key, bytesOf(static_cast<std::size_t>(100 + (i * 7 + t) % 300)));
                }
                if (i % 97 == 0) cache.erase(key);
            }
        });
    }
    for (auto& th : threads) th.join();
    EXPECT_EQ(cache.hits() + cache.misses(), static_cast<uint64_t>(kThreads) * kOps);
    EXPECT_LE(cache.sizeBytes(), 64u * 1024);
}

}  // namespace
}  // namespace hub::core::storage
