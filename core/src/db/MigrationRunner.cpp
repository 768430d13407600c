#include "db/MigrationRunner.h"

#include <algorithm>
#include <chrono>
#include <map>
#include <set>

#include <Poco/Data/Session.h>
#include <Poco/String.h>

#include "util/Crypto.h"

using namespace Poco::Data::Keywords;

namespace hub::core {
namespace {

constexpr const char* kCreateTable =
    "CREATE TABLE IF NOT EXISTS hub_migrations ("
    " owner TEXT NOT NULL, version INTEGER NOT NULL, name TEXT NOT NULL,"
    " checksum TEXT NOT NULL, applied_at BIGINT NOT NULL, PRIMARY KEY (owner, version))";

const std::string& sqlFor(const sdk::Migration& m, sdk::Dialect d) {
    return d == sdk::Dialect::SQLite ? m.sqlite : m.postgresql;
}

int64_t nowMicros() {
    return std::chrono::duration_cast<std::chrono::microseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

}  // namespace

MigrationRunner::MigrationRunner(Database& db) : db_(db) {}

std::vector<std::string> MigrationRunner::splitStatements(const std::string& sql) {
    std::vector<std::string> out;
    std::string current;
    std::size_t i = 0;
    while (i < sql.size()) {
        std::size_t eol = sql.find('\n', i);
        std::string line = sql.substr(i, eol == std::string::npos ? std::string::npos : eol - i);
        i = eol == std::string::npos ? sql.size() : eol + 1;
        std::string trimmed = Poco::trim(line);
        if (trimmed.rfind("--", 0) == 0) {
            continue;
        }
        current += line + "\n";
        if (!trimmed.empty() && trimmed.back() == ';') {
            std::string stmt = Poco::trim(current);
            stmt.pop_back();
            if (!Poco::trim(stmt).empty()) out.push_back(Poco::trim(stmt));
            current.clear();
        }
    }
    if (!Poco::trim(current).empty()) {
        out.push_back(Poco::trim(current));
    }
    return out;
}

std::string MigrationRunner::checksum(const std::string& sql) { return crypto::sha256Hex(sql); }

void MigrationRunner::ensureTable() {
    db_.withSession([](Poco::Data::Session& s) { s << kCreateTable, now; });
}

int MigrationRunner::pending(const std::string& owner,
                             const std::vector<sdk::Migration>& migrations) {
    std::vector<int> versions;
    std::string o = owner;
    db_.withSession([&](Poco::Data::Session& s) {
        versions.clear();
        s << "SELECT version FROM hub_migrations WHERE owner = $1", use(o), into(versions), now;
    });
    std::set<int> applied(versions.begin(), versions.end());
    int n = 0;
    for (const auto& m : migrations) {
        if (applied.count(m.version) == 0) ++n;
    }
    return n;
}

int MigrationRunner::apply(const std::string& owner, std::vector<sdk::Migration> migrations) {
    std::sort(migrations.begin(), migrations.end(),
              [](const auto& a, const auto& b) { return a.version < b.version; });
    for (std::size_t i = 0; i < migrations.size(); ++i) {
        const auto& m = migrations[i];
        if (m.version <= 0) {
            throw MigrationError(owner + ": migration '" + m.name + "' has version " +
                                 std::to_string(m.version) + " (must be >= 1)");
        }
        if (i > 0 && migrations[i - 1].version == m.version) {
            throw MigrationError(owner + ": two migrations with version " + std::to_string(m.version));
        }
        if (Poco::trim(sqlFor(m, db_.dialect())).empty()) {
            throw MigrationError(owner + ": migration " + std::to_string(m.version) + " (" + m.name +
                                 ") has no SQL for " + sdk::dialectName(db_.dialect()));
        }
    }
    int appliedCount = 0;
    for (const auto& m : migrations) {
        const std::string& sql = sqlFor(m, db_.dialect());
        std::string sum = checksum(sql);
        db_.withTransaction([&](Poco::Data::Session& s) {
            if (db_.dialect() == sdk::Dialect::PostgreSQL) {
                // Several nodes may start at once: serialise migrations cluster-wide.
                s << "SELECT pg_advisory_xact_lock(727274)", now;
            }
            std::string o = owner;
            int v = m.version;
            std::vector<std::string> sums;
            s << "SELECT checksum FROM hub_migrations WHERE owner = $1 AND version = $2", use(o),
                use(v), into(sums), now;
            if (!sums.empty()) {
                if (sums[0] != sum) {
                    throw MigrationError(owner + ": migration " + std::to_string(m.version) + " (" +
                                         m.name +
                                         ") was changed after it was applied (checksum mismatch); "
                                         "add a new migration instead of editing an applied one");
                }
                return;
            }
            for (const auto& stmt : splitStatements(sql)) {
                try {
                    s << stmt, now;
                } catch (const Poco::Exception& e) {
                    throw MigrationError(owner + ": migration " + std::to_string(m.version) + " (" +
                                         m.name + ") failed: " + e.displayText());
                }
            }
            std::string name = m.name;
            int64_t at = nowMicros();
            s << "INSERT INTO hub_migrations (owner, version, name, checksum, applied_at) "
                 "VALUES ($1, $2, $3, $4, $5)",
                use(o), use(v), use(name), use(sum), use(at), now;
            ++appliedCount;
        });
    }
    return appliedCount;
}

}  // namespace hub::core
