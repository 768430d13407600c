// --check-config, config errors with full paths, `hubd migrate`, `hubd user ...`, and the
// migration checksum guard.
#include <filesystem>
#include <fstream>
#include <thread>

#include <gtest/gtest.h>

#include "ServerProcess.h"

namespace hub::tests {
namespace {

std::string writeFile(const std::string& dir, const std::string& name, const std::string& text) {
    std::string path = dir + "/" + name;
    std::ofstream(path) << text;
    return path;
}

TEST(ConfigAndCliTest, ShippedConfigFilesAreValid) {
    ServerProcess p;
    for (const char* file : {"hubd.yaml", "hubd.postgresql.yaml"}) {
        std::string path = std::string(HUB_SOURCE_DIR) + "/config/" + file;
        EXPECT_EQ(p.runToExit({"--config", path, "--check-config", "--set",
                               "plugin_search_path=[" + ServerProcess::bundledPluginDir() + "]"}),
                  0)
            << file << ": " << p.stderrText();
        EXPECT_NE(p.stdoutText().find("configuration OK"), std::string::npos);
    }
}

TEST(ConfigAndCliTest, CheckConfigReportsEveryErrorWithItsPath) {
    ServerProcess p;
    std::string cfg = writeFile(p.dataDir(), "bad.yaml",
                                "server:\n  port: 70000\n  bogus: 1\n  max_threads: \"many\"\n"
                                "auth:\n  jwt:\n    algorithm: HS999\n"
                                "plugins:\n  nosuch: {enabled: true}\n");
    int code = p.runToExit({"--config", cfg, "--check-config"});
    EXPECT_EQ(code, 78);
    std::string err = p.stderrText();
    EXPECT_NE(err.find("server.port: must be <= 65535"), std::string::npos) << err;
    EXPECT_NE(err.find("server.bogus: unknown key"), std::string::npos) << err;
    EXPECT_NE(err.find("server.max_threads: must be an integer"), std::string::npos) << err;
    EXPECT_NE(err.find("auth.jwt.algorithm: must be one of"), std::string::npos) << err;
    EXPECT_NE(err.find("plugins.nosuch: no plugin named 'nosuch'"), std::string::npos) << err;
    EXPECT_NE(err.find("bad.yaml:2"), std::string::npos) << "errors carry file:line: " << err;
}

TEST(ConfigAndCliTest, StorageSettingsAreCheckedBeforeStart) {
    ServerProcess p;
    std::string cfg = writeFile(p.dataDir(), "storage.yaml",
                                "storage:\n  dedup_scope: global\n  chunking:\n    min_kib: 2048\n    avg_kib: 1024\n"
                                "  compression:\n    level: 30\n  encryption:\n    enabled: true\n");
    EXPECT_EQ(p.runToExit({"--config", cfg, "--check-config"}), 78);
    std::string err = p.stderrText();
    EXPECT_NE(err.find("storage.chunking: chunk sizes must satisfy min_kib <= avg_kib <= max_kib"), std::string::npos) << err;
    EXPECT_NE(err.find("storage.compression.level: must be <= 19"), std::string::npos) << err;
    std::string conflict = writeFile(p.dataDir(), "conflict.yaml",
                                     "storage:\n  dedup_scope: global\n  encryption:\n    enabled: true\n");
    EXPECT_EQ(p.runToExit({"--config", conflict, "--check-config"}, {{"HUB_STORAGE_MASTER_KEY", std::string(64, 'f')}}), 78);
    EXPECT_NE(p.stderrText().find("dedup_scope: global cannot be used with encryption"), std::string::npos)
        << p.stderrText();

    // A key file that is not a key, and a key in the environment that is not one either.
    std::string badKey = writeFile(p.dataDir(), "bad.key", "not a key\n");
    EXPECT_EQ(p.runToExit({"--check-config", "--set", "storage.encryption.enabled=true", "--set",
                           "storage.encryption.master_key_file=" + badKey}),
              78);
    EXPECT_NE(p.stderrText().find("storage.encryption.master_key_file: a master key must be 32 bytes"), std::string::npos)
        << p.stderrText();
    EXPECT_EQ(p.runToExit({"--check-config", "--set", "storage.encryption.enabled=true"},
                          {{"HUB_STORAGE_MASTER_KEY", "abcd"}}),
              78);
    EXPECT_NE(p.stderrText().find("HUB_STORAGE_MASTER_KEY: a master key must be 32 bytes"), std::string::npos)
        << p.stderrText();
    EXPECT_EQ(p.runToExit({"--check-config", "--set", "storage.encryption.enabled=true"},
                          {{"HUB_STORAGE_MASTER_KEY", std::string(64, 'f')}}),
              0)
        << p.stderrText();
}

TEST(ConfigAndCliTest, DuplicateYamlKeysAreAnError) {
    ServerProcess p;
    std::string cfg = writeFile(p.dataDir(), "dup.yaml", "server:\n  port: 1\n  port: 2\n");
    EXPECT_EQ(p.runToExit({"--config", cfg, "--check-config"}), 78);
    EXPECT_NE(p.stderrText().find("server.port: duplicate key (first defined at line 2)"), std::string::npos)
        << p.stderrText();
}

TEST(ConfigAndCliTest, YamlSyntaxErrorIsReportedWithPosition) {
    ServerProcess p;
    std::string cfg = writeFile(p.dataDir(), "syntax.yaml", "server:\n  port: [1, 2\n");
    EXPECT_EQ(p.runToExit({"--config", cfg, "--check-config"}), 78);
    EXPECT_NE(p.stderrText().find("line"), std::string::npos) << p.stderrText();
}

TEST(ConfigAndCliTest, PluginConfigIsValidatedAgainstItsSchema) {
    ServerProcess p;
    int code = p.runToExit({"--set", "plugin_search_path=[" + ServerProcess::pluginDir("good") + "]", "--set",
                            "plugins.testkit.config.max_items=0", "--set", "plugins.testkit.config.colour=red",
                            "--check-config"});
    EXPECT_EQ(code, 78);
    EXPECT_NE(p.stderrText().find("plugins.testkit.config.max_items: must be >= 1"), std::string::npos) << p.stderrText();
    EXPECT_NE(p.stderrText().find("plugins.testkit.config.colour: unknown key"), std::string::npos);
}

TEST(ConfigAndCliTest, ServeRefusesAnInvalidConfigWithoutBinding) {
    ServerProcess p;
    EXPECT_FALSE(p.start({"--set", "server.port=abc"}));
    EXPECT_NE(p.stderrText().find("server.port"), std::string::npos);
}

TEST(ConfigAndCliTest, AccessLogFileAndStorageRootAreUsed) {
    ServerProcess p;
    std::string log = p.dataDir() + "/access.log", blobs = p.dataDir() + "/elsewhere";
    ASSERT_TRUE(p.start({"--set", "logging.access_log_file=" + log, "--set", "storage.root=" + blobs, "--set",
                         "plugin_search_path=[" + ServerProcess::bundledPluginDir() + "]", "--set",
                         "auth.password.argon2_memory_kib=8192", "--set", "auth.password.argon2_iterations=1"}));
    ASSERT_EQ(p.registerUser("lou").status, 201);
    std::string token = p.login("lou");
    ASSERT_EQ(p.request("PUT", "/api/v1/files/a.txt", "abc", ServerProcess::bearer(token)).status, 201);
    EXPECT_EQ(p.get("/health", {{"X-Request-Id", "logged-1"}}).status, 200);
    EXPECT_EQ(p.stop(), 0);
    std::ifstream in(log);
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    EXPECT_NE(text.find("\"request_id\":\"logged-1\""), std::string::npos) << text;
    EXPECT_EQ(p.stdoutText().find("logged-1"), std::string::npos) << "not on standard output";
    std::size_t files = 0;
    for (const auto& e : std::filesystem::recursive_directory_iterator(blobs + "/chunks")) {
        files += e.is_regular_file() ? 1 : 0;
    }
    EXPECT_EQ(files, 1u) << "the file's chunk lives under storage.root";
}

TEST(ConfigAndCliTest, ATakenPortIsExit69WithTheReason) {
    ServerProcess first, second;
    ASSERT_TRUE(first.start({"--set", "logging.access_log=false"}));
    EXPECT_FALSE(second.start({"--set", "server.port=" + std::to_string(first.port())}));
    EXPECT_NE(second.stderrText().find("already in use"), std::string::npos) << second.stderrText();
    EXPECT_EQ(second.runToExit({"--set", "server.port=" + std::to_string(first.port())}), 69);
}

TEST(ConfigAndCliTest, MigrateAppliesMigrationsWithoutServing) {
    ServerProcess p;
    EXPECT_EQ(p.runToExit({"migrate", "--set", "plugin_search_path=[" + ServerProcess::pluginDir("good") + "]"}), 0)
        << p.stderrText();
    // users, storage engine, access model, chunk release times, activity
    EXPECT_EQ(p.scalar("SELECT COUNT(*) FROM hub_migrations WHERE owner = 'core'"), 5);
    EXPECT_EQ(p.scalar("SELECT COUNT(*) FROM hub_migrations WHERE owner = 'testkit'"), 1);
    EXPECT_EQ(p.scalar("SELECT COUNT(*) FROM testkit_items"), 0);
}

TEST(ConfigAndCliTest, ChangedMigrationChecksumRefusesToStart) {
    ServerProcess p;
    ASSERT_EQ(p.runToExit({"migrate"}), 0) << p.stderrText();
    p.execute("UPDATE hub_migrations SET checksum = 'tampered' WHERE owner = 'core'");
    EXPECT_FALSE(p.start());
    EXPECT_NE(p.stderrText().find("checksum mismatch"), std::string::npos) << p.stderrText();
}

TEST(ConfigAndCliTest, UserCommandsCreateListChangePasswordAndRole) {
    ServerProcess p;
    EXPECT_EQ(p.runToExit({"user", "create", "zoe", "--email", "zoe@Example.org", "--role", "admin"}, {}, "zoe password 1\n"), 0)
        << p.stderrText();
    EXPECT_NE(p.stdoutText().find("created admin 'zoe'"), std::string::npos);
    EXPECT_EQ(p.runToExit({"user", "create", "zoe"}, {}, "zoe password 1\n"), 1);
    EXPECT_NE(p.stderrText().find("already registered"), std::string::npos);
    EXPECT_EQ(p.runToExit({"user", "create", "weak"}, {}, "short\n"), 1);
    EXPECT_EQ(p.runToExit({"user", "list"}), 0);
    EXPECT_NE(p.stdoutText().find("zoe\tadmin\tzoe@example.org"), std::string::npos) << p.stdoutText();

    ASSERT_TRUE(p.start({"--set", "logging.access_log=false"}));
    std::string token = p.login("zoe", "zoe password 1");
    ASSERT_FALSE(token.empty());
    EXPECT_EQ(p.runToExit({"user", "passwd", "zoe"}, {}, "new password 22\n"), 0) << p.stderrText();
    std::this_thread::sleep_for(std::chrono::milliseconds(1100));
    EXPECT_EQ(p.get("/api/v1/auth/users/me", ServerProcess::bearer(token)).status, 401);  // sessions revoked
    EXPECT_TRUE(p.login("zoe", "zoe password 1").empty());
    std::string fresh = p.login("zoe", "new password 22");
    ASSERT_FALSE(fresh.empty());
    EXPECT_EQ(p.runToExit({"user", "set-role", "zoe", "user"}), 0);
    std::this_thread::sleep_for(std::chrono::milliseconds(1100));
    EXPECT_EQ(p.get("/api/v1/auth/users/me", ServerProcess::bearer(fresh)).object()->getValue<std::string>("role"), "user");
    EXPECT_EQ(p.runToExit({"user", "set-role", "nobody", "admin"}), 1);
    EXPECT_EQ(p.runToExit({"user", "frobnicate", "zoe"}), 64);
}

}  // namespace
}  // namespace hub::tests
