#include "storage/ChunkCodec.h"

#include <cstdint>
#include <sys/resource.h>
#include <string>
#include <thread>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "core/storage/StorageTestSupport.h"
#include "util/Crypto.h"

namespace hub::core::storage {
namespace {

using test::compressibleText;
using test::randomData;
using ::testing::HasSubstr;

constexpr std::size_t kNonceBytes = 24;  // XChaCha20-Poly1305
constexpr std::size_t kTagBytes = 16;

const uint8_t* bytes(const std::string& s) { return reinterpret_cast<const uint8_t*>(s.data()); }

std::string flipBit(std::string s, std::size_t bit) {
    s[bit / 8] = static_cast<char>(static_cast<uint8_t>(s[bit / 8]) ^ (1u << (bit % 8)));
    return s;
}

class ChunkCodecTest : public ::testing::Test {
protected:
    std::string encode(const std::string& plain, const std::string& key = "", const std::string& aad = "") {
        return codec_.encode(bytes(plain), plain.size(), key, aad);
    }
    std::string decode(const std::string& stored, const std::string& key = "", const std::string& aad = "") {
        return codec_.decode(stored, key, aad);
    }
    /// CorruptChunk's message, or "(decoded)" when `stored` decodes.
    std::string corruption(const std::string& stored, const std::string& key, const std::string& aad) {
        try {
            codec_.decode(stored, key, aad);
        } catch (const CorruptChunk& e) {
            return e.what();
        }
        return "(decoded)";
    }

