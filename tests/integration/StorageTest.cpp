// The storage engine through the files API: resumable uploads, dedup, encryption at rest,
// tamper detection, key rotation, conversion of the earlier whole-file store, gc and fsck.
#include <Poco/DigestEngine.h>
#include <Poco/SHA2Engine.h>

#include "FilesTestSupport.h"

namespace hub::tests::files {
namespace {

constexpr std::size_t kMiB = 1024 * 1024;

std::string sha256Hex(const std::string& data) {
    Poco::SHA2Engine sha(Poco::SHA2Engine::SHA_256);
    sha.update(data);
    return Poco::DigestEngine::digestToHex(sha.digest());
}

/// English-like text: compressible, so stored chunks would show it if it were in clear.
std::string prose(std::size_t n) {
    static const char* words[] = {"storage", "engine", "chunk", "secret", "quarterly", "report", "hub", "advisor"};
    std::string s;
    std::mt19937 gen(7);
    while (s.size() < n) {
        s += words[gen() % 8];
        s += (gen() % 11 == 0) ? ".\n" : " ";
    }
    s.resize(n);
    return s;
}

bool anyChunkContains(const std::string& dataDir, const std::string& needle) {
    for (const auto& p : chunkFiles(dataDir)) {
        if (readFile(p).find(needle) != std::string::npos) return true;
    }
    return false;
}

class StorageTest : public FilesFixture {
protected:
    void TearDown() override { fs::remove_all(keyDir_); }

    /// A master key file (64 hex digits) for storage.encryption.master_key_file.
    std::string keyFile(const std::string& name, char fill) {
        fs::create_directories(keyDir_);
        std::string path = (keyDir_ / name).string();
        std::ofstream(path) << std::string(64, fill) << "\n";
        return path;
    }
    std::vector<std::string> encrypted(const std::string& key) const {
        return {"--set", "storage.encryption.enabled=true", "--set", "storage.encryption.master_key_file=" + key};
    }

    Response createUpload(const User& u, const std::string& path, std::size_t size, const std::string& sha = "") const {
        auto o = sdk::json::object();
        o->set("path", path);
        o->set("size", static_cast<Poco::Int64>(size));
        if (!sha.empty()) o->set("sha256", sha);
        return server_.postJson("/api/v1/uploads", json(o), u.auth());
    }
    Response putPart(const User& u, const std::string& id, const std::string& n, const std::string& bytes) const {
        return server_.request("PUT", "/api/v1/uploads/" + id + "/parts/" + n, bytes, u.auth());
    }
    Response completeUpload(const User& u, const std::string& id) const {
        return server_.request("POST", "/api/v1/uploads/" + id + "/complete", "", u.auth());
    }
    /// Runs a storage subcommand (gc, fsck, keys ...) with the server's flags.
    int hubd(std::vector<std::string> words, const std::vector<std::string>& extra = {}) {
        words.insert(words.end(), args_.begin(), args_.end());
        words.insert(words.end(), extra.begin(), extra.end());
        return server_.runToExit(words);
    }

