#include "storage/BlobEngine.h"

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <random>
#include <set>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <Poco/Data/Session.h>

#include "TempDir.h"
#include "core/storage/StorageTestSupport.h"
#include "hub/sdk/Error.h"
#include "util/Crypto.h"

using namespace Poco::Data::Keywords;
namespace fs = std::filesystem;

namespace hub::core::storage {
namespace {

using test::compressibleText;
using test::filesUnder;
using test::randomData;
using test::readFile;
using test::writeFile;
using ::testing::HasSubstr;

std::string sha(const std::string& s) { return crypto::sha256Hex(s.data(), s.size()); }

/// Everything left in `in`, read the way a download handler reads (block by block).
std::string drain(std::istream& in) {
    std::string out;
    std::vector<char> buf(50000);
    while (true) {
        in.read(buf.data(), static_cast<std::streamsize>(buf.size()));
        auto n = in.gcount();
        if (n <= 0) break;
        out.append(buf.data(), static_cast<std::size_t>(n));
    }
    return out;
}

/// sdk::Error's status and code from `fn`, or "(no error)".
template <typename Fn>
std::string errorOf(Fn&& fn) {
    try {
        fn();
    } catch (const sdk::Error& e) {
        return std::to_string(e.status()) + " " + e.code();
    }
    return "(no error)";
}

void flipByte(const fs::path& p, std::size_t at) {
    std::string bytes = readFile(p);
    ASSERT_LT(at, bytes.size());
    bytes[at] = static_cast<char>(bytes[at] ^ 0x01);
    writeFile(p, bytes);
}

/// An input stream whose source fails after `okBytes` bytes.
class FailingBuf : public std::streambuf {
public:
    FailingBuf(std::string data, std::size_t okBytes) : data_(std::move(data)), ok_(okBytes) {}

protected:
    int_type underflow() override {
        if (pos_ >= ok_) throw std::runtime_error("connection reset by peer");
        std::size_t n = std::min<std::size_t>(4096, ok_ - pos_);
        char* base = data_.data() + pos_;
        setg(base, base, base + n);
        pos_ += n;
        return traits_type::to_int_type(*base);
    }

private:
    std::string data_;
    std::size_t ok_;
    std::size_t pos_ = 0;
};

struct ChunkRow {
    std::string scope;
    std::string hash;
    uint64_t offset = 0;
    uint64_t size = 0;
};

class BlobEngineTest : public ::testing::Test {
protected:
    void SetUp() override { engine_ = makeEngine(settings()); }
    void TearDown() override { engine_.reset(); }

    /// Small chunks (2-8-32 KiB) so multi-chunk blobs stay small and fast.
    StorageSettings settings() const {
        StorageSettings s;
        s.root = root_.path().string();
        s.chunking = ChunkerParams{2 * 1024, 8 * 1024, 32 * 1024};
        s.cacheBytes = 1 << 20;
        return s;
    }
    StorageSettings encryptedSettings() const {
        StorageSettings s = settings();
        s.encrypt = true;
        s.dedupPerOwner = true;
        s.masterKey = master_;
        return s;
    }
    std::unique_ptr<BlobEngine> makeEngine(StorageSettings s) {
        return std::make_unique<BlobEngine>(db_.db(), std::move(s));
    }
    void useEngine(StorageSettings s) {
        engine_.reset();
        engine_ = makeEngine(std::move(s));
    }

    sdk::StagedBlob stage(const std::string& data, const std::string& owner = "u1", uint64_t maxBytes = UINT64_MAX) {
        std::istringstream in(data);
        return engine_->stage(in, owner, maxBytes);
    }
    void attach(const std::string& id) {
        db_.db().withTransaction([&](Poco::Data::Session& s) { engine_->attach(s, id); });
    }
    /// stage + attach; returns the blob id.
    std::string put(const std::string& data, const std::string& owner = "u1") {
        sdk::StagedBlob staged = stage(data, owner);
        attach(staged.info.id);
        return staged.info.id;
    }
    /// release in a transaction, then reclaim after the commit.
    void release(const std::string& id) {
        sdk::ReclaimList list;
        db_.db().withTransaction([&](Poco::Data::Session& s) {
            list.entries.clear();
            engine_->release(s, id, list);
        });
        engine_->reclaim(list);
    }
    std::string readAll(const std::string& id) {
        auto in = engine_->open(id);
        if (!in) {
            ADD_FAILURE() << "blob " << id << " does not open";
            return "";
        }
        return drain(*in);
    }

    int64_t scalar(const std::string& sql) {
        Poco::Int64 n = 0;
        db_.db().withSession([&](Poco::Data::Session& s) { s << sql, into(n), now; });
        return n;
    }
    int64_t blobRows() { return scalar("SELECT COUNT(*) FROM storage_blobs"); }
    int64_t chunkRows() { return scalar("SELECT COUNT(*) FROM storage_chunks"); }
    int64_t manifestRows() { return scalar("SELECT COUNT(*) FROM storage_blob_chunks"); }

    std::vector<ChunkRow> manifest(const std::string& id) {
        std::vector<std::string> scopes, hashes;
        std::vector<Poco::Int64> offsets, sizes;
        std::string blob = id;
        db_.db().withSession([&](Poco::Data::Session& s) {
            scopes.clear();
            hashes.clear();
            offsets.clear();
            sizes.clear();
            s << "SELECT scope, hash, offset_bytes, size_bytes FROM storage_blob_chunks WHERE blob_id = $1 ORDER BY seq",
                use(blob), into(scopes), into(hashes), into(offsets), into(sizes), now;
        });
        std::vector<ChunkRow> out;
        for (std::size_t i = 0; i < scopes.size(); ++i) {
            out.push_back({scopes[i], hashes[i], static_cast<uint64_t>(offsets[i]), static_cast<uint64_t>(sizes[i])});
        }
        return out;
    }
    /// "scope:hash" -> refcount of every chunk row.
    std::map<std::string, int64_t> refcounts() {
        std::vector<std::string> scopes, hashes;
        std::vector<Poco::Int64> counts;
        db_.db().withSession([&](Poco::Data::Session& s) {
            scopes.clear();
            hashes.clear();
            counts.clear();
            s << "SELECT scope, hash, refcount FROM storage_chunks", into(scopes), into(hashes), into(counts), now;
        });
        std::map<std::string, int64_t> out;
        for (std::size_t i = 0; i < scopes.size(); ++i) out[scopes[i] + ":" + hashes[i]] = counts[i];
        return out;
    }
    std::set<std::string> distinctChunks(const std::string& id) {
        std::set<std::string> out;
        for (const auto& c : manifest(id)) out.insert(c.scope + ":" + c.hash);
        return out;
    }
    std::vector<fs::path> chunkFiles() { return filesUnder(root_.path() / "chunks"); }
    std::vector<fs::path> tempFiles() { return filesUnder(root_.path() / "tmp"); }
    fs::path chunkFileOf(const ChunkRow& c) { return engine_->chunkPath(c.scope, c.hash); }

