// core.db.v1: pooled database sessions and transactions on SQLite or PostgreSQL.
#pragma once

#include <exception>
#include <functional>

#include <Poco/Data/Session.h>

#include "hub/sdk/Dialect.h"
#include "hub/sdk/Export.h"

namespace hub {
namespace sdk {
inline namespace v1 {

/**
 * Write SQL once with `$1..$n` placeholders; it runs on both dialects. Select UUID and JSON
 * columns as `CAST(x AS TEXT)`. Timestamps are BIGINT microseconds since the Unix epoch (UTC).
 * Thread-safe.
 */
class HUB_SDK_API IDatabase {
public:
    static constexpr const char* kServiceId = "core.db.v1";
    virtual ~IDatabase();

    virtual Dialect dialect() const = 0;
    /// A pooled session (returned to the pool when the last copy is destroyed).
    /// Throws Unavailable when the pool is exhausted or the database is unreachable.
    virtual Poco::Data::Session session() = 0;
    /**
     * Runs `fn` in one transaction (SQLite: BEGIN IMMEDIATE, so read-then-write is safe
     * under concurrency). Commits when `fn` returns, rolls back when it throws and
     * rethrows. On PostgreSQL a connection dropped by a server restart is discarded and the
     * transaction retried on a fresh connection.
     */
    virtual void withTransaction(const std::function<void(Poco::Data::Session&)>& fn) = 0;
    /**
     * Runs `fn` with a pooled session outside a transaction (reads). Connections dropped by a
     * PostgreSQL restart are discarded and `fn` is retried on a fresh one; a busy or
     * unreachable database becomes Unavailable (503).
     */
    virtual void withSession(const std::function<void(Poco::Data::Session&)>& fn) = 0;
    /// True when `e` is a UNIQUE constraint violation on either dialect.
    virtual bool isUniqueViolation(const std::exception& e) const = 0;
};

}  // namespace v1
}  // namespace sdk
}  // namespace hub