    /// Flips one byte of a stored chunk: the file is refused with a 500, its neighbours still
    /// work, the log names the chunk, and fsck exits 1.
    void expectTamperDetected(const std::vector<std::string>& extra) {
        startServer(extra);
        User alice = addUser("alice");
        const std::string data = pattern(200 * 1024, 5);
        putOk(alice, "victim.bin", data);
        putOk(alice, "bystander.txt", "fine");
        ASSERT_EQ(server_.stop(), 0);
        ASSERT_EQ(hubd({"fsck"}), 0) << server_.stdoutText();
        fs::path victim;
        for (const auto& c : chunkFiles(server_.dataDir())) {
            if (fs::file_size(c) > 1000) victim = c;
        }
        ASSERT_FALSE(victim.empty());
        std::string bytes = readFile(victim);
        bytes[bytes.size() / 2] = static_cast<char>(bytes[bytes.size() / 2] ^ 0x5a);
        std::ofstream(victim, std::ios::binary | std::ios::trunc) << bytes;

        ASSERT_TRUE(restart(server_, args_)) << server_.stderrText();
        auto got = getRaw(alice, "victim.bin");
        EXPECT_EQ(got.status, 500);
        EXPECT_EQ(got.errorCode(), "storage_corrupt");
        EXPECT_EQ(got.body.find(data.substr(0, 64)), std::string::npos);
        EXPECT_EQ(getContent(alice, "victim.bin").status, 500);
        EXPECT_EQ(str(getContent(alice, "bystander.txt").object(), "content"), "fine");
        EXPECT_TRUE(server_.waitForStderr("was not served")) << server_.stderrText();
        ASSERT_EQ(server_.stop(), 0);
        EXPECT_EQ(hubd({"fsck"}), 1);
        EXPECT_NE(server_.stdoutText().find("DAMAGE: corrupt chunk"), std::string::npos) << server_.stdoutText();
    }

