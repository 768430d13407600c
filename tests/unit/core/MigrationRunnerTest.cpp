#include "db/MigrationRunner.h"

#include <memory>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <Poco/Data/Session.h>

#include "TempDir.h"
#include "db/Database.h"
#include "util/Crypto.h"

using namespace Poco::Data::Keywords;

namespace hub::core {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

sdk::Migration migration(int version, const std::string& name, const std::string& sqlite,
                         const std::string& postgresql = "SELECT 1;") {
    sdk::Migration m;
    m.version = version;
    m.name = name;
    m.sqlite = sqlite;
    m.postgresql = postgresql;
    return m;
}

TEST(MigrationRunnerSplitTest, SplitsAtSemicolonsEndingALine) {
    EXPECT_THAT(MigrationRunner::splitStatements("CREATE TABLE a (x INT);\n"
                                                 "CREATE TABLE b (y INT);\n"),
                ElementsAre("CREATE TABLE a (x INT)", "CREATE TABLE b (y INT)"));
}

TEST(MigrationRunnerSplitTest, KeepsMultiLineStatementsTogether) {
    auto statements = MigrationRunner::splitStatements(
        "CREATE TABLE t (\n"
        "  id INTEGER PRIMARY KEY,\n"
        "  name TEXT\n"
        ");\n");
    ASSERT_EQ(statements.size(), 1u);
    EXPECT_EQ(statements[0], "CREATE TABLE t (\n  id INTEGER PRIMARY KEY,\n  name TEXT\n)");
}

TEST(MigrationRunnerSplitTest, SemicolonInsideALineDoesNotSplit) {
    EXPECT_THAT(MigrationRunner::splitStatements("INSERT INTO t VALUES ('a;b'), ('c');\n"),
                ElementsAre("INSERT INTO t VALUES ('a;b'), ('c')"));
    EXPECT_THAT(MigrationRunner::splitStatements("SELECT 'x;' AS a,\n  2;\n"),
                ElementsAre("SELECT 'x;' AS a,\n  2"));
}

TEST(MigrationRunnerSplitTest, TrailingWhitespaceAfterSemicolonStillSplits) {
    EXPECT_THAT(MigrationRunner::splitStatements("SELECT 1;   \r\nSELECT 2;\t\n"),
                ElementsAre("SELECT 1", "SELECT 2"));
}

TEST(MigrationRunnerSplitTest, CommentLinesAreDropped) {
    EXPECT_THAT(MigrationRunner::splitStatements("-- header comment\n"
                                                 "CREATE TABLE a (x INT);\n"
                                                 "   -- indented comment;\n"
                                                 "CREATE TABLE b (y INT);\n"),
                ElementsAre("CREATE TABLE a (x INT)", "CREATE TABLE b (y INT)"));
}

TEST(MigrationRunnerSplitTest, LastStatementWithoutSemicolonIsKept) {
    EXPECT_THAT(MigrationRunner::splitStatements("SELECT 1;\nSELECT 2"),
                ElementsAre("SELECT 1", "SELECT 2"));
}

TEST(MigrationRunnerSplitTest, BlankInputGivesNoStatements) {
    EXPECT_THAT(MigrationRunner::splitStatements(""), IsEmpty());
    EXPECT_THAT(MigrationRunner::splitStatements("\n\n  \n"), IsEmpty());
    EXPECT_THAT(MigrationRunner::splitStatements("-- only a comment\n"), IsEmpty());
    EXPECT_THAT(MigrationRunner::splitStatements(";\n  ;\n"), IsEmpty());
}

TEST(MigrationRunnerChecksumTest, IsSha256HexOfTheSql) {
    EXPECT_EQ(MigrationRunner::checksum("abc"),
              "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    EXPECT_NE(MigrationRunner::checksum("SELECT 1;"), MigrationRunner::checksum("SELECT 1; "));
}

/// A fresh SQLite database in a temp dir per test.
class MigrationRunnerTest : public ::testing::Test {
protected:
    void SetUp() override {
        const std::string url = "sqlite://" + (dir_.path() / "t.db").string();
        DatabaseOptions options;
        options.poolMin = 1;
        options.poolMax = 4;
        db_ = std::make_unique<Database>(DatabaseUrl::parse(url, 5), options);
        runner_ = std::make_unique<MigrationRunner>(*db_);
        runner_->ensureTable();
    }

    void TearDown() override {
        runner_.reset();
        db_.reset();
    }

    bool tableExists(const std::string& name) {
        Poco::Data::Session s = db_->session();
        int n = 0;
        std::string table = name;
        s << "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = ?", use(table),
            into(n), now;
        return n == 1;
    }

    int recorded(const std::string& owner) {
        Poco::Data::Session s = db_->session();
        int n = 0;
        std::string o = owner;
        s << "SELECT COUNT(*) FROM hub_migrations WHERE owner = ?", use(o), into(n), now;
        return n;
    }

    std::string migrationError(const std::string& owner,
                               const std::vector<sdk::Migration>& migrations) {
        try {
            runner_->apply(owner, migrations);
        } catch (const MigrationError& e) {
            return e.what();
        }
        return "(no error)";
    }

    test_support::TempDir dir_{"hub-unit-migrations"};
    std::unique_ptr<Database> db_;
    std::unique_ptr<MigrationRunner> runner_;
};

TEST_F(MigrationRunnerTest, EnsureTableIsIdempotent) {
    EXPECT_NO_THROW(runner_->ensureTable());
    EXPECT_TRUE(tableExists("hub_migrations"));
}

TEST_F(MigrationRunnerTest, ApplyingTwiceAppliesOnlyOnce) {
    std::vector<sdk::Migration> ms{
        migration(1, "notes", "CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT);\n"),
        migration(2, "tags",
                  "CREATE TABLE tags (id INTEGER PRIMARY KEY);\n"
                  "INSERT INTO tags (id) VALUES (1);\n")};
    EXPECT_EQ(runner_->apply("files", ms), 2);
    EXPECT_TRUE(tableExists("notes"));
    EXPECT_TRUE(tableExists("tags"));
    EXPECT_EQ(recorded("files"), 2);

    EXPECT_EQ(runner_->apply("files", ms), 0);
    EXPECT_EQ(recorded("files"), 2);
    Poco::Data::Session s = db_->session();
    int rows = 0;
    s << "SELECT COUNT(*) FROM tags", into(rows), now;
    EXPECT_EQ(rows, 1);
}

TEST_F(MigrationRunnerTest, MigrationsRunInVersionOrder) {
    std::vector<sdk::Migration> ms{migration(2, "fill", "INSERT INTO base (id) VALUES (7);\n"),
                                   migration(1, "base", "CREATE TABLE base (id INTEGER);\n")};
    EXPECT_EQ(runner_->apply("core", ms), 2);
    Poco::Data::Session s = db_->session();
    int id = 0;
    s << "SELECT id FROM base", into(id), now;
    EXPECT_EQ(id, 7);
}

TEST_F(MigrationRunnerTest, NewMigrationIsAppliedAfterEarlierOnes) {
    auto first = migration(1, "a", "CREATE TABLE a (x INT);\n");
    EXPECT_EQ(runner_->apply("core", {first}), 1);
    EXPECT_EQ(runner_->apply("core", {first, migration(2, "b", "CREATE TABLE b (x INT);\n")}), 1);
    EXPECT_TRUE(tableExists("b"));
}

TEST_F(MigrationRunnerTest, ChangedSqlOfAnAppliedMigrationThrowsChecksumError) {
    runner_->apply("files", {migration(1, "notes", "CREATE TABLE notes (id INTEGER);\n")});
    std::string error = migrationError(
        "files", {migration(1, "notes", "CREATE TABLE notes (id INTEGER, extra TEXT);\n")});
    EXPECT_THAT(error, HasSubstr("checksum"));
    EXPECT_THAT(error, HasSubstr("files"));
    EXPECT_THAT(error, HasSubstr("notes"));
}

TEST_F(MigrationRunnerTest, FailingStatementRollsBackTheWholeMigration) {
    std::string error = migrationError("files", {migration(1, "broken",
                                                           "CREATE TABLE created_first (x INT);\n"
                                                           "THIS IS NOT SQL;\n")});
    EXPECT_THAT(error, HasSubstr("failed"));
    EXPECT_THAT(error, HasSubstr("broken"));
    EXPECT_FALSE(tableExists("created_first"));
    EXPECT_EQ(recorded("files"), 0);
    EXPECT_EQ(runner_->pending("files", {migration(1, "broken", "x")}), 1);
}

TEST_F(MigrationRunnerTest, EarlierMigrationsStayAppliedWhenALaterOneFails) {
    std::string error =
        migrationError("core", {migration(1, "good", "CREATE TABLE good (x INT);\n"),
                                migration(2, "bad", "CREATE TABLE bad (x INT);\nNOPE;\n")});
    EXPECT_THAT(error, HasSubstr("failed"));
    EXPECT_TRUE(tableExists("good"));
    EXPECT_FALSE(tableExists("bad"));
    EXPECT_EQ(recorded("core"), 1);
}

TEST_F(MigrationRunnerTest, MissingSqlForTheDialectThrows) {
    std::string error =
        migrationError("files", {migration(1, "pg_only", "  \n", "CREATE TABLE t (x INT);")});
    EXPECT_THAT(error, HasSubstr("no SQL for sqlite"));
    EXPECT_EQ(recorded("files"), 0);
}

TEST_F(MigrationRunnerTest, InvalidVersionsAreRefusedBeforeAnythingRuns) {
    EXPECT_THAT(migrationError("core", {migration(0, "zero", "CREATE TABLE z (x INT);\n")}),
                HasSubstr("must be >= 1"));
    EXPECT_THAT(migrationError("core", {migration(1, "a", "CREATE TABLE a1 (x INT);\n"),
                                        migration(1, "b", "CREATE TABLE b1 (x INT);\n")}),
                HasSubstr("two migrations with version 1"));
    EXPECT_FALSE(tableExists("z"));
    EXPECT_FALSE(tableExists("a1"));
    EXPECT_EQ(recorded("core"), 0);
}

TEST_F(MigrationRunnerTest, PendingCountsUnappliedMigrations) {
    std::vector<sdk::Migration> ms{migration(1, "a", "CREATE TABLE a (x INT);\n"),
                                   migration(2, "b", "CREATE TABLE b (x INT);\n"),
                                   migration(3, "c", "CREATE TABLE c (x INT);\n")};
    EXPECT_EQ(runner_->pending("core", ms), 3);
    runner_->apply("core", {ms[0]});
    EXPECT_EQ(runner_->pending("core", ms), 2);
    runner_->apply("core", ms);
    EXPECT_EQ(runner_->pending("core", ms), 0);
}

TEST_F(MigrationRunnerTest, OwnersHaveIndependentVersions) {
    EXPECT_EQ(runner_->apply("core", {migration(1, "core1", "CREATE TABLE c1 (x INT);\n")}), 1);
    EXPECT_EQ(runner_->apply("files", {migration(1, "files1", "CREATE TABLE f1 (x INT);\n")}), 1);
    EXPECT_EQ(recorded("core"), 1);
    EXPECT_EQ(recorded("files"), 1);
    EXPECT_EQ(runner_->pending("chat", {migration(1, "chat1", "SELECT 1;")}), 1);
}

TEST_F(MigrationRunnerTest, RecordsTheChecksumOfTheAppliedSql) {
    const std::string sql = "CREATE TABLE sums (x INT);\n";
    runner_->apply("core", {migration(1, "sums", sql)});
    Poco::Data::Session s = db_->session();
    std::string stored;
    s << "SELECT checksum FROM hub_migrations WHERE owner = 'core' AND version = 1", into(stored),
        now;
    EXPECT_EQ(stored, crypto::sha256Hex(sql));
}

}  // namespace
}  // namespace hub::core
