// Shared helpers for the storage engine's unit tests: deterministic test data, a migrated
// SQLite database in a temp dir, and small file-system probes.
#pragma once

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "TempDir.h"
#include "db/CoreMigrations.h"
#include "db/Database.h"
#include "db/MigrationRunner.h"

namespace hub::core::storage::test {

/// `n` pseudo-random bytes from a fixed seed (the same seed gives the same bytes).
inline std::string randomData(std::size_t n, uint64_t seed) {
    std::mt19937_64 rng(seed);
    std::string out(n, '\0');
    std::size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        uint64_t v = rng();
        for (std::size_t b = 0; b < 8; ++b) out[i + b] = static_cast<char>((v >> (8 * b)) & 0xff);
    }
    uint64_t v = rng();
    for (; i < n; ++i, v >>= 8) out[i] = static_cast<char>(v & 0xff);
    return out;
}

/// `n` bytes of readable, highly compressible text.
inline std::string compressibleText(std::size_t n) {
    static const std::string kWords[] = {"storage ", "engine ", "chunk ", "hub ", "blob ", "dedup ", "refcount ",
                                         "zstd ",    "key ",    "ring ",  "\n"};
    std::string out;
    out.reserve(n + 16);
    std::size_t i = 0;
    while (out.size() < n) out += kWords[(i++ * 7) % std::size(kWords)];
    out.resize(n);
    return out;
}

inline std::string readFile(const std::filesystem::path& p) {
    std::ifstream in(p, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

inline void writeFile(const std::filesystem::path& p, const std::string& bytes) {
    std::filesystem::create_directories(p.parent_path());
    std::ofstream out(p, std::ios::binary | std::ios::trunc);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

/// Every regular file below `dir` (none when it does not exist).
inline std::vector<std::filesystem::path> filesUnder(const std::filesystem::path& dir) {
    std::vector<std::filesystem::path> out;
    std::error_code ec;
    if (!std::filesystem::exists(dir, ec)) return out;
    for (auto it = std::filesystem::recursive_directory_iterator(dir, ec);
         !ec && it != std::filesystem::recursive_directory_iterator(); it.increment(ec)) {
        if (it->is_regular_file(ec)) out.push_back(it->path());
    }
    return out;
}

/// A SQLite database in its own temp dir with the core migrations (storage tables) applied.
class MigratedDb {
public:
    explicit MigratedDb(const std::string& prefix = "hub-unit-storage") : dir_(prefix) {
        DatabaseOptions options;
        options.poolMin = 1;
        options.poolMax = 8;
        db_ = std::make_unique<Database>(DatabaseUrl::parse("sqlite://" + (dir_.path() / "hub.db").string(), 5),
                                         options);
        MigrationRunner runner(*db_);
        runner.ensureTable();
        runner.apply("core", coreMigrations());
    }
    ~MigratedDb() { db_.reset(); }
    MigratedDb(const MigratedDb&) = delete;
    MigratedDb& operator=(const MigratedDb&) = delete;

    Database& db() { return *db_; }
    const std::filesystem::path& dir() const { return dir_.path(); }

private:
    test_support::TempDir dir_;
    std::unique_ptr<Database> db_;
};

}  // namespace hub::core::storage::test