    fs::path keyDir_ = fs::temp_directory_path() / ("hub-storage-keys-" + std::to_string(::getpid()));
};

TEST_F(StorageTest, ResumableUploadAssemblesPartsSentInAnyOrderWithoutCopying) {
    startServer();
    User alice = addUser("alice");
    const std::string p1 = pattern(5 * kMiB, 1), p2 = pattern(5 * kMiB, 2), p3 = pattern(kMiB + 123, 3);
    const std::string whole = p1 + p2 + p3;
    auto created = createUpload(alice, "big/video.bin", whole.size(), sha256Hex(whole));
    ASSERT_EQ(created.status, 201) << created.body;
    const std::string id = str(created.object(), "id");
    EXPECT_EQ(created.header("Location"), "/api/v1/uploads/" + id);
    EXPECT_GE(created.object()->getValue<Poco::Int64>("part_size"), static_cast<Poco::Int64>(5 * kMiB));
    EXPECT_EQ(created.object()->getValue<Poco::Int64>("min_part_size"), static_cast<Poco::Int64>(5 * kMiB));

    // A wrong part 2 first, then the right one: the replaced part's chunks are freed.
    ASSERT_EQ(putPart(alice, id, "3", p3).status, 200);
    ASSERT_EQ(putPart(alice, id, "2", pattern(5 * kMiB, 99)).status, 200);
    auto right = putPart(alice, id, "2", p2);
    ASSERT_EQ(right.status, 200) << right.body;
    EXPECT_EQ(str(right.object(), "sha256"), sha256Hex(p2));
    ASSERT_EQ(putPart(alice, id, "1", p1).status, 200);
    EXPECT_EQ(storedPlainBytes(server_.dataDir()), whole.size()) << "the replaced part 2 was not freed";

    auto shown = server_.get("/api/v1/uploads/" + id, alice.auth());
    ASSERT_EQ(shown.status, 200);
    EXPECT_EQ(shown.object()->getValue<Poco::Int64>("received_bytes"), static_cast<Poco::Int64>(whole.size()));
    EXPECT_EQ(shown.object()->getArray("parts")->size(), 3u);
    EXPECT_EQ(arr(server_.get("/api/v1/uploads", alice.auth()))->size(), 1u);
    EXPECT_EQ(rows(), 0) << "nothing is visible before complete";

    auto done = completeUpload(alice, id);
    ASSERT_EQ(done.status, 201) << done.body;
    EXPECT_EQ(str(done.object(), "name"), "big/video.bin");
    EXPECT_EQ(done.object()->getValue<Poco::Int64>("size"), static_cast<Poco::Int64>(whole.size()));
    EXPECT_EQ(str(done.object(), "etag"), "\"" + sha256Hex(whole).substr(0, 32) + "\"");
    auto got = getRaw(alice, "big/video.bin");
    ASSERT_EQ(got.status, 200);
    EXPECT_TRUE(got.body == whole);
    auto range = getRaw(alice, "big/video.bin", {{"Range", "bytes=5242870-5242889"}});
    ASSERT_EQ(range.status, 206);
    EXPECT_EQ(range.body, whole.substr(5242870, 20));
    // The file reuses the parts' chunks: nothing was copied.
    EXPECT_EQ(storedPlainBytes(server_.dataDir()), whole.size());
    EXPECT_EQ(server_.get("/api/v1/uploads/" + id, alice.auth()).status, 404);
    EXPECT_EQ(server_.scalar("SELECT COUNT(*) FROM file_upload_parts"), 0);
}

TEST_F(StorageTest, ResumableUploadRefusesWhatItCannotAssemble) {
    startServer({"--set", "plugins.files.config.max_upload_mb=20", "--set", "plugins.files.config.max_open_uploads=2"});
    User alice = addUser("alice");
    User bob = addUser("bob");
    putOk(alice, "docs/readme.txt", "hello");

    EXPECT_EQ(createUpload(alice, "too/big.bin", 21 * kMiB).status, 413);
    EXPECT_EQ(createUpload(alice, "docs", kMiB).errorCode(), "is_folder");
    EXPECT_EQ(createUpload(alice, "docs/readme.txt/x", kMiB).errorCode(), "parent_is_file");
    EXPECT_EQ(createUpload(alice, "../etc/passwd", kMiB).status, 422);
    EXPECT_EQ(createUpload(alice, "a.bin", 0).status, 422);
    EXPECT_EQ(createUpload(alice, "a.bin", kMiB, "not-a-hash").status, 422);
    EXPECT_EQ(server_.postJson("/api/v1/uploads", "{\"path\": 5}", alice.auth()).status, 422);

    auto created = createUpload(alice, "a.bin", 6 * kMiB, std::string(64, '0'));
    ASSERT_EQ(created.status, 201) << created.body;
    const std::string id = str(created.object(), "id");
    for (const std::string bad : {"0", "01", "-1", "x", "10001", "1.5"}) {
        EXPECT_EQ(putPart(alice, id, bad, "abc").status, 422) << bad;
    }
    // Larger than what is left of the declared size: refused before the body is read.
    {
        RawConn c(server_.port());
        ASSERT_TRUE(c.ok());
        ASSERT_TRUE(c.send(requestHead("PUT", "/api/v1/uploads/" + id + "/parts/1",
                                       {{"Authorization", "Bearer " + alice.token},
                                        {"Content-Length", std::to_string(6 * kMiB + 1)}})));
        EXPECT_EQ(c.readHead().status, 413);
    }
    EXPECT_EQ(chunkFiles(server_.dataDir()).size(), 1u);
    EXPECT_EQ(putPart(alice, id, "1", "").errorCode(), "empty_part");

    // Someone else's upload does not exist for them.
    EXPECT_EQ(server_.get("/api/v1/uploads/" + id, bob.auth()).status, 404);
    EXPECT_EQ(putPart(bob, id, "1", "x").status, 404);
    EXPECT_EQ(completeUpload(bob, id).status, 404);
    EXPECT_EQ(server_.request("DELETE", "/api/v1/uploads/" + id, "", bob.auth()).status, 404);
    EXPECT_EQ(server_.get("/api/v1/uploads/not-a-uuid", alice.auth()).status, 404);

    // Missing parts, a small middle part, a wrong checksum: each a clear 4xx, upload kept.
    ASSERT_EQ(putPart(alice, id, "2", pattern(kMiB, 6)).status, 200);
    auto missing = completeUpload(alice, id);
    EXPECT_EQ(missing.status, 409);
    EXPECT_EQ(missing.errorCode(), "upload_incomplete");
    EXPECT_NE(missing.detail().find("missing part(s) 1"), std::string::npos) << missing.detail();
    ASSERT_EQ(putPart(alice, id, "1", pattern(kMiB, 5)).status, 200);
    ASSERT_EQ(putPart(alice, id, "3", pattern(4 * kMiB, 7)).status, 200);
    auto small = completeUpload(alice, id);
    EXPECT_EQ(small.errorCode(), "part_too_small") << small.body;
    ASSERT_EQ(server_.request("DELETE", "/api/v1/uploads/" + id + "/parts/3", "", alice.auth()).status, 405);

    auto second = createUpload(alice, "b.bin", 6 * kMiB);
    ASSERT_EQ(second.status, 201);
    const std::string id2 = str(second.object(), "id");
    ASSERT_EQ(putPart(alice, id2, "1", pattern(6 * kMiB, 8)).status, 200);
    EXPECT_EQ(createUpload(alice, "c.bin", kMiB).status, 429) << "max_open_uploads";
    auto mismatch = completeUpload(alice, id2);
    ASSERT_EQ(mismatch.status, 201) << "no checksum declared, nothing to mismatch: " << mismatch.body;

    // The first upload declared a checksum its parts do not have.
    ASSERT_EQ(server_.request("DELETE", "/api/v1/uploads/" + id, "", alice.auth()).status, 200);
    auto third = createUpload(alice, "c.bin", 6 * kMiB, std::string(64, 'a'));
    ASSERT_EQ(third.status, 201);
    const std::string id3 = str(third.object(), "id");
    ASSERT_EQ(putPart(alice, id3, "1", pattern(6 * kMiB, 9)).status, 200);
    auto wrongSum = completeUpload(alice, id3);
    EXPECT_EQ(wrongSum.status, 422);
    EXPECT_EQ(wrongSum.errorCode(), "sha256_mismatch");
    EXPECT_EQ(server_.get("/api/v1/uploads/" + id3, alice.auth()).status, 200) << "a failed complete keeps the upload";
    EXPECT_EQ(rowsAt("c.bin"), 0);
}

TEST_F(StorageTest, AbortAndExpiryFreeTheParts) {
    startServer({"--set", "plugins.files.config.upload_expiry_seconds=2"});
    User alice = addUser("alice");
    auto a = createUpload(alice, "a.bin", 12 * kMiB);
    ASSERT_EQ(a.status, 201);
    const std::string idA = str(a.object(), "id");
    ASSERT_EQ(putPart(alice, idA, "1", pattern(6 * kMiB, 1)).status, 200);
    ASSERT_GT(chunkFiles(server_.dataDir()).size(), 0u);
    auto aborted = server_.request("DELETE", "/api/v1/uploads/" + idA, "", alice.auth());
    ASSERT_EQ(aborted.status, 200) << aborted.body;
    EXPECT_EQ(chunkFiles(server_.dataDir()).size(), 0u) << "abort frees the parts at once";
    EXPECT_EQ(server_.get("/api/v1/uploads/" + idA, alice.auth()).status, 404);

    auto b = createUpload(alice, "b.bin", 12 * kMiB);
    const std::string idB = str(b.object(), "id");
    ASSERT_EQ(putPart(alice, idB, "1", pattern(6 * kMiB, 2)).status, 200);
    // Left idle: the sweeper aborts it after the expiry and frees its chunks.
    auto until = std::chrono::steady_clock::now() + std::chrono::seconds(15);
    while (std::chrono::steady_clock::now() < until && !chunkFiles(server_.dataDir()).empty()) {
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    EXPECT_EQ(chunkFiles(server_.dataDir()).size(), 0u);
    EXPECT_EQ(server_.scalar("SELECT COUNT(*) FROM file_uploads"), 0);
    EXPECT_EQ(server_.get("/api/v1/uploads/" + idB, alice.auth()).status, 404);
}

TEST_F(StorageTest, IdenticalContentIsStoredOnceAndFreedWithItsLastReference) {
    startServer();
    User alice = addUser("alice");
    User bob = addUser("bob");
    const std::string data = pattern(3 * kMiB, 42);
    putOk(alice, "one.bin", data);
    const auto once = chunkFiles(server_.dataDir()).size();
    putOk(alice, "copy.bin", data);
    putOk(bob, "theirs.bin", data);
    EXPECT_EQ(chunkFiles(server_.dataDir()).size(), once) << "dedup across files and users (encryption off)";
    EXPECT_EQ(storedPlainBytes(server_.dataDir()), data.size());
    ASSERT_EQ(del(alice, "one.bin").status, 200);
    ASSERT_EQ(del(alice, "copy.bin").status, 200);
    EXPECT_TRUE(getRaw(bob, "theirs.bin").body == data);
    EXPECT_EQ(chunkFiles(server_.dataDir()).size(), once);
    ASSERT_EQ(del(bob, "theirs.bin").status, 200);
    EXPECT_EQ(chunkFiles(server_.dataDir()).size(), 0u) << "the last delete frees the space before it returns";
}

TEST_F(StorageTest, EncryptionKeepsOwnersApartAndNoPlaintextReachesTheDisk) {
    const std::string key = keyFile("a.key", 'a');
    startServer(encrypted(key));
    User alice = addUser("alice");
    User bob = addUser("bob");
    const std::string text = prose(2 * kMiB);
    putOk(alice, "notes.txt", text);
    const auto perOwner = chunkFiles(server_.dataDir()).size();
    putOk(alice, "again.txt", text);
    EXPECT_EQ(chunkFiles(server_.dataDir()).size(), perOwner) << "dedup within one owner";
    putOk(bob, "notes.txt", text);
    EXPECT_EQ(chunkFiles(server_.dataDir()).size(), 2 * perOwner) << "no dedup across owners when encrypted";
    EXPECT_FALSE(anyChunkContains(server_.dataDir(), "quarterly report"));
    EXPECT_FALSE(anyChunkContains(server_.dataDir(), "secret"));
    EXPECT_TRUE(getRaw(alice, "notes.txt").body == text);
    EXPECT_TRUE(getRaw(bob, "notes.txt").body == text);
    EXPECT_EQ(server_.scalar("SELECT COUNT(*) FROM storage_data_keys"), 2);
    EXPECT_EQ(server_.scalar("SELECT COUNT(*) FROM storage_chunks WHERE scope = ''"), 0);
    ASSERT_EQ(server_.stop(), 0);

    // Another master key cannot start on this data; no key at all is a config error.
    ServerProcess& p = server_;
    std::vector<std::string> wrong = args_;
    auto other = encrypted(keyFile("b.key", 'b'));
    wrong.insert(wrong.end(), other.begin(), other.end());
    EXPECT_NE(p.runToExit(wrong), 0);
    EXPECT_NE(p.stderrText().find("different master key"), std::string::npos) << p.stderrText();
    std::vector<std::string> none = filesServerArgs({"--set", "storage.encryption.enabled=true"});
    EXPECT_EQ(p.runToExit(none), 78);
    EXPECT_NE(p.stderrText().find("encryption needs a master key"), std::string::npos) << p.stderrText();
}

TEST_F(StorageTest, TamperedChunkIsNeverServedAndFsckReportsIt) { expectTamperDetected({}); }

TEST_F(StorageTest, TamperedEncryptedChunkFailsAuthenticationAndIsNeverServed) {
    expectTamperDetected(encrypted(keyFile("t.key", 'c')));
}

TEST_F(StorageTest, ADamagedLaterChunkCutsTheDownloadShortInsteadOfSendingWrongBytes) {
    startServer();
    User alice = addUser("alice");
    const std::string data = pattern(6 * kMiB, 8);  // several chunks
    putOk(alice, "long.bin", data);
    std::string blob = server_.text("SELECT blob_id FROM user_files WHERE file_path = 'long.bin'");
    ASSERT_GE(server_.scalar("SELECT COUNT(*) FROM storage_blob_chunks WHERE blob_id = '" + blob + "'"), 2);
    std::string last = server_.text("SELECT hash FROM storage_blob_chunks WHERE blob_id = '" + blob +
                                    "' ORDER BY seq DESC LIMIT 1");
    fs::path victim = fs::path(server_.dataDir()) / "blobs" / "chunks" / "_shared" / last.substr(0, 2) / last;
    ASSERT_TRUE(fs::exists(victim));
    std::string bytes = readFile(victim);
    bytes[bytes.size() - 10] = static_cast<char>(bytes[bytes.size() - 10] ^ 0x01);
    std::ofstream(victim, std::ios::binary | std::ios::trunc) << bytes;

    // The first chunk is fine, so the response has started: the only honest end is a cut.
    RawConn dl(server_.port());
    ASSERT_TRUE(dl.ok());
    ASSERT_TRUE(dl.send(requestHead("GET", filesUrl("long.bin") + "/raw", {{"Authorization", "Bearer " + alice.token}})));
    auto head = dl.readHead();
    ASSERT_EQ(head.status, 200);
    auto started = std::chrono::steady_clock::now();
    std::string got = dl.readBody(data.size(), 30000);
    EXPECT_LT(got.size(), data.size()) << "a damaged chunk must never complete the body";
    // The server ends the connection (a client waiting for the missing bytes would hang
    // until its own timeout, or take the next response for the rest of this one).
    EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(15)) << "the connection stayed open";
    EXPECT_TRUE(data.compare(0, got.size(), got) == 0) << "every byte sent before the cut is right";
    EXPECT_TRUE(server_.waitForStderr("was not served")) << server_.stderrText();
}

TEST_F(StorageTest, OwnerDedupScopeKeepsOwnersApartWithoutEncryption) {
    startServer({"--set", "storage.dedup_scope=owner"});
    User alice = addUser("alice");
    User bob = addUser("bob");
    const std::string data = pattern(kMiB, 9);
    putOk(alice, "a.bin", data);
    putOk(alice, "b.bin", data);
    const auto perOwner = chunkFiles(server_.dataDir()).size();
    putOk(bob, "a.bin", data);
    EXPECT_EQ(chunkFiles(server_.dataDir()).size(), 2 * perOwner) << "owner scope: no sharing across users";
    EXPECT_EQ(server_.scalar("SELECT COUNT(*) FROM storage_chunks WHERE scope = ''"), 0);
    EXPECT_EQ(server_.scalar("SELECT COUNT(*) FROM storage_data_keys"), 0) << "no encryption, no keys";
}

TEST_F(StorageTest, KeyRotationRewrapsDataKeysWithoutRewritingChunks) {
    const std::string oldKey = keyFile("old.key", 'd'), newKey = keyFile("new.key", 'e');
    startServer(encrypted(oldKey));
    User alice = addUser("alice");
    const std::string text = prose(600 * 1024);
    putOk(alice, "plan.txt", text);
    // Not beside a running server: it keeps the old master key in memory.
    EXPECT_EQ(hubd({"keys", "rotate", "--new-key-file", newKey}), 69);
    EXPECT_NE(server_.stderrText().find("serving this storage root"), std::string::npos) << server_.stderrText();
    ASSERT_EQ(server_.stop(), 0);
    std::map<std::string, std::string> before;
    for (const auto& c : chunkFiles(server_.dataDir())) before[c.string()] = readFile(c);

    ASSERT_EQ(hubd({"keys", "rotate"}), 64) << "the new key is required";
    ASSERT_EQ(hubd({"keys", "rotate", "--new-key-file", newKey}), 0) << server_.stderrText();
    EXPECT_NE(server_.stdoutText().find("re-wrapped 1 data key(s)"), std::string::npos) << server_.stdoutText();
    for (const auto& c : chunkFiles(server_.dataDir())) EXPECT_EQ(before[c.string()], readFile(c)) << "chunk rewritten";
    // Running it again is harmless; the old key no longer opens the data.
    EXPECT_EQ(hubd({"keys", "rotate", "--new-key-file", newKey}), 69) << "the configured key is now the wrong one";

    args_ = filesServerArgs(encrypted(newKey));
    ASSERT_TRUE(restart(server_, args_)) << server_.stderrText();
    EXPECT_TRUE(getRaw(alice, "plan.txt").body == text);
    ASSERT_EQ(server_.stop(), 0);
    EXPECT_EQ(hubd({"fsck"}), 0) << server_.stdoutText();

    // The new key may also come from the environment.
    std::vector<std::string> rotate{"keys", "rotate"};
    rotate.insert(rotate.end(), args_.begin(), args_.end());
    ASSERT_EQ(server_.runToExit(rotate, {{"HUB_STORAGE_NEW_MASTER_KEY", std::string(64, 'f')}}), 0) << server_.stderrText();
    EXPECT_NE(server_.stdoutText().find("re-wrapped 1 data key(s)"), std::string::npos) << server_.stdoutText();
    args_ = filesServerArgs(encrypted(keyFile("third.key", 'f')));
    ASSERT_TRUE(restart(server_, args_)) << server_.stderrText();
    EXPECT_TRUE(getRaw(alice, "plan.txt").body == text);
}

TEST_F(StorageTest, BlobsOfTheEarlierStoreAreReadThenConvertedByMigrate) {
    startServer();
    User alice = addUser("alice");
    putOk(alice, "old.txt", "placeholder");
    ASSERT_EQ(server_.stop(), 0);
    // Recreate what the earlier store left: a whole file at blobs/<id[0:2]>/<id>.
    const std::string legacyId = "0123456789abcdef0123456789abcdef";
    const std::string legacyBytes = prose(300 * 1024);
    fs::create_directories(fs::path(server_.dataDir()) / "blobs" / "01");
    std::ofstream(fs::path(server_.dataDir()) / "blobs" / "01" / legacyId, std::ios::binary) << legacyBytes;
    std::string oldBlob = server_.text("SELECT blob_id FROM user_files WHERE file_path = 'old.txt'");
    server_.execute("UPDATE user_files SET blob_id = $1, size_bytes = " + std::to_string(legacyBytes.size()) +
                        " WHERE file_path = 'old.txt'",
                    {legacyId});
    server_.execute("DELETE FROM storage_blob_chunks WHERE blob_id = $1", {oldBlob});
    server_.execute("DELETE FROM storage_blobs WHERE id = $1", {oldBlob});
    server_.execute("DELETE FROM storage_chunks");
    for (const auto& c : chunkFiles(server_.dataDir())) fs::remove(c);

    ASSERT_TRUE(restart(server_, args_)) << server_.stderrText();
    EXPECT_TRUE(server_.waitForStderr("1 blob(s) of the earlier whole-file store")) << server_.stderrText();
    EXPECT_TRUE(getRaw(alice, "old.txt").body == legacyBytes) << "read as it is before conversion";
    ASSERT_EQ(server_.stop(), 0);

    ASSERT_EQ(hubd({"migrate"}), 0) << server_.stderrText();
    EXPECT_NE(server_.stdoutText().find("converted 1 blob(s)"), std::string::npos) << server_.stdoutText();
    EXPECT_FALSE(fs::exists(fs::path(server_.dataDir()) / "blobs" / "01" / legacyId));
    EXPECT_EQ(hubd({"migrate"}), 0);
    EXPECT_EQ(server_.stdoutText().find("converted"), std::string::npos) << "nothing left to convert";
    EXPECT_EQ(hubd({"fsck"}), 0) << server_.stdoutText();

    ASSERT_TRUE(restart(server_, args_)) << server_.stderrText();
    EXPECT_TRUE(getRaw(alice, "old.txt").body == legacyBytes) << "same id, now from chunks";
    ASSERT_EQ(del(alice, "old.txt").status, 200);
    EXPECT_EQ(chunkFiles(server_.dataDir()).size(), 0u);
}

}  // namespace
}  // namespace hub::tests::files
