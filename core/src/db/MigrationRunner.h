// Applies per-owner (core or plugin), per-dialect, ordered, checksummed schema migrations.
#pragma once

#include <string>
#include <vector>

#include "db/Database.h"
#include "hub/sdk/Migration.h"

namespace hub::core {

/// A migration that could not be applied or whose applied SQL changed. Fatal at start.
class MigrationError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

class MigrationRunner {
public:
    explicit MigrationRunner(Database& db);

    /// Creates the bookkeeping table `hub_migrations` if needed.
    void ensureTable();
    /**
     * Applies `owner`'s pending migrations in version order, one transaction each, and
     * verifies the checksum of those already applied. Returns how many were applied.
     * Throws MigrationError naming the owner, version and reason.
     */
    int apply(const std::string& owner, std::vector<sdk::Migration> migrations);
    /// Number of `owner`'s migrations not yet applied (for /ready and `hubd migrate --status`).
    int pending(const std::string& owner, const std::vector<sdk::Migration>& migrations);

    /// Splits SQL text into statements at `;` that ends a line.
    static std::vector<std::string> splitStatements(const std::string& sql);
    static std::string checksum(const std::string& sql);

private:
    Database& db_;
};

}  // namespace hub::core
