// Crash safety of the storage engine: hubd is killed with SIGKILL at random moments while
// several clients upload, replace, delete and assemble resumable uploads. Afterwards every
// listed file must download whole with the checksum it was listed with (nothing partially
// visible), `hubd fsck` must find no damage, and after `hubd gc` nothing may be left that no
// file references (no staged blobs, no unreferenced chunks, no orphan chunk files).
#include <atomic>
#include <csignal>
#include <cstdlib>

#include <Poco/DigestEngine.h>
#include <Poco/SHA2Engine.h>

#include "FilesTestSupport.h"

namespace hub::tests::files {
namespace {

constexpr std::size_t kKiB = 1024;
constexpr std::size_t kMiB = 1024 * kKiB;

std::string sha256Hex(const std::string& data) {
    Poco::SHA2Engine sha(Poco::SHA2Engine::SHA_256);
    sha.update(data);
    return Poco::DigestEngine::digestToHex(sha.digest());
}

class StorageCrashTest : public FilesFixture {
protected:
    /// One client's random work until `stop` is set; errors are expected once hubd dies.
    void client(const User& u, unsigned seed, const std::atomic<bool>& stop) {
        std::mt19937 rng(seed);
        while (!stop.load()) {
            std::string name = "f" + std::to_string(rng() % 10) + ".bin";
            try {
                switch (rng() % 6) {
                    case 0:
                    case 1:
                    case 2: {
                        // Sizes from one chunk to several; some share content with others.
                        std::size_t size = kKiB + rng() % (6 * kMiB);
                        put(u, name, pattern(size, rng() % 4 == 0 ? 1234u : static_cast<unsigned>(rng())));
                        break;
                    }
                    case 3:
                        del(u, name);
                        break;
                    default: {
                        std::size_t last = kKiB + rng() % (2 * kMiB);
                        auto o = sdk::json::object();
                        o->set("path", "r" + name);
                        o->set("size", static_cast<Poco::Int64>(5 * kMiB + last));
                        auto created = server_.postJson("/api/v1/uploads", json(o), u.auth());
                        if (created.status != 201) break;
                        std::string id = str(created.object(), "id");
                        std::string base = "/api/v1/uploads/" + id;
                        server_.request("PUT", base + "/parts/2", pattern(last, static_cast<unsigned>(rng())), u.auth());
                        if (stop.load()) break;
                        server_.request("PUT", base + "/parts/1", pattern(5 * kMiB, static_cast<unsigned>(rng())), u.auth());
                        server_.request("POST", base + "/complete", "", u.auth());
                        break;
                    }
                }
            } catch (const std::exception&) {
                // hubd was killed under this request.
            }
        }
    }

    /// Every listed file downloads whole and matches the checksum in its ETag.
    void expectEveryFileWhole(const User& u) {
        auto listed = list(u);
        ASSERT_EQ(listed.status, 200) << listed.body;
        auto files = arr(listed);
        for (std::size_t i = 0; i < files->size(); ++i) {
            auto f = files->getObject(static_cast<unsigned>(i));
            std::string name = f->getValue<std::string>("name");
            auto got = getRaw(u, name);
            ASSERT_EQ(got.status, 200) << name << ": " << got.body.substr(0, 200);
            EXPECT_EQ(got.body.size(), static_cast<std::size_t>(f->getValue<Poco::Int64>("size"))) << name;
            EXPECT_EQ("\"" + sha256Hex(got.body).substr(0, 32) + "\"", f->getValue<std::string>("etag"))
                << name << " is not the content it was committed with";
        }
    }

    int hubd(std::vector<std::string> words, const std::vector<std::string>& extra = {}) {
        words.insert(words.end(), args_.begin(), args_.end());
        words.insert(words.end(), extra.begin(), extra.end());
        return server_.runToExit(words, {}, "", 300);
    }
};

TEST_F(StorageCrashTest, KillsDuringManyUploadsLeaveNothingCorruptPartialOrOrphaned) {
    unsigned seed = 2026;
    if (const char* s = std::getenv("HUB_CRASH_SEED")) seed = static_cast<unsigned>(std::strtoul(s, nullptr, 10));
    std::cout << "crash test seed " << seed << " (set HUB_CRASH_SEED to replay)" << std::endl;
    std::mt19937 rng(seed);
    startServer();
    User alice = addUser("alice");
    User bob = addUser("bob");
    const int rounds = 6;
    for (int round = 0; round < rounds; ++round) {
        std::atomic<bool> stop{false};
        std::vector<std::thread> clients;
        for (unsigned c = 0; c < 4; ++c) {
            unsigned clientSeed = static_cast<unsigned>(rng());
            clients.emplace_back([&, c, clientSeed] { client(c % 2 == 0 ? alice : bob, clientSeed, stop); });
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(150 + rng() % 650));
        EXPECT_EQ(sigkill(server_), 128 + SIGKILL) << "round " << round;
        stop = true;
        for (auto& t : clients) t.join();
        ASSERT_TRUE(restart(server_, args_)) << server_.stderrText();
        expectEveryFileWhole(alice);
        expectEveryFileWhole(bob);
    }
    ASSERT_EQ(server_.stop(), 0);

    // What the crashes left behind is only what gc is for; fsck finds no damage.
    EXPECT_EQ(hubd({"fsck"}), 0) << server_.stdoutText();
    ASSERT_EQ(hubd({"gc"}, {"--set", "storage.gc_grace_seconds=0"}), 0) << server_.stderrText();
    std::cout << server_.stdoutText();
    EXPECT_EQ(hubd({"fsck"}), 0) << server_.stdoutText();
    EXPECT_EQ(server_.stdoutText().find("note:"), std::string::npos) << "left over after gc:\n" << server_.stdoutText();

    // Every blob belongs to a file or to an upload's part; every chunk row has its file and
    // is referenced exactly as often as manifests name it.
    EXPECT_EQ(server_.scalar("SELECT COUNT(*) FROM storage_blobs WHERE state = 'staged'"), 0);
    EXPECT_EQ(server_.scalar("SELECT COUNT(*) FROM storage_blobs"),
              server_.scalar("SELECT COUNT(*) FROM user_files WHERE blob_id IS NOT NULL") +
                  server_.scalar("SELECT COUNT(*) FROM file_upload_parts"));
    EXPECT_EQ(server_.scalar("SELECT COUNT(*) FROM storage_blobs b WHERE NOT EXISTS (SELECT 1 FROM user_files f WHERE "
                             "f.blob_id = b.id) AND NOT EXISTS (SELECT 1 FROM file_upload_parts p WHERE p.blob_id = b.id)"),
              0);
    EXPECT_EQ(server_.scalar("SELECT COUNT(*) FROM storage_chunks WHERE refcount <= 0"), 0);
    EXPECT_EQ(server_.scalar("SELECT COALESCE(SUM(refcount), 0) FROM storage_chunks"),
              server_.scalar("SELECT COUNT(*) FROM storage_blob_chunks"));
    EXPECT_EQ(static_cast<long long>(chunkFiles(server_.dataDir()).size()),
              server_.scalar("SELECT COUNT(*) FROM storage_chunks"));
    EXPECT_EQ(tmpEntries(server_.dataDir()).size(), 0u);

    ASSERT_TRUE(restart(server_, args_)) << server_.stderrText();
    expectEveryFileWhole(alice);
    expectEveryFileWhole(bob);
}

}  // namespace
}  // namespace hub::tests::files