    ChunkCodec codec_{CodecSettings{}};
    const std::string key_ = crypto::randomBytes(ChunkCodec::kKeyBytes);
    const std::string aad_ = "hub-chunk:u1:" + std::string(64, 'a');
};

TEST_F(ChunkCodecTest, CompressibleTextIsStoredCompressed) {
    const std::string text = compressibleText(256 * 1024);
    const std::string stored = encode(text);
    ChunkHeader h = ChunkHeader::parse(stored);
    EXPECT_TRUE(h.compressed());
    EXPECT_FALSE(h.encrypted());
    EXPECT_EQ(h.plainSize, text.size());
    EXPECT_EQ(h.payloadSize + ChunkHeader::kSize, stored.size());
    EXPECT_LT(stored.size(), text.size() / 4);
    EXPECT_EQ(stored.substr(0, 4), "HUBC");
    EXPECT_EQ(decode(stored), text);
}

TEST_F(ChunkCodecTest, RandomDataIsStoredUncompressed) {
    const std::string data = randomData(128 * 1024, 1);
    const std::string stored = encode(data);
    ChunkHeader h = ChunkHeader::parse(stored);
    EXPECT_FALSE(h.compressed());
    EXPECT_FALSE(h.encrypted());
    EXPECT_EQ(stored.size(), ChunkHeader::kSize + data.size());
    EXPECT_EQ(stored.substr(ChunkHeader::kSize), data);
    EXPECT_EQ(decode(stored), data);
}

TEST_F(ChunkCodecTest, SmallSavingsAreNotWorthCompressing) {
    // Half random, half zeros: zstd saves ~50%. Kept with a 10% threshold, not with 60%.
    const std::string data = randomData(32 * 1024, 2) + std::string(32 * 1024, '\0');
    EXPECT_TRUE(ChunkHeader::parse(encode(data)).compressed());
    ChunkCodec strict(CodecSettings{true, 3, 60});
    const std::string stored = strict.encode(bytes(data), data.size(), "", "");
    EXPECT_FALSE(ChunkHeader::parse(stored).compressed());
    EXPECT_EQ(strict.decode(stored, "", ""), data);
}

TEST_F(ChunkCodecTest, EmptyAndTinyInputsRoundTrip) {
    for (std::size_t n : {0u, 1u, 2u, 63u, 64u, 65u}) {
        SCOPED_TRACE(n);
        const std::string zeros(n, '\0');
        const std::string stored = encode(zeros);
        if (n < 64) {
            EXPECT_FALSE(ChunkHeader::parse(stored).compressed());
            EXPECT_EQ(stored.size(), ChunkHeader::kSize + n);
        }
        EXPECT_EQ(decode(stored), zeros);
        const std::string sealed = encode(zeros, key_, aad_);
        EXPECT_TRUE(ChunkHeader::parse(sealed).encrypted());
        EXPECT_EQ(decode(sealed, key_, aad_), zeros);
    }
}

TEST_F(ChunkCodecTest, CompressionCanBeDisabled) {
    ChunkCodec plain(CodecSettings{false, 3, 10});
    const std::string text = compressibleText(64 * 1024);
    const std::string stored = plain.encode(bytes(text), text.size(), "", "");
    EXPECT_FALSE(ChunkHeader::parse(stored).compressed());
    EXPECT_EQ(stored.size(), ChunkHeader::kSize + text.size());
    EXPECT_EQ(plain.decode(stored, "", ""), text);
    // A codec with compression on still reads chunks written without it, and vice versa.
    EXPECT_EQ(decode(stored), text);
    EXPECT_EQ(plain.decode(encode(text), "", ""), text);
}

TEST_F(ChunkCodecTest, EncryptedRoundTrip) {
    for (const std::string& data : {compressibleText(100 * 1024), randomData(100 * 1024, 3)}) {
        const std::string stored = encode(data, key_, aad_);
        ChunkHeader h = ChunkHeader::parse(stored);
        EXPECT_TRUE(h.encrypted());
        EXPECT_EQ(h.plainSize, data.size());
        EXPECT_EQ(decode(stored, key_, aad_), data);
        // The plaintext is nowhere in the stored form.
        EXPECT_EQ(stored.find(data.substr(1000, 64)), std::string::npos);
    }
    // Compressed before it is sealed.
    const std::string text = compressibleText(100 * 1024);
    const std::string sealed = encode(text, key_, aad_);
    EXPECT_TRUE(ChunkHeader::parse(sealed).compressed());
    EXPECT_LT(sealed.size(), text.size() / 4);
    // Random data: header + nonce + ciphertext + tag.
    const std::string data = randomData(4096, 4);
    EXPECT_EQ(encode(data, key_, aad_).size(), ChunkHeader::kSize + kNonceBytes + data.size() + kTagBytes);
}

TEST_F(ChunkCodecTest, SamePlaintextEncryptsToDifferentBytes) {
    const std::string data = randomData(1024, 5);
    const std::string a = encode(data, key_, aad_);
    const std::string b = encode(data, key_, aad_);
    EXPECT_NE(a, b);
    EXPECT_NE(a.substr(ChunkHeader::kSize, kNonceBytes), b.substr(ChunkHeader::kSize, kNonceBytes));
    EXPECT_EQ(decode(a, key_, aad_), data);
    EXPECT_EQ(decode(b, key_, aad_), data);
    // Without encryption the stored form is deterministic (it is named by its content).
    EXPECT_EQ(encode(data), encode(data));
}

TEST_F(ChunkCodecTest, EncodeRejectsAKeyOfTheWrongSize) {
    const std::string data = randomData(100, 6);
    EXPECT_THROW(encode(data, std::string(16, 'k'), aad_), std::invalid_argument);
    EXPECT_THROW(encode(data, std::string(33, 'k'), aad_), std::invalid_argument);
}

TEST_F(ChunkCodecTest, EveryFlippedBitOfAnEncryptedChunkIsDetected) {
    for (const std::string& data : {randomData(200, 7), compressibleText(2000)}) {
        const std::string stored = encode(data, key_, aad_);
        ASSERT_EQ(decode(stored, key_, aad_), data);
        for (std::size_t bit = 0; bit < stored.size() * 8; ++bit) {
            EXPECT_THROW(decode(flipBit(stored, bit), key_, aad_), CorruptChunk) << "bit " << bit;
        }
    }
}

TEST_F(ChunkCodecTest, TamperedRegionsAreNamedInTheError) {
    const std::string data = randomData(1000, 8);
    const std::string stored = encode(data, key_, aad_);
    const std::size_t nonceAt = ChunkHeader::kSize;
    const std::size_t cipherAt = nonceAt + kNonceBytes;
    const std::size_t tagAt = stored.size() - kTagBytes;
    EXPECT_THAT(corruption(flipBit(stored, 0), key_, aad_), HasSubstr("HUBC"));            // magic
    EXPECT_THAT(corruption(flipBit(stored, 4 * 8), key_, aad_), HasSubstr("version"));     // version
    EXPECT_THAT(corruption(flipBit(stored, 5 * 8 + 7), key_, aad_), HasSubstr("flags"));   // unknown flag
    EXPECT_THAT(corruption(flipBit(stored, 5 * 8), key_, aad_), HasSubstr("authentication"));  // compressed flag
    EXPECT_THAT(corruption(flipBit(stored, 8 * 8), key_, aad_), HasSubstr("authentication"));  // plain size
    EXPECT_THAT(corruption(flipBit(stored, 12 * 8), key_, aad_), HasSubstr("truncated"));      // payload size
    EXPECT_THAT(corruption(flipBit(stored, nonceAt * 8 + 3), key_, aad_), HasSubstr("authentication"));
    EXPECT_THAT(corruption(flipBit(stored, cipherAt * 8 + 100), key_, aad_), HasSubstr("authentication"));
    EXPECT_THAT(corruption(flipBit(stored, tagAt * 8 + 5), key_, aad_), HasSubstr("authentication"));
    EXPECT_THAT(corruption(flipBit(stored, stored.size() * 8 - 1), key_, aad_), HasSubstr("authentication"));
}

TEST_F(ChunkCodecTest, HeaderTamperingOfPlainChunksIsDetected) {
    // Without encryption the header is checked for consistency (the chunk hash, checked by
    // the engine, covers the payload).
    for (const std::string& data : {randomData(1000, 9), compressibleText(5000)}) {
        const std::string stored = encode(data);
        for (std::size_t bit = 0; bit < ChunkHeader::kSize * 8; ++bit) {
            // Bits 8..11 hold the plain size; for a compressed chunk its high bits are checked
            // against the zstd frame, not by allocating that much.
            EXPECT_THROW(decode(flipBit(stored, bit)), CorruptChunk) << "bit " << bit;
        }
    }
}

long peakRssKiB() {
    struct rusage u {};
    getrusage(RUSAGE_SELF, &u);
    return u.ru_maxrss;
}

TEST_F(ChunkCodecTest, ADamagedSizeFieldIsCaughtBeforeAllocatingIt) {
    // Bit rot in the plain-size field of a compressed chunk must not make every read of it
    // allocate (and zero) gigabytes before failing.
    const std::string text = compressibleText(5000);
    std::string stored = encode(text);
    ASSERT_TRUE(ChunkHeader::parse(stored).compressed());
    stored[11] = static_cast<char>(0xC0);  // plain size + 3 GiB
    const long before = peakRssKiB();
    EXPECT_THROW(decode(stored), CorruptChunk);
    EXPECT_LT(peakRssKiB() - before, 256L * 1024) << "decode allocated the damaged size";
}

TEST_F(ChunkCodecTest, DamagedCompressedPayloadNeverYieldsTheWrongSize) {
    // Without encryption the codec cannot know the payload's bytes are right (the engine
    // checks the chunk's hash), but a damaged zstd frame either fails to decode or decodes to
    // exactly the size in the header; nothing else escapes decode().
    const std::string text = compressibleText(20000);
    const std::string stored = encode(text);
    ASSERT_TRUE(ChunkHeader::parse(stored).compressed());
    int detected = 0;
    for (std::size_t at = ChunkHeader::kSize; at < stored.size(); ++at) {
        std::string damaged = stored;
        damaged[at] = static_cast<char>(damaged[at] ^ 0x5a);
        try {
            EXPECT_EQ(decode(damaged).size(), text.size()) << "byte " << at;
        } catch (const CorruptChunk&) {
            ++detected;
        }
    }
    EXPECT_GT(detected, 0);
}

TEST_F(ChunkCodecTest, TruncationAndTrailingBytesAreDetected) {
    for (const std::string& key : {std::string(), key_}) {
        SCOPED_TRACE(key.empty() ? "plain" : "encrypted");
        const std::string stored = encode(randomData(500, 10), key, aad_);
        EXPECT_THROW(decode(stored.substr(0, stored.size() - 1), key, aad_), CorruptChunk);
        EXPECT_THROW(decode(stored.substr(0, ChunkHeader::kSize), key, aad_), CorruptChunk);
        EXPECT_THROW(decode(stored.substr(0, ChunkHeader::kSize - 1), key, aad_), CorruptChunk);
        EXPECT_THROW(decode(std::string(), key, aad_), CorruptChunk);
        EXPECT_THROW(decode(stored + '\0', key, aad_), CorruptChunk);
        EXPECT_THROW(decode(stored + stored, key, aad_), CorruptChunk);
    }
}

TEST_F(ChunkCodecTest, ShortEncryptedPayloadIsCorruptNotACrash) {
    // A header that claims encryption with fewer bytes than a nonce and a tag.
    std::string stored = encode(randomData(10, 11));
    stored[5] = static_cast<char>(ChunkHeader::kEncrypted);
    EXPECT_THROW(decode(stored, key_, aad_), CorruptChunk);
}

TEST_F(ChunkCodecTest, WrongKeyOrWrongIdentityIsDetected) {
    const std::string data = compressibleText(10000);
    const std::string stored = encode(data, key_, aad_);
    const std::string otherKey = crypto::randomBytes(ChunkCodec::kKeyBytes);
    EXPECT_THROW(decode(stored, otherKey, aad_), CorruptChunk);
    // The same chunk moved to another owner's scope or renamed to another hash.
    EXPECT_THROW(decode(stored, key_, "hub-chunk:u2:" + std::string(64, 'a')), CorruptChunk);
    EXPECT_THROW(decode(stored, key_, "hub-chunk:u1:" + std::string(64, 'b')), CorruptChunk);
    EXPECT_THROW(decode(stored, key_, ""), CorruptChunk);
    EXPECT_EQ(decode(stored, key_, aad_), data);
}

TEST_F(ChunkCodecTest, EncryptedChunkWithoutAKeyIsCorrupt) {
    const std::string stored = encode(randomData(300, 12), key_, aad_);
    EXPECT_THAT(corruption(stored, "", aad_), HasSubstr("no data key"));
    EXPECT_THROW(decode(stored, std::string(16, 'k'), aad_), CorruptChunk);
}

TEST_F(ChunkCodecTest, KeyIsIgnoredForPlainChunks) {
    const std::string data = randomData(300, 13);
    EXPECT_EQ(decode(encode(data), key_, aad_), data);
}

TEST_F(ChunkCodecTest, HeaderParseRejectsGarbage) {
    EXPECT_THROW(ChunkHeader::parse("HUBC"), CorruptChunk);
    EXPECT_THROW(ChunkHeader::parse(std::string(16, '\0')), CorruptChunk);
    std::string ok = encode(std::string(10, 'x'));
    EXPECT_NO_THROW(ChunkHeader::parse(ok));
    std::string badReserved = ok;
    badReserved[6] = 1;
    EXPECT_THROW(ChunkHeader::parse(badReserved), CorruptChunk);
    std::string badReserved2 = ok;
    badReserved2[7] = static_cast<char>(0x80);
    EXPECT_THROW(ChunkHeader::parse(badReserved2), CorruptChunk);
}

TEST_F(ChunkCodecTest, ConcurrentEncodesShareTheCompressorPool) {
    const std::string text = compressibleText(64 * 1024);
    std::vector<std::thread> threads;
    std::vector<int> ok(12, 0);
    for (std::size_t t = 0; t < ok.size(); ++t) {
        threads.emplace_back([&, t] {
            for (int i = 0; i < 20; ++i) {
                std::string stored = codec_.encode(bytes(text), text.size(), t % 2 == 0 ? key_ : std::string(), aad_);
                if (codec_.decode(stored, key_, aad_) == text) ++ok[t];
            }
        });
    }
    for (auto& th : threads) th.join();
    for (int n : ok) EXPECT_EQ(n, 20);
}

TEST(ChunkDigestTest, Sha256MatchesKnownVectors) {
    EXPECT_EQ(crypto::sha256Hex("abc", 3), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    EXPECT_EQ(crypto::sha256Hex("", 0), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    const std::string data = randomData(100000, 14);
    crypto::Sha256 h;
    h.update(data.data(), 1);
    h.update(data.data() + 1, 0);
    h.update(data.data() + 1, 50000);
    h.update(data.data() + 50001, data.size() - 50001);
    EXPECT_EQ(h.finalHex(), crypto::sha256Hex(data.data(), data.size()));
    EXPECT_EQ(crypto::sha256Hex(data.data(), data.size()), crypto::sha256Hex(data));
}

TEST(ChunkDigestTest, HmacSha256MatchesRfc4231) {
    // RFC 4231 test case 2.
    const std::string msg = "what do ya want for nothing?";
    EXPECT_EQ(crypto::hmacSha256Hex("Jefe", msg.data(), msg.size()),
              "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
    EXPECT_NE(crypto::hmacSha256Hex("other", msg.data(), msg.size()), crypto::hmacSha256Hex("Jefe", msg.data(), msg.size()));
}

}  // namespace
}  // namespace hub::core::storage
