// core.db.v1 implementation: a POCO SessionPool on SQLite or PostgreSQL.
#pragma once

#include <memory>
#include <mutex>
#include <string>

#include <Poco/Data/SessionPool.h>

#include "hub/sdk/services/IDatabase.h"

namespace hub::core {

/// Parsed `database.url`.
struct DatabaseUrl {
    sdk::Dialect dialect = sdk::Dialect::SQLite;
    std::string sqlitePath;        ///< absolute path for SQLite
    std::string connectionString;  ///< libpq key=value for PostgreSQL
    std::string redacted;          ///< printable form without the password

    /// Accepts sqlite:///abs/path.db (also sqlite:////abs), postgresql:// and postgres://.
    /// Throws std::invalid_argument with a message naming the problem.
    static DatabaseUrl parse(const std::string& url, int connectTimeoutSeconds);
};

struct DatabaseOptions {
    int poolMin = 1;
    int poolMax = 32;
    int idleSeconds = 60;
    int busyTimeoutMs = 5000;
    int poolWaitMs = 5000;  ///< how long a request waits for a free connection before 503
};

class Database : public sdk::IDatabase {
public:
    Database(const DatabaseUrl& url, const DatabaseOptions& options);
    ~Database() override;

    sdk::Dialect dialect() const override { return url_.dialect; }
    Poco::Data::Session session() override;
    void withTransaction(const std::function<void(Poco::Data::Session&)>& fn) override;
    void withSession(const std::function<void(Poco::Data::Session&)>& fn) override;
    bool isUniqueViolation(const std::exception& e) const override;

    /// SELECT 1; false when the database is unreachable.
    bool ping();
    const DatabaseUrl& url() const { return url_; }
    void shutdown();

    /// True when `e` looks like a lost PostgreSQL connection (safe to retry once).
    static bool isConnectionLost(const std::exception& e);
    /// True when `e` is SQLite's "database is locked/busy".
    static bool isBusy(const std::exception& e);
    /// A PostgreSQL deadlock or serialization failure (the transaction was rolled back).
    static bool isRetryableConflict(const std::exception& e);

private:
    /// Runs `attempt` until it succeeds, retrying only lost PostgreSQL connections (every
    /// idle pooled connection may be dead after a server restart, so up to pool_max + 1).
    void retryingLostConnections(const std::function<void()>& attempt);

    DatabaseUrl url_;
    int poolMax_ = 32;
    int poolWaitMs_ = 5000;
    /// SQLite has one writer at a time anyway; queueing this process's writers here avoids
    /// SQLite's busy handler, which sleeps in growing steps (tens of ms) and makes bursts of
    /// writes slow and unfair. Recursive so a nested transaction fails by busy timeout, not a
    /// deadlock.
    std::recursive_mutex sqliteWriters_;
    std::unique_ptr<Poco::Data::SessionPool> pool_;
};

}  // namespace hub::core
