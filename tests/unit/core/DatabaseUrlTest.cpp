#include <stdexcept>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "db/Database.h"

namespace hub::core {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

std::string parseError(const std::string& url) {
    try {
        DatabaseUrl::parse(url, 5);
    } catch (const std::invalid_argument& e) {
        return e.what();
    }
    return "(accepted)";
}

TEST(DatabaseUrlTest, SqliteAbsolutePath) {
    auto u = DatabaseUrl::parse("sqlite:///var/lib/hub/hub.db", 5);
    EXPECT_EQ(u.dialect, sdk::Dialect::SQLite);
    EXPECT_EQ(u.sqlitePath, "/var/lib/hub/hub.db");
    EXPECT_EQ(u.redacted, "sqlite:///var/lib/hub/hub.db");
    EXPECT_TRUE(u.connectionString.empty());
}

TEST(DatabaseUrlTest, SqliteWithFourSlashesIsTheSameAbsolutePath) {
    auto u = DatabaseUrl::parse("sqlite:////var/lib/hub/hub.db", 5);
    EXPECT_EQ(u.dialect, sdk::Dialect::SQLite);
    EXPECT_EQ(u.sqlitePath, "/var/lib/hub/hub.db");
}

TEST(DatabaseUrlTest, SqliteQueryStringIsDropped) {
    auto u = DatabaseUrl::parse("sqlite:///tmp/x/hub.db?mode=rwc", 5);
    EXPECT_EQ(u.sqlitePath, "/tmp/x/hub.db");
}

TEST(DatabaseUrlTest, SqliteRelativePathIsRefused) {
    EXPECT_THAT(parseError("sqlite://hub.db"), HasSubstr("absolute path"));
    EXPECT_THAT(parseError("sqlite://data/hub.db"), HasSubstr("absolute path"));
    EXPECT_THAT(parseError("sqlite://"), HasSubstr("absolute path"));
}

TEST(DatabaseUrlTest, PostgresqlUrlBecomesLibpqKeyValues) {
    auto u = DatabaseUrl::parse("postgresql://hub:s3cret@db.internal:6543/hubdb", 7);
    EXPECT_EQ(u.dialect, sdk::Dialect::PostgreSQL);
    EXPECT_THAT(u.connectionString,
                HasSubstr("host=db.internal port=6543 user=hub password=s3cret dbname=hubdb"));
    EXPECT_THAT(u.connectionString, HasSubstr("connect_timeout=7"));
    EXPECT_THAT(u.connectionString, HasSubstr("options=-cTimeZone=UTC"));
    EXPECT_TRUE(u.sqlitePath.empty());
}

TEST(DatabaseUrlTest, PostgresSchemeIsAnAliasWithDefaultPort) {
    auto u = DatabaseUrl::parse("postgres://hub:pw@localhost/hubdb", 5);
    EXPECT_EQ(u.dialect, sdk::Dialect::PostgreSQL);
    EXPECT_THAT(u.connectionString,
                HasSubstr("host=localhost port=5432 user=hub password=pw dbname=hubdb"));
    EXPECT_THAT(u.connectionString, HasSubstr("options=-cTimeZone=UTC"));
}

TEST(DatabaseUrlTest, PostgresqlWithoutCredentialsOmitsThem) {
    auto u = DatabaseUrl::parse("postgresql://127.0.0.1:55432/postgres", 5);
    EXPECT_THAT(u.connectionString, HasSubstr("host=127.0.0.1 port=55432 dbname=postgres"));
    EXPECT_THAT(u.connectionString, Not(HasSubstr("user=")));
    EXPECT_THAT(u.connectionString, Not(HasSubstr("password=")));
}

TEST(DatabaseUrlTest, PercentEncodedCredentialsAreDecoded) {
    auto u = DatabaseUrl::parse("postgresql://hub:p%40ss@h/db", 5);
    EXPECT_THAT(u.connectionString, HasSubstr("password=p@ss"));
}

TEST(DatabaseUrlTest, QueryParametersBecomeExtraKeys) {
    auto u = DatabaseUrl::parse("postgresql://hub@h/db?sslmode=require", 5);
    EXPECT_THAT(u.connectionString, HasSubstr(" sslmode=require"));
}

TEST(DatabaseUrlTest, PostgresqlWithoutDatabaseNameIsRefused) {
    EXPECT_THAT(parseError("postgresql://hub:pw@h:5432/"), HasSubstr("database name"));
    EXPECT_THAT(parseError("postgresql://hub:pw@h:5432"), HasSubstr("database name"));
}

TEST(DatabaseUrlTest, ValuesWithSpacesOrQuotesAreRefused) {
    EXPECT_THAT(parseError("postgresql://hub:a%20b@h/db"), HasSubstr("not supported"));
    EXPECT_THAT(parseError("postgresql://hub:a%27b@h/db"), HasSubstr("not supported"));
}

TEST(DatabaseUrlTest, UnknownSchemeIsRefused) {
    EXPECT_THAT(parseError("mysql://u:p@h/db"), HasSubstr("expected sqlite"));
    EXPECT_THAT(parseError("/var/lib/hub.db"), HasSubstr("expected sqlite"));
    EXPECT_THAT(parseError(""), HasSubstr("expected sqlite"));
}

TEST(DatabaseUrlTest, RedactedFormHidesThePassword) {
    auto u = DatabaseUrl::parse("postgresql://hub:s3cret@db.internal:6543/hubdb", 5);
    EXPECT_EQ(u.redacted, "postgresql://hub:***@db.internal:6543/hubdb");
    EXPECT_THAT(u.redacted, Not(HasSubstr("s3cret")));
    auto noPassword = DatabaseUrl::parse("postgresql://hub@h/db", 5);
    EXPECT_EQ(noPassword.redacted, "postgresql://hub@h:5432/db");
}

}  // namespace
}  // namespace hub::core