    void expectStoreEmpty() {
        EXPECT_EQ(blobRows(), 0);
        EXPECT_EQ(chunkRows(), 0);
        EXPECT_EQ(manifestRows(), 0);
        EXPECT_TRUE(chunkFiles().empty()) << chunkFiles().size() << " chunk file(s) left";
        EXPECT_TRUE(tempFiles().empty());
    }

    test::MigratedDb db_{"hub-unit-blobdb"};
    test_support::TempDir root_{"hub-unit-blobs"};
    const std::string master_ = crypto::randomBytes(32);
    std::unique_ptr<BlobEngine> engine_;
    std::ostringstream log_;
};

// ---- round trips ----------------------------------------------------------------------

TEST_F(BlobEngineTest, StageAttachOpenRoundTripsManySizes) {
    const std::vector<std::size_t> sizes{0, 1, 63, 64, 2047, 2048, 2049, 4096, 32 * 1024, 32 * 1024 + 1, 150000};
    uint64_t seed = 100;
    for (std::size_t n : sizes) {
        SCOPED_TRACE(n);
        const std::string data = randomData(n, seed++);
        sdk::StagedBlob staged = stage(data);
        EXPECT_EQ(staged.info.size, n);
        EXPECT_EQ(staged.info.sha256, sha(data));
        EXPECT_EQ(staged.info.id.size(), 32u);
        EXPECT_EQ(staged.head, data.substr(0, 4096));
        attach(staged.info.id);
        EXPECT_EQ(readAll(staged.info.id), data);
        auto info = engine_->stat(staged.info.id);
        ASSERT_TRUE(info.has_value());
        EXPECT_EQ(info->id, staged.info.id);
        EXPECT_EQ(info->size, n);
        EXPECT_EQ(info->sha256, sha(data));
        // The manifest covers the blob exactly, in order, within the chunk size limits.
        auto chunks = manifest(staged.info.id);
        uint64_t offset = 0;
        for (std::size_t i = 0; i < chunks.size(); ++i) {
            EXPECT_EQ(chunks[i].offset, offset);
            EXPECT_LE(chunks[i].size, 32u * 1024);
            if (i + 1 < chunks.size()) {
                EXPECT_GE(chunks[i].size, 2u * 1024);
            }
            EXPECT_EQ(chunks[i].hash, sha(data.substr(static_cast<std::size_t>(chunks[i].offset),
                                                      static_cast<std::size_t>(chunks[i].size))));
            offset += chunks[i].size;
        }
        EXPECT_EQ(offset, n);
        if (n == 0) {
            EXPECT_TRUE(chunks.empty());
        }
        if (n >= 150000) {
            EXPECT_GT(chunks.size(), 5u);
        }
    }
    EXPECT_TRUE(tempFiles().empty());
}

TEST_F(BlobEngineTest, CompressibleDataIsStoredSmaller) {
    const std::string text = compressibleText(200000);
    std::string id = put(text);
    EXPECT_EQ(readAll(id), text);
    uint64_t onDisk = 0;
    for (const auto& f : chunkFiles()) onDisk += fs::file_size(f);
    EXPECT_LT(onDisk, text.size() / 4);
    EXPECT_EQ(scalar("SELECT SUM(stored_bytes) FROM storage_chunks"), static_cast<int64_t>(onDisk));
}

TEST_F(BlobEngineTest, SeekAndReadAtArbitraryOffsets) {
    const std::string data = randomData(200000, 7);
    std::string id = put(data);
    auto chunks = manifest(id);
    ASSERT_GT(chunks.size(), 5u);
    std::vector<uint64_t> offsets{0, 1, data.size() - 1, data.size() / 2};
    for (const auto& c : chunks) {
        offsets.push_back(c.offset);
        if (c.offset > 0) offsets.push_back(c.offset - 1);
        offsets.push_back(c.offset + 1);
    }
    std::mt19937_64 rng(8);
    for (int i = 0; i < 100; ++i) offsets.push_back(rng() % data.size());

    auto in = engine_->open(id);
    ASSERT_NE(in, nullptr);
    for (uint64_t off : offsets) {
        SCOPED_TRACE(off);
        const std::size_t want = static_cast<std::size_t>(rng() % 40000);
        in->clear();
        in->seekg(static_cast<std::streamoff>(off));
        ASSERT_TRUE(in->good());
        EXPECT_EQ(static_cast<uint64_t>(in->tellg()), off);
        std::string got(want, '\0');
        in->read(got.data(), static_cast<std::streamsize>(want));
        got.resize(static_cast<std::size_t>(in->gcount()));
        EXPECT_EQ(got, data.substr(static_cast<std::size_t>(off), want));
        if (in->good()) {
            EXPECT_EQ(static_cast<uint64_t>(in->tellg()), off + want);
        }
    }
    // Relative seeks.
    in->clear();
    in->seekg(0, std::ios::end);
    EXPECT_EQ(static_cast<std::size_t>(in->tellg()), data.size());
    EXPECT_EQ(in->get(), std::char_traits<char>::eof());
    in->clear();
    in->seekg(-10, std::ios::end);
    EXPECT_EQ(drain(*in), data.substr(data.size() - 10));
    in->clear();
    in->seekg(1000);
    in->seekg(5000, std::ios::cur);
    EXPECT_EQ(static_cast<std::size_t>(in->tellg()), 6000u);
    char c = 0;
    in->get(c);
    EXPECT_EQ(c, data[6000]);
    in->seekg(-2, std::ios::cur);
    in->get(c);
    EXPECT_EQ(c, data[5999]);
    // Past the end or before the start: the seek fails.
    in->clear();
    in->seekg(static_cast<std::streamoff>(data.size() + 1));
    EXPECT_TRUE(in->fail());
    in->clear();
    in->seekg(-1);
    EXPECT_TRUE(in->fail());
    in->clear();
    in->seekg(0);
    EXPECT_EQ(drain(*in), data);
}

TEST_F(BlobEngineTest, SeekInAnEmptyBlob) {
    std::string id = put("");
    auto in = engine_->open(id);
    ASSERT_NE(in, nullptr);
    EXPECT_EQ(in->get(), std::char_traits<char>::eof());
    in->clear();
    in->seekg(0);
    EXPECT_FALSE(in->fail());
    EXPECT_EQ(drain(*in), "");
}

TEST_F(BlobEngineTest, UnknownAndInvalidIdsDoNotOpen) {
    EXPECT_EQ(engine_->open(crypto::randomHex(16)), nullptr);
    EXPECT_FALSE(engine_->stat(crypto::randomHex(16)).has_value());
    EXPECT_EQ(engine_->open("../../etc/passwd"), nullptr);
    EXPECT_FALSE(engine_->stat("").has_value());
    EXPECT_FALSE(engine_->stat(std::string(32, 'G')).has_value());
    sdk::ReclaimList list;
    db_.db().withTransaction([&](Poco::Data::Session& s) { engine_->release(s, crypto::randomHex(16), list); });
    EXPECT_TRUE(list.empty());
}

TEST_F(BlobEngineTest, OwnerIdsThatAreNotSafeDirectoryNamesAreRefused) {
    for (const std::string& owner : {std::string("../x"), std::string("a/b"), std::string("a b"), std::string(65, 'a'),
                                     std::string("u:1")}) {
        EXPECT_THROW(stage("data", owner), std::invalid_argument) << owner;
    }
    expectStoreEmpty();
}

TEST_F(BlobEngineTest, AttachIsOnceAndOnlyForStagedBlobs) {
    sdk::StagedBlob staged = stage(randomData(5000, 9));
    attach(staged.info.id);
    auto attachError = [&](const std::string& id) {
        return errorOf([&] { attach(id); });
    };
    EXPECT_EQ(attachError(staged.info.id), "404 blob_not_staged");
    EXPECT_EQ(attachError(crypto::randomHex(16)), "404 blob_not_staged");
}

TEST_F(BlobEngineTest, PutAndRemoveOfTheV1Contract) {
    const std::string data = randomData(70000, 10);
    std::istringstream in(data);
    sdk::BlobInfo info = engine_->put(in, UINT64_MAX);
    EXPECT_EQ(info.size, data.size());
    EXPECT_EQ(info.sha256, sha(data));
    EXPECT_EQ(readAll(info.id), data);
    EXPECT_EQ(scalar("SELECT COUNT(*) FROM storage_blobs WHERE state = 'live'"), 1);
    EXPECT_TRUE(engine_->remove(info.id));
    EXPECT_FALSE(engine_->stat(info.id).has_value());
    EXPECT_FALSE(engine_->remove(info.id));
    expectStoreEmpty();
    std::istringstream big(data);
    EXPECT_THROW(engine_->put(big, 1000), sdk::PayloadTooLarge);
    expectStoreEmpty();
}

// ---- limits and failed uploads ----------------------------------------------------------

TEST_F(BlobEngineTest, ExceedingMaxBytesLeavesNothing) {
    const std::string data = randomData(1024 * 1024, 11);  // several read blocks: chunks are stored before the limit
    try {
        stage(data, "u1", 600 * 1024);
        ADD_FAILURE() << "no PayloadTooLarge";
    } catch (const sdk::PayloadTooLarge& e) {
        EXPECT_EQ(e.status(), 413);
    }
    expectStoreEmpty();
    // Exactly at the limit is fine.
    sdk::StagedBlob ok = stage(data.substr(0, 300000), "u1", 300000);
    EXPECT_EQ(ok.info.size, 300000u);
    EXPECT_THROW(stage(data.substr(0, 300001), "u1", 300000), sdk::PayloadTooLarge);
    EXPECT_EQ(blobRows(), 1);
    EXPECT_THROW(stage("x", "u1", 0), sdk::PayloadTooLarge);
    EXPECT_EQ(stage("", "u1", 0).info.size, 0u);
}

TEST_F(BlobEngineTest, ExceedingMaxBytesKeepsChunksSharedWithOtherBlobs) {
    const std::string data = randomData(1024 * 1024, 12);
    std::string keep = put(data.substr(0, 300000));
    auto before = refcounts();
    auto files = chunkFiles().size();
    EXPECT_THROW(stage(data, "u1", 600 * 1024), sdk::PayloadTooLarge);
    EXPECT_EQ(refcounts(), before);
    EXPECT_EQ(chunkFiles().size(), files);
    EXPECT_EQ(readAll(keep), data.substr(0, 300000));
}

TEST_F(BlobEngineTest, AFailingInputStreamReachesTheCallerAndLeavesNothing) {
    const std::string data = randomData(400000, 13);
    FailingBuf buf(data, 300000);
    std::istream in(&buf);
    in.exceptions(std::ios::badbit);  // as request bodies are set up
    try {
        engine_->stage(in, "u1", UINT64_MAX);
        ADD_FAILURE() << "the stream's error was swallowed";
    } catch (const std::runtime_error& e) {
        EXPECT_THAT(std::string(e.what()), HasSubstr("connection reset"));
    }
    expectStoreEmpty();
}

TEST_F(BlobEngineTest, AnInputStreamThatGoesBadIsNotTakenForTheEndOfTheUpload) {
    // A stream without an exception mask swallows its buffer's exception and sets badbit:
    // staging what was read so far as the whole upload would store a truncated file.
    const std::string data = randomData(400000, 14);
    FailingBuf buf(data, 300000);
    std::istream in(&buf);
    EXPECT_ANY_THROW(engine_->stage(in, "u1", UINT64_MAX));
    expectStoreEmpty();
}

TEST_F(BlobEngineTest, DiscardFreesAStagedBlob) {
    sdk::StagedBlob staged = stage(randomData(100000, 15));
    EXPECT_FALSE(chunkFiles().empty());
    EXPECT_EQ(blobRows(), 1);
    engine_->discard(staged.info.id);
    expectStoreEmpty();
    EXPECT_FALSE(engine_->stat(staged.info.id).has_value());
    engine_->discard(staged.info.id);  // again: nothing happens
    engine_->discard("not-an-id");
    expectStoreEmpty();
}

// ---- dedup and reference counts ---------------------------------------------------------

TEST_F(BlobEngineTest, IdenticalBlobsShareChunksUntilTheLastReferenceGoes) {
    const std::string data = randomData(150000, 16);
    std::string a = put(data);
    auto chunks = distinctChunks(a);
    ASSERT_GT(chunks.size(), 3u);
    EXPECT_EQ(chunkFiles().size(), chunks.size());
    std::string b = put(data);
    EXPECT_NE(a, b);
    EXPECT_EQ(distinctChunks(b), chunks);
    EXPECT_EQ(chunkFiles().size(), chunks.size());  // nothing new on disk
    for (const auto& [key, count] : refcounts()) EXPECT_EQ(count, 2) << key;

    release(a);
    EXPECT_FALSE(engine_->stat(a).has_value());
    EXPECT_EQ(chunkFiles().size(), chunks.size());
    for (const auto& [key, count] : refcounts()) EXPECT_EQ(count, 1) << key;
    EXPECT_EQ(readAll(b), data);

    release(b);
    EXPECT_FALSE(engine_->stat(b).has_value());
    expectStoreEmpty();  // freed at once by reclaim, no gc needed
}

TEST_F(BlobEngineTest, PartlyOverlappingBlobsShareTheirCommonChunks) {
    const std::string base = randomData(300000, 17);
    std::string edited = base;
    edited.insert(150000, randomData(1000, 18));
    std::string a = put(base);
    std::string b = put(edited);
    auto ca = distinctChunks(a);
    auto cb = distinctChunks(b);
    std::vector<std::string> common;
    std::set_intersection(ca.begin(), ca.end(), cb.begin(), cb.end(), std::back_inserter(common));
    EXPECT_GE(common.size() + 4, ca.size());  // an insertion costs only a few new chunks
    EXPECT_EQ(chunkFiles().size(), ca.size() + cb.size() - common.size());
    release(a);
    EXPECT_EQ(chunkFiles().size(), cb.size());
    EXPECT_EQ(readAll(b), edited);
}

TEST_F(BlobEngineTest, RepeatedChunksWithinOneBlobAreCountedPerReference) {
    const std::string zeros(200000, '\0');  // cut at the same place each time: identical chunks
    std::string id = put(zeros);
    auto m = manifest(id);
    auto distinct = distinctChunks(id);
    ASSERT_GT(m.size(), distinct.size());
    auto counts = refcounts();
    int64_t total = 0;
    for (const auto& [key, count] : counts) total += count;
    EXPECT_EQ(total, static_cast<int64_t>(m.size()));
    EXPECT_EQ(chunkFiles().size(), distinct.size());
    EXPECT_EQ(readAll(id), zeros);
    FsckReport r = engine_->fsck(log_);
    EXPECT_TRUE(r.clean());
    EXPECT_TRUE(r.warnings.empty());
    release(id);
    expectStoreEmpty();
}

TEST_F(BlobEngineTest, ChunkReleasedAndStagedAgainBeforeReclaimSurvives) {
    const std::string data = randomData(60000, 19);
    std::string a = put(data);
    sdk::ReclaimList list;
    db_.db().withTransaction([&](Poco::Data::Session& s) { engine_->release(s, a, list); });
    EXPECT_FALSE(list.empty());
    std::string b = put(data);  // same chunks referenced again before the reclaim runs
    engine_->reclaim(list);
    EXPECT_EQ(readAll(b), data);
    for (const auto& [key, count] : refcounts()) EXPECT_EQ(count, 1) << key;
    EXPECT_TRUE(engine_->fsck(log_).clean());
}

TEST_F(BlobEngineTest, ReleaseIsRolledBackWithTheCallersTransaction) {
    const std::string data = randomData(60000, 20);
    std::string id = put(data);
    auto before = refcounts();
    sdk::ReclaimList list;
    EXPECT_THROW(db_.db().withTransaction([&](Poco::Data::Session& s) {
        engine_->release(s, id, list);
        throw std::runtime_error("caller fails after the release");
    }),
                 std::runtime_error);
    // The caller must not reclaim after a rollback; even if it does, nothing is freed.
    engine_->reclaim(list);
    EXPECT_EQ(refcounts(), before);
    EXPECT_EQ(readAll(id), data);
}

TEST_F(BlobEngineTest, DiscardOfAStagedBlobKeepsSharedChunks) {
    const std::string data = randomData(80000, 21);
    std::string live = put(data);
    sdk::StagedBlob staged = stage(data);
    for (const auto& [key, count] : refcounts()) EXPECT_EQ(count, 2) << key;
    engine_->discard(staged.info.id);
    for (const auto& [key, count] : refcounts()) EXPECT_EQ(count, 1) << key;
    EXPECT_EQ(readAll(live), data);
}

// ---- concat ----------------------------------------------------------------------------

TEST_F(BlobEngineTest, ConcatJoinsPartsWithoutCopying) {
    const std::string part1 = randomData(100000, 22);
    const std::string part2 = compressibleText(50000) + randomData(30000, 23);
    std::string p1 = put(part1);
    std::string p2 = put(part2);
    const auto filesBefore = chunkFiles().size();
    const std::string whole = part1 + part2;
    sdk::BlobInfo info;
    db_.db().withTransaction([&](Poco::Data::Session& s) { info = engine_->concat(s, "u1", {p1, p2}, sha(whole)); });
    EXPECT_EQ(info.size, whole.size());
    EXPECT_EQ(info.sha256, sha(whole));
    EXPECT_EQ(chunkFiles().size(), filesBefore);  // no data written
    EXPECT_EQ(readAll(info.id), whole);
    auto st = engine_->stat(info.id);
    ASSERT_TRUE(st.has_value());
    EXPECT_EQ(st->size, whole.size());
    EXPECT_EQ(st->sha256, sha(whole));
    EXPECT_EQ(scalar("SELECT chunk_count FROM storage_blobs WHERE id = '" + info.id + "'"),
              static_cast<int64_t>(manifest(p1).size() + manifest(p2).size()));
    for (const auto& [key, count] : refcounts()) EXPECT_EQ(count, 2) << key;

    // Reading across the seam between the parts.
    auto in = engine_->open(info.id);
    ASSERT_NE(in, nullptr);
    in->seekg(static_cast<std::streamoff>(part1.size() - 100));
    std::string seam(200, '\0');
    in->read(seam.data(), 200);
    EXPECT_EQ(seam, whole.substr(part1.size() - 100, 200));
    in.reset();

    release(p1);
    release(p2);
    for (const auto& [key, count] : refcounts()) EXPECT_EQ(count, 1) << key;
    EXPECT_EQ(chunkFiles().size(), filesBefore);
    EXPECT_EQ(readAll(info.id), whole);
    EXPECT_TRUE(engine_->fsck(log_).clean());
    release(info.id);
    expectStoreEmpty();
}

TEST_F(BlobEngineTest, ConcatOfTheSamePartTwiceAndOfEmptyParts) {
    const std::string part = randomData(40000, 24);
    std::string p = put(part);
    std::string empty = put("");
    sdk::BlobInfo info;
    db_.db().withTransaction(
        [&](Poco::Data::Session& s) { info = engine_->concat(s, "u1", {empty, p, empty, p}, sha(part + part)); });
    EXPECT_EQ(readAll(info.id), part + part);
    for (const auto& [key, count] : refcounts()) EXPECT_EQ(count, 3) << key;
    release(info.id);
    for (const auto& [key, count] : refcounts()) EXPECT_EQ(count, 1) << key;
    EXPECT_EQ(readAll(p), part);
}

TEST_F(BlobEngineTest, ConcatWithAMissingPartChangesNothing) {
    std::string p = put(randomData(20000, 25));
    auto before = refcounts();
    const auto blobs = blobRows();
    EXPECT_EQ(errorOf([&] {
                  db_.db().withTransaction(
                      [&](Poco::Data::Session& s) { engine_->concat(s, "u1", {p, crypto::randomHex(16)}, ""); });
              }),
              "404 part_missing");
    EXPECT_EQ(blobRows(), blobs);
    EXPECT_EQ(refcounts(), before);
}

// ---- dedup scopes and encryption ----------------------------------------------------------

TEST_F(BlobEngineTest, SharedScopeDeduplicatesAcrossOwners) {
    const std::string data = randomData(100000, 26);
    std::string a = put(data, "u1");
    std::string b = put(data, "u2");
    auto chunks = distinctChunks(a);
    EXPECT_EQ(distinctChunks(b), chunks);
    EXPECT_EQ(chunkFiles().size(), chunks.size());
    for (const auto& f : chunkFiles()) EXPECT_THAT(f.string(), HasSubstr("/chunks/_shared/"));
}

TEST_F(BlobEngineTest, PerOwnerScopeKeepsOwnersApart) {
    StorageSettings s = settings();
    s.dedupPerOwner = true;
    useEngine(s);
    const std::string data = randomData(100000, 27);
    std::string a = put(data, "u1");
    std::string b = put(data, "u2");
    std::string a2 = put(data, "u1");
    const auto n = distinctChunks(a).size();
    EXPECT_EQ(chunkFiles().size(), 2 * n);
    EXPECT_EQ(distinctChunks(a2), distinctChunks(a));  // dedup within the owner
    EXPECT_EQ(readAll(b), data);
    release(a);
    release(a2);
    EXPECT_EQ(chunkFiles().size(), n);
    EXPECT_EQ(readAll(b), data);
}

TEST_F(BlobEngineTest, EncryptedScopesDoNotDeduplicateAcrossOwnersOrLeakPlaintext) {
    useEngine(encryptedSettings());
    const std::string data = randomData(120000, 28);
    std::string a = put(data, "u1");
    std::string b = put(data, "u2");
    auto ca = manifest(a);
    auto cb = manifest(b);
    ASSERT_GT(ca.size(), 3u);
    EXPECT_EQ(chunkFiles().size(), distinctChunks(a).size() + distinctChunks(b).size());
    std::set<std::string> hashesA, hashesB;
    for (const auto& c : ca) hashesA.insert(c.hash);
    for (const auto& c : cb) hashesB.insert(c.hash);
    std::vector<std::string> common;
    std::set_intersection(hashesA.begin(), hashesA.end(), hashesB.begin(), hashesB.end(), std::back_inserter(common));
    EXPECT_TRUE(common.empty()) << "chunk ids are keyed per owner";
    // Chunk ids are not the plaintext's SHA-256 (they would reveal known content).
    for (const auto& c : ca) {
        EXPECT_NE(c.hash, sha(data.substr(static_cast<std::size_t>(c.offset), static_cast<std::size_t>(c.size))));
    }
    // No 32-byte window of the plaintext is in any chunk file.
    std::vector<std::string> windows;
    for (std::size_t at = 0; at + 32 <= data.size(); at += 997) windows.push_back(data.substr(at, 32));
    for (const auto& f : chunkFiles()) {
        const std::string stored = readFile(f);
        for (const auto& w : windows) ASSERT_EQ(stored.find(w), std::string::npos) << f;
    }
    EXPECT_EQ(readAll(a), data);
    EXPECT_EQ(readAll(b), data);
    EXPECT_EQ(scalar("SELECT COUNT(*) FROM storage_data_keys"), 2);
}

TEST_F(BlobEngineTest, PlaintextIsVisibleWithoutEncryption) {
    // The control for the test above: the same probe does find unencrypted data.
    const std::string data = randomData(120000, 28);
    put(data, "u1");
    std::size_t found = 0;
    for (const auto& f : chunkFiles()) {
        const std::string stored = readFile(f);
        for (std::size_t at = 0; at + 32 <= data.size(); at += 997) found += stored.find(data.substr(at, 32)) != std::string::npos;
    }
    EXPECT_GT(found, 100u);
}

TEST_F(BlobEngineTest, EncryptedRoundTripsAndSeeks) {
    useEngine(encryptedSettings());
    for (const std::string& data : {std::string(), std::string("x"), compressibleText(90000), randomData(130000, 29)}) {
        SCOPED_TRACE(data.size());
        sdk::StagedBlob staged = stage(data, "owner-1");
        EXPECT_EQ(staged.info.sha256, sha(data));
        EXPECT_EQ(staged.head, data.substr(0, 4096));
        attach(staged.info.id);
        EXPECT_EQ(readAll(staged.info.id), data);
        if (data.size() > 50000) {
            auto in = engine_->open(staged.info.id);
            ASSERT_NE(in, nullptr);
            in->seekg(50000);
            std::string got(1000, '\0');
            in->read(got.data(), 1000);
            EXPECT_EQ(got, data.substr(50000, 1000));
        }
    }
    for (const auto& f : chunkFiles()) {
        EXPECT_TRUE(ChunkHeader::parse(readFile(f)).encrypted()) << f;
        EXPECT_THAT(f.string(), HasSubstr("/chunks/owner-1/"));
    }
    // The same engine settings on a fresh engine (no cached keys) read it too.
    useEngine(encryptedSettings());
    EXPECT_TRUE(engine_->fsck(log_).clean());
}

TEST_F(BlobEngineTest, EncryptedDuplicatesWithinAnOwnerShareChunks) {
    useEngine(encryptedSettings());
    const std::string data = randomData(80000, 30);
    std::string a = put(data, "u1");
    std::string b = put(data, "u1");
    EXPECT_EQ(distinctChunks(a), distinctChunks(b));
    EXPECT_EQ(chunkFiles().size(), distinctChunks(a).size());
    for (const auto& [key, count] : refcounts()) EXPECT_EQ(count, 2) << key;
    release(a);
    release(b);
    expectStoreEmpty();
}

TEST_F(BlobEngineTest, EncryptionNeedsAMasterKey) {
    StorageSettings s = settings();
    s.encrypt = true;
    EXPECT_THROW(makeEngine(s), std::invalid_argument);
}

TEST_F(BlobEngineTest, TheWrongMasterKeyCannotReadEncryptedBlobs) {
    useEngine(encryptedSettings());
    const std::string data = randomData(50000, 31);
    std::string id = put(data, "u1");
    StorageSettings wrong = encryptedSettings();
    wrong.masterKey = crypto::randomBytes(32);
    useEngine(wrong);
    EXPECT_EQ(errorOf([&] { engine_->open(id); }), "500 storage_corrupt");
    FsckReport r = engine_->fsck(log_);
    EXPECT_FALSE(r.clean());
    EXPECT_THAT(testing::PrintToString(r.damage), HasSubstr("different master key"));
    // After rotating to a new key, the new key reads what the old one wrote.
    const std::string newMaster = crypto::randomBytes(32);
    useEngine(encryptedSettings());
    EXPECT_EQ(engine_->keys().rotate(newMaster), 1);
    StorageSettings rotated = encryptedSettings();
    rotated.masterKey = newMaster;
    useEngine(rotated);
    EXPECT_EQ(readAll(id), data);
    EXPECT_TRUE(engine_->fsck(log_).clean());
}

TEST_F(BlobEngineTest, AnEncryptedChunkMovedToAnotherOwnerIsRejected) {
    useEngine(encryptedSettings());
    const std::string data = randomData(1000, 32);  // one chunk
    std::string a = put(data, "u1");
    std::string b = put(data, "u2");
    auto ca = manifest(a);
    auto cb = manifest(b);
    ASSERT_EQ(ca.size(), 1u);
    ASSERT_EQ(cb.size(), 1u);
    fs::copy_file(chunkFileOf(ca[0]), chunkFileOf(cb[0]), fs::copy_options::overwrite_existing);
    EXPECT_EQ(errorOf([&] { engine_->open(b); }), "500 storage_corrupt");
    EXPECT_EQ(readAll(a), data);
}

TEST_F(BlobEngineTest, AnOwnerNamedLikeTheSharedDirectoryCannotCollideWithIt) {
    // The shared scope lives in chunks/_shared; an owner scope of that name would share the
    // directory, and gc (which maps the directory back to the shared scope) would take its
    // chunk files for orphans.
    StorageSettings s = settings();
    s.dedupPerOwner = true;
    useEngine(s);
    const std::string data = randomData(50000, 49);
    std::string id;
    try {
        id = put(data, "_shared");
    } catch (const std::invalid_argument&) {
        expectStoreEmpty();  // refused: no collision possible
        return;
    }
    engine_->gc(0, log_);
    EXPECT_EQ(errorOf([&] { EXPECT_EQ(readAll(id), data); }), "(no error)");
    EXPECT_TRUE(engine_->fsck(log_).clean());
}

TEST_F(BlobEngineTest, ConcurrentUploadsAndReleasesOfTheSameContentStayConsistent) {
    const std::string data = randomData(60000, 50);
    std::string keep = put(data);
    std::vector<std::thread> threads;
    std::vector<std::string> survivors(3);
    for (std::size_t t = 0; t < survivors.size(); ++t) {
        threads.emplace_back([&, t] {
            for (int i = 0; i < 8; ++i) {
                std::string id = put(data, "u1");
                if (readAll(id) != data) ADD_FAILURE() << "thread " << t << " read wrong data";
                if (i % 2 == 0) {
                    release(id);
                } else if (!survivors[t].empty()) {
                    release(survivors[t]);
                    survivors[t] = id;
                } else {
                    survivors[t] = id;
                }
            }
        });
    }
    for (auto& th : threads) th.join();
    EXPECT_EQ(blobRows(), 4);
    for (const auto& [key, count] : refcounts()) EXPECT_EQ(count, 4) << key;
    EXPECT_EQ(chunkFiles().size(), distinctChunks(keep).size());
    FsckReport r = engine_->fsck(log_);
    EXPECT_TRUE(r.clean()) << testing::PrintToString(r.damage);
    EXPECT_TRUE(r.warnings.empty()) << testing::PrintToString(r.warnings);
    for (const auto& id : survivors) EXPECT_EQ(readAll(id), data);
    release(keep);
    for (const auto& id : survivors) release(id);
    expectStoreEmpty();
}

// ---- pinning ------------------------------------------------------------------------------

TEST_F(BlobEngineTest, AnOpenReaderPinsItsChunksUntilItIsDestroyed) {
    StorageSettings s = settings();
    s.cacheBytes = 0;  // every chunk comes from its file
    useEngine(s);
    const std::string data = randomData(200000, 33);
    std::string id = put(data);
    const auto files = chunkFiles().size();
    ASSERT_GT(files, 5u);

    auto in = engine_->open(id);
    ASSERT_NE(in, nullptr);
    std::string head(10, '\0');
    in->read(head.data(), 10);
    release(id);
    EXPECT_FALSE(engine_->stat(id).has_value());
    EXPECT_EQ(engine_->open(id), nullptr);
    EXPECT_EQ(chunkFiles().size(), files);  // still being read
    EXPECT_EQ(head + drain(*in), data);
    in->clear();
    in->seekg(12345);
    std::string again(100, '\0');
    in->read(again.data(), 100);
    EXPECT_EQ(again, data.substr(12345, 100));
    in.reset();
    expectStoreEmpty();
}

TEST_F(BlobEngineTest, ChunksAreFreedWhenTheLastOfSeveralReadersEnds) {
    StorageSettings s = settings();
    s.cacheBytes = 0;
    useEngine(s);
    const std::string data = randomData(100000, 34);
    std::string id = put(data);
    const auto files = chunkFiles().size();
    auto r1 = engine_->open(id);
    auto r2 = engine_->open(id);
    ASSERT_NE(r1, nullptr);
    ASSERT_NE(r2, nullptr);
    release(id);
    // gc does not take pinned chunks either.
    GcReport g = engine_->gc(0, log_);
    (void)g;
    EXPECT_EQ(chunkFiles().size(), files);
    EXPECT_EQ(drain(*r1), data);
    r1.reset();
    EXPECT_EQ(chunkFiles().size(), files);
    EXPECT_EQ(drain(*r2), data);
    r2.reset();
    expectStoreEmpty();
}

TEST_F(BlobEngineTest, APinnedChunkReferencedAgainIsNotFreedByTheReader) {
    StorageSettings s = settings();
    s.cacheBytes = 0;
    useEngine(s);
    const std::string data = randomData(60000, 35);
    std::string a = put(data);
    auto in = engine_->open(a);
    ASSERT_NE(in, nullptr);
    release(a);
    std::string b = put(data);  // the same chunks, referenced again while a is still read
    in.reset();
    EXPECT_EQ(readAll(b), data);
    EXPECT_TRUE(engine_->fsck(log_).clean());
}

// ---- corruption, fsck ---------------------------------------------------------------------

TEST_F(BlobEngineTest, ATamperedFirstChunkFailsTheOpen) {
    const std::string data = randomData(100000, 36);
    std::string id = put(data);
    auto m = manifest(id);
    ASSERT_GT(m.size(), 2u);
    flipByte(chunkFileOf(m[0]), 16 + 100);  // in the payload
    EXPECT_EQ(errorOf([&] { engine_->open(id); }), "500 storage_corrupt");
    try {
        engine_->open(id);
    } catch (const sdk::Error& e) {
        EXPECT_THAT(std::string(e.what()), HasSubstr("integrity"));
    }
    FsckReport r = engine_->fsck(log_);
    EXPECT_FALSE(r.clean());
    ASSERT_EQ(r.damage.size(), 1u);
    EXPECT_THAT(r.damage[0], HasSubstr(m[0].hash));
    EXPECT_THAT(r.damage[0], HasSubstr("corrupt"));
    EXPECT_EQ(r.chunksChecked, distinctChunks(id).size());
}

TEST_F(BlobEngineTest, ATamperedLaterChunkFailsTheRead) {
    const std::string data = randomData(100000, 37);
    std::string id = put(data);
    auto m = manifest(id);
    ASSERT_GT(m.size(), 2u);
    const auto& last = m.back();
    flipByte(chunkFileOf(last), static_cast<std::size_t>(fs::file_size(chunkFileOf(last)) - 1));
    auto in = engine_->open(id);  // the first chunk is fine
    ASSERT_NE(in, nullptr);
    EXPECT_EQ(errorOf([&] { drain(*in); }), "500 storage_corrupt");
    // A seek that lands in the damaged chunk fails too.
    auto again = engine_->open(id);
    ASSERT_NE(again, nullptr);
    EXPECT_EQ(errorOf([&] { again->seekg(static_cast<std::streamoff>(last.offset + 1)); }), "500 storage_corrupt");
    EXPECT_FALSE(engine_->fsck(log_).clean());
}

TEST_F(BlobEngineTest, TamperingACompressedChunkNeverServesWrongData) {
    const std::string text = compressibleText(30000);
    std::string id = put(text);
    auto m = manifest(id);
    ASSERT_FALSE(m.empty());
    const fs::path file = chunkFileOf(m[0]);
    const std::string original = readFile(file);
    ASSERT_TRUE(ChunkHeader::parse(original).compressed());
    // Flip one byte at a time, each read on a fresh engine (no cache): the read either fails
    // with storage_corrupt or (for bits zstd ignores) returns exactly the original bytes.
    int detected = 0;
    for (std::size_t at = 0; at < original.size(); ++at) {
        SCOPED_TRACE(at);
        std::string damaged = original;
        damaged[at] = static_cast<char>(damaged[at] ^ 0x20);
        writeFile(file, damaged);
        useEngine(settings());
        std::string got;
        std::string error = errorOf([&] { got = readAll(id); });
        if (error == "(no error)") {
            EXPECT_EQ(got, text);
        } else {
            EXPECT_EQ(error, "500 storage_corrupt");
            ++detected;
        }
        if (at < ChunkHeader::kSize) {
            EXPECT_EQ(error, "500 storage_corrupt");
        }
    }
    EXPECT_GT(detected, static_cast<int>(original.size() / 2));
    writeFile(file, original);
    useEngine(settings());
    EXPECT_EQ(readAll(id), text);
}

TEST_F(BlobEngineTest, SwappedChunkFilesAreDetected) {
    std::string a = put(randomData(3000, 38));
    std::string b = put(randomData(3000, 39));
    auto ma = manifest(a);
    auto mb = manifest(b);
    ASSERT_EQ(ma.size(), 1u);
    fs::copy_file(chunkFileOf(ma[0]), chunkFileOf(mb[0]), fs::copy_options::overwrite_existing);
    EXPECT_EQ(errorOf([&] { engine_->open(b); }), "500 storage_corrupt");
}

TEST_F(BlobEngineTest, AMissingChunkFileIsDamage) {
    const std::string data = randomData(100000, 40);
    std::string id = put(data);
    auto m = manifest(id);
    ASSERT_GT(m.size(), 2u);
    fs::remove(chunkFileOf(m[1]));
    FsckReport r = engine_->fsck(log_);
    EXPECT_FALSE(r.clean());
    ASSERT_EQ(r.damage.size(), 1u);
    EXPECT_THAT(r.damage[0], HasSubstr("missing chunk file"));
    EXPECT_THAT(r.damage[0], HasSubstr(m[1].hash));
    auto in = engine_->open(id);
    ASSERT_NE(in, nullptr);
    EXPECT_EQ(errorOf([&] { drain(*in); }), "500 storage_corrupt");
}

TEST_F(BlobEngineTest, FsckOfAHealthyStoreIsClean) {
    std::string a = put(randomData(100000, 41));
    std::string b = put(compressibleText(50000));
    std::string c = put("");
    FsckReport r = engine_->fsck(log_);
    EXPECT_TRUE(r.clean()) << testing::PrintToString(r.damage);
    EXPECT_TRUE(r.warnings.empty()) << testing::PrintToString(r.warnings);
    EXPECT_EQ(r.chunksChecked, static_cast<uint64_t>(chunkRows()));
    EXPECT_EQ(r.bytesChecked, static_cast<uint64_t>(scalar("SELECT SUM(size_bytes) FROM storage_chunks")));
    EXPECT_EQ(readAll(a).size() + readAll(b).size() + readAll(c).size(), 150000u);
}

TEST_F(BlobEngineTest, FsckFindsWrongReferenceCountsAndLeftovers) {
    std::string a = put(randomData(30000, 42));
    sdk::StagedBlob staged = stage(randomData(5000, 43));
    (void)staged;
    writeFile(root_.path() / "chunks" / "_shared" / "ab" / ("ab" + std::string(62, '0')), "orphan");
    FsckReport r = engine_->fsck(log_);
    EXPECT_TRUE(r.clean());
    EXPECT_THAT(testing::PrintToString(r.warnings), HasSubstr("staged blob"));
    EXPECT_THAT(testing::PrintToString(r.warnings), HasSubstr("without a database row"));
    // A count that is too low would free data still in use: damage.
    db_.db().withTransaction(
        [](Poco::Data::Session& s) { s << "UPDATE storage_chunks SET refcount = refcount - 1", now; });
    r = engine_->fsck(log_);
    EXPECT_FALSE(r.clean());
    EXPECT_THAT(testing::PrintToString(r.damage), HasSubstr("reference count"));
    // Too high only wastes space: a warning.
    db_.db().withTransaction(
        [](Poco::Data::Session& s) { s << "UPDATE storage_chunks SET refcount = refcount + 2", now; });
    r = engine_->fsck(log_);
    EXPECT_TRUE(r.clean()) << testing::PrintToString(r.damage);
    EXPECT_THAT(testing::PrintToString(r.warnings), HasSubstr("reference count"));
}

// ---- gc ------------------------------------------------------------------------------------

TEST_F(BlobEngineTest, ReclaimedChunksWaitAsideUntilDurableAndComeBackIfTheReleaseWasLost) {
    const std::string data = randomData(60000, 71);
    std::string id = put(data);
    // Freeing on SQLite: the file is moved aside, then removed once the release is durable.
    sdk::ReclaimList freed;
    db_.db().withTransaction([&](Poco::Data::Session& s) { engine_->release(s, id, freed); });
    engine_->reclaim(freed);
    EXPECT_TRUE(chunkFiles().empty());
    EXPECT_TRUE(tempFiles().empty()) << "a durable release leaves nothing aside";

    // A power cut after the move but before the release reached the disk: the rows are back
    // (simulated by a live blob whose chunk files sit aside in tmp/).
    std::string again = put(data);
    for (const auto& f : chunkFiles()) {
        std::string hash = f.filename().string();
        fs::rename(f, root_.path() / "tmp" / ("reclaimed-_shared-" + hash));
    }
    writeFile(root_.path() / "tmp" / ("reclaimed-_shared-" + std::string(64, 'e')), "nobody's");
    EXPECT_GT(engine_->recoverParkedChunks(), 0);
    EXPECT_EQ(readAll(again), data);
    EXPECT_TRUE(tempFiles().empty()) << "an aside file no row wants is removed";
}

TEST_F(BlobEngineTest, GcRemovesAbandonedUploadsOrphansAndUnreferencedChunks) {
    const std::string liveData = randomData(100000, 44);
    std::string live = put(liveData);
    const auto liveChunks = distinctChunks(live);
    // A process that died after staging (never attached, never discarded).
    sdk::StagedBlob abandoned = stage(randomData(80000, 45));
    // A process that died between a release's commit and its reclaim.
    std::string released = put(randomData(50000, 46));
    const auto releasedChunks = distinctChunks(released).size();
    sdk::ReclaimList lost;
    db_.db().withTransaction([&](Poco::Data::Session& s) { engine_->release(s, released, lost); });
    // A chunk file without a row (the row's transaction never committed) and a temp file.
    const fs::path orphan = root_.path() / "chunks" / "_shared" / "cd" / ("cd" + std::string(62, '1'));
    writeFile(orphan, "orphan chunk");
    writeFile(root_.path() / "tmp" / "0123.chunk", "half-written");
    EXPECT_GT(scalar("SELECT COUNT(*) FROM storage_chunks WHERE refcount <= 0"), 0);

    // Within the grace period nothing goes: the upload may still be arriving, and a running
    // server may still be streaming the just-released chunks to a download that pinned them.
    GcReport early = engine_->gc(3600, log_);
    EXPECT_EQ(early.stagedBlobs, 0);
    EXPECT_EQ(early.orphanFiles, 0);
    EXPECT_EQ(early.tempFiles, 0);
    EXPECT_EQ(early.chunksFreed, 0);
    EXPECT_TRUE(fs::exists(orphan));
    EXPECT_EQ(scalar("SELECT COUNT(*) FROM storage_blobs WHERE id = '" + abandoned.info.id + "'"), 1);
    EXPECT_FALSE(engine_->stat(abandoned.info.id).has_value()) << "a staged blob is nobody's content yet";

    GcReport r = engine_->gc(0, log_);
    EXPECT_EQ(r.stagedBlobs, 1);
    EXPECT_EQ(r.chunksFreed, static_cast<int>(releasedChunks));
    EXPECT_EQ(r.orphanFiles, 1);
    EXPECT_EQ(r.tempFiles, 1);
    EXPECT_GT(r.bytesFreed, 0u);
    EXPECT_FALSE(fs::exists(orphan));
    EXPECT_FALSE(engine_->stat(abandoned.info.id).has_value());
    EXPECT_EQ(scalar("SELECT COUNT(*) FROM storage_chunks WHERE refcount <= 0"), 0);
    EXPECT_TRUE(tempFiles().empty());
    // Only the live blob is left, intact.
    EXPECT_EQ(blobRows(), 1);
    EXPECT_EQ(chunkFiles().size(), liveChunks.size());
    EXPECT_EQ(static_cast<std::size_t>(chunkRows()), liveChunks.size());
    EXPECT_EQ(readAll(live), liveData);
    FsckReport f = engine_->fsck(log_);
    EXPECT_TRUE(f.clean());
    EXPECT_TRUE(f.warnings.empty()) << testing::PrintToString(f.warnings);
    // The reclaim that was lost is harmless when it finally runs.
    engine_->reclaim(lost);
    EXPECT_EQ(readAll(live), liveData);
    // A second gc finds nothing.
    GcReport again = engine_->gc(0, log_);
    EXPECT_EQ(again.stagedBlobs + again.chunksFreed + again.orphanFiles + again.tempFiles, 0);
}

TEST_F(BlobEngineTest, GcKeepsLiveChunksOfEveryScope) {
    useEngine(encryptedSettings());
    const std::string d1 = randomData(50000, 47);
    const std::string d2 = compressibleText(40000);
    std::string a = put(d1, "u1");
    std::string b = put(d2, "ws_2");
    std::istringstream shared(d1);
    sdk::BlobInfo c = engine_->put(shared, UINT64_MAX);  // the empty owner: the _shared directory
    const auto files = chunkFiles().size();
    GcReport r = engine_->gc(0, log_);
    EXPECT_EQ(r.orphanFiles, 0);
    EXPECT_EQ(r.chunksFreed, 0);
    EXPECT_EQ(chunkFiles().size(), files);
    EXPECT_EQ(readAll(a), d1);
    EXPECT_EQ(readAll(b), d2);
    EXPECT_EQ(readAll(c.id), d1);
}

TEST_F(BlobEngineTest, SweepTempHonoursTheGracePeriod) {
    writeFile(root_.path() / "tmp" / "a.chunk", "x");
    writeFile(root_.path() / "tmp" / "b.chunk", "y");
    EXPECT_EQ(engine_->sweepTemp(3600), 0);
    EXPECT_EQ(tempFiles().size(), 2u);
    EXPECT_EQ(engine_->sweepTemp(0), 2);
    EXPECT_TRUE(tempFiles().empty());
}

// ---- blobs of the earlier whole-file store ------------------------------------------------------

TEST_F(BlobEngineTest, LegacyBlobsAreReadAndConverted) {
    const std::string data = randomData(90000, 48);
    const std::string id = crypto::randomHex(16);
    const fs::path legacy = root_.path() / id.substr(0, 2) / id;
    writeFile(legacy, data);

    auto info = engine_->stat(id);
    ASSERT_TRUE(info.has_value());
    EXPECT_EQ(info->size, data.size());
    EXPECT_EQ(readAll(id), data);
    {
        auto in = engine_->open(id);
        ASSERT_NE(in, nullptr);
        in->seekg(40000);
        std::string got(100, '\0');
        in->read(got.data(), 100);
        EXPECT_EQ(got, data.substr(40000, 100));
    }
    EXPECT_EQ(engine_->countLegacyBlobs(), 1);
    EXPECT_THAT(testing::PrintToString(engine_->fsck(log_).warnings), HasSubstr("earlier store"));

    EXPECT_EQ(engine_->convertLegacyBlobs(log_), 1);
    EXPECT_FALSE(fs::exists(legacy));
    EXPECT_EQ(engine_->countLegacyBlobs(), 0);
    EXPECT_GT(manifest(id).size(), 2u);
    EXPECT_EQ(readAll(id), data);
    info = engine_->stat(id);
    ASSERT_TRUE(info.has_value());
    EXPECT_EQ(info->sha256, sha(data));
    EXPECT_EQ(scalar("SELECT COUNT(*) FROM storage_blobs WHERE state = 'live'"), 1);
    EXPECT_EQ(engine_->convertLegacyBlobs(log_), 0);
    FsckReport r = engine_->fsck(log_);
    EXPECT_TRUE(r.clean());
    EXPECT_TRUE(r.warnings.empty()) << testing::PrintToString(r.warnings);
    // A converted blob is released like any other.
    release(id);
    expectStoreEmpty();
}

TEST_F(BlobEngineTest, LegacyConversionSkipsOtherFilesAndEncryptsWhenConfigured) {
    useEngine(encryptedSettings());
    const std::string data = compressibleText(50000);
    const std::string id = crypto::randomHex(16);
    writeFile(root_.path() / id.substr(0, 2) / id, data);
    writeFile(root_.path() / "zz" / id, "not a hex directory");
    writeFile(root_.path() / id.substr(0, 2) / "notes.txt", "not a blob id");
    writeFile(root_.path() / id.substr(0, 2) / std::string(32, 'A'), "upper case is not an id");
    EXPECT_EQ(engine_->countLegacyBlobs(), 1);
    EXPECT_EQ(engine_->convertLegacyBlobs(log_), 1);
    EXPECT_EQ(readAll(id), data);
    for (const auto& f : chunkFiles()) EXPECT_TRUE(ChunkHeader::parse(readFile(f)).encrypted());
    EXPECT_TRUE(fs::exists(root_.path() / id.substr(0, 2) / "notes.txt"));
}

TEST_F(BlobEngineTest, RemovingALegacyBlobDeletesItsFile) {
    const std::string id = crypto::randomHex(16);
    const fs::path legacy = root_.path() / id.substr(0, 2) / id;
    writeFile(legacy, "old bytes");
    EXPECT_TRUE(engine_->remove(id));
    EXPECT_FALSE(fs::exists(legacy));
    EXPECT_FALSE(engine_->stat(id).has_value());
    EXPECT_EQ(engine_->countLegacyBlobs(), 0);
}

}  // namespace
}  // namespace hub::core::storage
