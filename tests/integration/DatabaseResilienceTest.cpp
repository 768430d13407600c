// PostgreSQL connections dropped under a running server (as a server restart does) are
// replaced transparently: reads and writes keep working without a 5xx.
#include <thread>

#include <gtest/gtest.h>

#include "ServerProcess.h"

namespace hub::tests {
namespace {

TEST(DatabaseResilienceTest, DroppedPostgresConnectionsAreReplaced) {
    if (testDatabaseKind() != "postgresql") GTEST_SKIP() << "PostgreSQL only";
    ServerProcess server;
    ASSERT_TRUE(server.start({"--set", "logging.access_log=false", "--set", "auth.password.argon2_memory_kib=8192",
                              "--set", "auth.password.argon2_iterations=1", "--set", "database.pool_min=4"}));
    ASSERT_EQ(server.registerUser("resilient").status, 201);
    std::string token = server.login("resilient");
    ASSERT_FALSE(token.empty());
    for (int round = 0; round < 3; ++round) {
        // Kill every server connection to this database, as a restart would.
        long long killed = server.scalar(
            "SELECT COUNT(pg_terminate_backend(pid)) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()");
        EXPECT_GT(killed, 0);
        std::this_thread::sleep_for(std::chrono::milliseconds(1100));  // past the session cache
        auto me = server.get("/api/v1/auth/users/me", ServerProcess::bearer(token));
        EXPECT_EQ(me.status, 200) << me.body;
        EXPECT_FALSE(server.login("resilient").empty()) << "write after dropped connections";
        EXPECT_EQ(server.get("/ready").status, 200);
    }
}

}  // namespace
}  // namespace hub::tests
