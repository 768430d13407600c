#include "storage/Chunker.h"

#include <algorithm>
#include <cstdint>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "core/storage/StorageTestSupport.h"
#include "util/Crypto.h"

namespace hub::core::storage {
namespace {

using test::randomData;

ChunkerParams smallParams() {
    ChunkerParams p;
    p.minSize = 16 * 1024;
    p.avgSize = 64 * 1024;
    p.maxSize = 256 * 1024;
    return p;
}

const uint8_t* bytes(const std::string& s) { return reinterpret_cast<const uint8_t*>(s.data()); }

/// Chunk lengths of the whole of `data`, cut the way BlobEngine::stage cuts a stream: each
/// call sees at least maxSize bytes or everything that is left.
std::vector<std::size_t> chunkLengths(const Chunker& chunker, const std::string& data) {
    std::vector<std::size_t> out;
    std::size_t off = 0;
    while (off < data.size()) {
        std::size_t n = chunker.cut(bytes(data) + off, data.size() - off);
        if (n == 0) ADD_FAILURE() << "cut returned 0 at offset " << off;
        if (n == 0) break;
        out.push_back(n);
        off += n;
    }
    return out;
}

struct Chunk {
    std::size_t offset;
    std::size_t size;
    std::string hash;
};

std::vector<Chunk> chunks(const Chunker& chunker, const std::string& data) {
    std::vector<Chunk> out;
    std::size_t off = 0;
    for (std::size_t n : chunkLengths(chunker, data)) {
        out.push_back({off, n, crypto::sha256Hex(data.data() + off, n)});
        off += n;
    }
    return out;
}

/// What an edit in the middle changed: chunks equal from the start, from the end, and the
/// differing chunks in between on each side.
struct EditDiff {
    std::size_t commonPrefix = 0;
    std::size_t commonSuffix = 0;
    std::size_t changedBefore = 0;  ///< chunks of the original not in the prefix/suffix
    std::size_t changedAfter = 0;   ///< chunks of the edited data not in the prefix/suffix
};

EditDiff diff(const std::vector<Chunk>& a, const std::vector<Chunk>& b) {
    EditDiff d;
    while (d.commonPrefix < a.size() && d.commonPrefix < b.size() && a[d.commonPrefix].hash == b[d.commonPrefix].hash) {
        ++d.commonPrefix;
    }
    while (d.commonSuffix < a.size() - d.commonPrefix && d.commonSuffix < b.size() - d.commonPrefix &&
           a[a.size() - 1 - d.commonSuffix].hash == b[b.size() - 1 - d.commonSuffix].hash) {
        ++d.commonSuffix;
    }
    d.changedBefore = a.size() - d.commonPrefix - d.commonSuffix;
    d.changedAfter = b.size() - d.commonPrefix - d.commonSuffix;
    return d;
}

std::size_t chunksEndingBy(const std::vector<Chunk>& cs, std::size_t pos) {
    return static_cast<std::size_t>(
        std::count_if(cs.begin(), cs.end(), [&](const Chunk& c) { return c.offset + c.size <= pos; }));
}

TEST(ChunkerTest, RejectsInvalidParams) {
    EXPECT_THROW(Chunker(ChunkerParams{32, 64, 128}), std::invalid_argument);     // min < 64
    EXPECT_THROW(Chunker(ChunkerParams{4096, 1024, 8192}), std::invalid_argument);  // min > avg
    EXPECT_THROW(Chunker(ChunkerParams{1024, 8192, 4096}), std::invalid_argument);  // avg > max
    EXPECT_NO_THROW(Chunker(ChunkerParams{64, 64, 64}));
    EXPECT_NO_THROW(Chunker(ChunkerParams{}));
}

TEST(ChunkerTest, SmallInputsAreOneChunk) {
    Chunker chunker(smallParams());
    const std::string data = randomData(64 * 1024, 1);
    EXPECT_EQ(chunker.cut(bytes(data), 1), 1u);
    EXPECT_EQ(chunker.cut(bytes(data), 1000), 1000u);
    EXPECT_EQ(chunker.cut(bytes(data), 16 * 1024), 16u * 1024);  // exactly min
    EXPECT_EQ(chunkLengths(chunker, data.substr(0, 16 * 1024)), std::vector<std::size_t>{16 * 1024});
    EXPECT_EQ(chunkLengths(chunker, data.substr(0, 5)), std::vector<std::size_t>{5});
    EXPECT_TRUE(chunkLengths(chunker, std::string()).empty());
}

TEST(ChunkerTest, SameInputGivesSameCuts) {
    const std::string data = randomData(4 * 1024 * 1024, 2);
    Chunker a(smallParams());
    Chunker b(smallParams());  // a second instance: the gear table is not per-object state
    auto first = chunkLengths(a, data);
    EXPECT_EQ(first, chunkLengths(a, data));
    EXPECT_EQ(first, chunkLengths(b, data));
    EXPECT_GT(first.size(), 10u);
}

TEST(ChunkerTest, EveryChunkButTheLastIsWithinMinAndMax) {
    const ChunkerParams p = smallParams();
    Chunker chunker(p);
    const std::string data = randomData(16 * 1024 * 1024, 3);
    auto lengths = chunkLengths(chunker, data);
    ASSERT_GT(lengths.size(), 2u);
    std::size_t total = 0;
    for (std::size_t i = 0; i < lengths.size(); ++i) {
        total += lengths[i];
        EXPECT_LE(lengths[i], p.maxSize) << "chunk " << i;
        if (i + 1 < lengths.size()) {
            EXPECT_GE(lengths[i], p.minSize) << "chunk " << i;
        }
        EXPECT_GT(lengths[i], 0u);
    }
    EXPECT_EQ(total, data.size());
}

TEST(ChunkerTest, AverageIsNearTheConfiguredAverageOnRandomData) {
    const ChunkerParams p = smallParams();
    Chunker chunker(p);
    const std::string data = randomData(16 * 1024 * 1024, 4);
    auto lengths = chunkLengths(chunker, data);
    const double mean = static_cast<double>(data.size()) / static_cast<double>(lengths.size());
    EXPECT_GT(mean, static_cast<double>(p.avgSize) / 2) << lengths.size() << " chunks";
    EXPECT_LT(mean, static_cast<double>(p.avgSize) * 2) << lengths.size() << " chunks";
    // Normalised chunking: not everything is forced at max.
    auto atMax = std::count(lengths.begin(), lengths.end(), p.maxSize);
    EXPECT_LT(atMax, static_cast<long>(lengths.size() / 10));
}

TEST(ChunkerTest, ConstantDataIsCutIntoEqualChunks) {
    // No content-defined boundary exists in constant data (the gear hash never hits the mask
    // or hits it at the same place every time): every chunk is the same size, so identical
    // runs deduplicate against each other.
    const ChunkerParams p = smallParams();
    Chunker chunker(p);
    const std::string zeros(2 * 1024 * 1024 + 123, '\0');
    auto lengths = chunkLengths(chunker, zeros);
    ASSERT_GE(lengths.size(), 2u);
    for (std::size_t i = 0; i + 1 < lengths.size(); ++i) {
        EXPECT_EQ(lengths[i], lengths[0]);
        EXPECT_GE(lengths[i], p.minSize);
        EXPECT_LE(lengths[i], p.maxSize);
    }
}

TEST(ChunkerTest, CutNeverLooksPastMaxSize) {
    const ChunkerParams p = smallParams();
    Chunker chunker(p);
    const std::string data = randomData(2 * p.maxSize, 5);
    // Whatever follows the first maxSize bytes does not move the first cut.
    std::string changedTail = data;
    for (std::size_t i = p.maxSize; i < changedTail.size(); ++i) changedTail[i] = static_cast<char>(~changedTail[i]);
    EXPECT_EQ(chunker.cut(bytes(data), data.size()), chunker.cut(bytes(changedTail), changedTail.size()));
    EXPECT_EQ(chunker.cut(bytes(data), data.size()), chunker.cut(bytes(data), p.maxSize));
}

void expectStableUnderEdit(const ChunkerParams& p, std::size_t size, uint64_t seed, bool insert) {
    Chunker chunker(p);
    const std::string original = randomData(size, seed);
    const std::size_t mid = size / 2;
    std::string edited = original;
    if (insert) {
        edited.insert(mid, randomData(1024, seed + 1000));
    } else {
        edited.erase(mid, 1024);
    }
    auto a = chunks(chunker, original);
    auto b = chunks(chunker, edited);
    ASSERT_GT(a.size(), 20u);

    // Every chunk that ends before the edit is unchanged, in place.
    const std::size_t before = chunksEndingBy(a, mid);
    ASSERT_GT(before, 5u);
    for (std::size_t i = 0; i < before; ++i) {
        ASSERT_LT(i, b.size());
        EXPECT_EQ(a[i].hash, b[i].hash) << "chunk " << i << " before the edit changed";
        EXPECT_EQ(a[i].offset, b[i].offset);
    }
    // After the edit the cuts resynchronise within a few chunks.
    EditDiff d = diff(a, b);
    EXPECT_GE(d.commonPrefix, before);
    EXPECT_LE(d.changedBefore, 3u) << "prefix " << d.commonPrefix << " suffix " << d.commonSuffix << " of " << a.size();
    EXPECT_LE(d.changedAfter, 3u) << "prefix " << d.commonPrefix << " suffix " << d.commonSuffix << " of " << b.size();
    EXPECT_GE(d.changedAfter, 1u);  // the edited chunk itself is new
    EXPECT_GT(d.commonSuffix, 5u);

    // Seen as a dedup store: almost every chunk of the new version is already stored.
    std::set<std::string> stored;
    for (const auto& c : a) stored.insert(c.hash);
    std::size_t fresh = 0;
    for (const auto& c : b) fresh += stored.count(c.hash) == 0 ? 1 : 0;
    EXPECT_LE(fresh, 3u);
}

TEST(ChunkerTest, BoundariesAreStableUnderAnInsertionInTheMiddle) {
    expectStableUnderEdit(smallParams(), 16 * 1024 * 1024, 10, true);
}

TEST(ChunkerTest, BoundariesAreStableUnderADeletionInTheMiddle) {
    expectStableUnderEdit(smallParams(), 16 * 1024 * 1024, 11, false);
}

TEST(ChunkerTest, BoundariesAreStableUnderInsertionsForOtherData) {
    for (uint64_t seed = 20; seed < 23; ++seed) {
        SCOPED_TRACE(seed);
        expectStableUnderEdit(smallParams(), 8 * 1024 * 1024, seed, true);
    }
}

TEST(ChunkerTest, DefaultParamsAreStableUnderAnInsertion) {
    expectStableUnderEdit(ChunkerParams{}, 64 * 1024 * 1024, 30, true);
}

TEST(ChunkerTest, InsertionAtTheStartOnlyChangesTheFirstChunks) {
    Chunker chunker(smallParams());
    const std::string original = randomData(8 * 1024 * 1024, 40);
    const std::string edited = randomData(100, 41) + original;
    EditDiff d = diff(chunks(chunker, original), chunks(chunker, edited));
    EXPECT_EQ(d.commonPrefix, 0u);
    EXPECT_LE(d.changedBefore, 3u);
    EXPECT_LE(d.changedAfter, 3u);
}

}  // namespace
}  // namespace hub::core::storage
