#include "config/CoreSchema.h"

#include <Poco/JSON/Array.h>

#include "hub/sdk/ConfigView.h"
#include "hub/sdk/Json.h"

namespace hub::core {
namespace {

Poco::JSON::Array::Ptr list(std::initializer_list<const char*> items) {
    auto a = sdk::json::array();
    for (const char* s : items) a->add(std::string(s));
    return a;
}

}  // namespace

void declareCoreSchema(sdk::ConfigSchema& s) {
    s.string("data_dir").defaultValue(std::string("data"))
        .description("Directory for the SQLite database, blobs and generated secrets");
    s.stringList("plugin_search_path").defaultValue(sdk::json::array())
        .description("Directories searched for hub_<name>.so; empty = <hubd dir>/../lib/hub/plugins");

    auto& server = s.section("server");
    server.string("host").defaultValue(std::string("127.0.0.1"));
    server.integer("port").defaultValue(8000).min(0).max(65535);
    server.integer("max_threads").defaultValue(128).min(2).max(4096)
        .description("Connections served at once (thread per keep-alive connection)");
    server.integer("min_threads").defaultValue(16).min(1).max(4096);
    server.integer("max_queued").defaultValue(256).min(1).max(100000);
    server.integer("keep_alive_timeout_seconds").defaultValue(5).min(1).max(300);
    server.integer("receive_timeout_seconds").defaultValue(10).min(1).max(600);
    server.integer("request_header_timeout_seconds").defaultValue(15).min(1).max(600);
    server.integer("body_timeout_seconds").defaultValue(10).min(1).max(3600)
        .description("Grace period for a body; after it the client must keep min_body_rate");
    server.integer("min_body_rate_bytes_per_second").defaultValue(4096).min(0).max(1073741824);
    server.integer("shutdown_grace_seconds").defaultValue(30).min(0).max(3600);
    server.string("web_root").defaultValue(std::string(""))
        .description("Directory of the web page served at / and /static/; empty = <hubd dir>/../share/hub/web, "
                     "else the source tree's web/");
    server.check([](const sdk::ConfigView& v) {
        std::vector<std::string> e;
        if (v.getInt("min_threads") > v.getInt("max_threads")) {
            e.push_back("min_threads must not exceed max_threads");
        }
        if (v.getInt("request_header_timeout_seconds") < v.getInt("keep_alive_timeout_seconds")) {
            e.push_back("request_header_timeout_seconds must be >= keep_alive_timeout_seconds");
        }
        return e;
    });

    auto& db = s.section("database");
    db.string("url").defaultValue(std::string(""))
        .description("sqlite:///abs/path.db or postgresql://user:pw@host:port/db; empty = <data_dir>/hub.db");
    db.integer("pool_min").defaultValue(1).min(1).max(1024);
    db.integer("pool_max").defaultValue(32).min(1).max(1024);
    db.integer("pool_idle_seconds").defaultValue(60).min(1).max(86400);
    db.integer("pool_wait_ms").defaultValue(5000).min(0).max(600000)
        .description("How long a request waits for a free pooled connection before 503");
    db.integer("busy_timeout_ms").defaultValue(5000).min(0).max(600000);
    db.integer("connect_timeout_seconds").defaultValue(5).min(1).max(300);
    db.check([](const sdk::ConfigView& v) {
        std::vector<std::string> e;
        if (v.getInt("pool_min") > v.getInt("pool_max")) e.push_back("pool_min must not exceed pool_max");
        return e;
    });

    auto& auth = s.section("auth");
    auth.boolean("single_session").defaultValue(false)
        .description("true = a new login revokes the user's other sessions (HubGPT behaviour)");
    auth.boolean("registration_enabled").defaultValue(true);
    auth.integer("session_cache_ms").defaultValue(1000).min(0).max(1000)
        .description("Per-node cache of session checks; revocation is visible after at most this");
    auto& jwt = auth.section("jwt");
    jwt.string("algorithm").defaultValue(std::string("HS256")).oneOf({"HS256", "RS256", "ES256"});
    jwt.string("issuer").defaultValue(std::string("hub"));
    jwt.string("audience").defaultValue(std::string("hub-api"));
    jwt.integer("ttl_seconds").defaultValue(604800).min(60).max(31536000);
    jwt.integer("leeway_seconds").defaultValue(30).min(0).max(300);
    jwt.string("secret_file").defaultValue(std::string(""))
        .description("HS256 key file; else HUB_JWT_SECRET; else generated in <data_dir>/jwt.secret");
    jwt.string("private_key_file").defaultValue(std::string("")).description("PEM, RS256/ES256");
    jwt.string("public_key_file").defaultValue(std::string("")).description("PEM, RS256/ES256");
    jwt.check([](const sdk::ConfigView& v) {
        std::vector<std::string> e;
        if (v.getString("algorithm") != "HS256" && v.getString("private_key_file").empty()) {
            e.push_back("private_key_file is required for " + v.getString("algorithm"));
        }
        return e;
    });
    auto& pw = auth.section("password");
    pw.integer("min_length").defaultValue(8).min(1).max(1024);
    pw.integer("max_length").defaultValue(1024).min(8).max(65536);
    pw.integer("argon2_memory_kib").defaultValue(19456).min(8192).max(4194304);
    pw.integer("argon2_iterations").defaultValue(2).min(1).max(16);
    pw.check([](const sdk::ConfigView& v) {
        std::vector<std::string> e;
        if (v.getInt("min_length") > v.getInt("max_length")) e.push_back("min_length must not exceed max_length");
        return e;
    });
    pw.integer("max_concurrent_hashes").defaultValue(4).min(1).max(256)
        .description("Password hashes computed at once; more waiting logins get 503");
    auto& basic = auth.section("basic");
    basic.boolean("enabled").defaultValue(true);
    basic.integer("cache_seconds").defaultValue(60).min(0).max(3600);
    auto& throttle = auth.section("throttle");
    throttle.integer("account_failures").defaultValue(10).min(1).max(100000);
    throttle.integer("ip_failures").defaultValue(50).min(1).max(1000000);
    throttle.integer("window_seconds").defaultValue(900).min(1).max(604800);
    throttle.integer("max_lockout_seconds").defaultValue(900).min(1).max(86400);
    throttle.integer("registrations_per_ip").defaultValue(30).min(1).max(1000000)
        .description("Accounts one client IP may register per window (429 beyond)");

    auto& cors = s.section("cors");
    cors.stringList("allowed_origins")
        .defaultValue(list({"http://localhost", "http://localhost:8000", "http://localhost:3000",
                            "http://127.0.0.1:8000", "http://127.0.0.1:3000", "https://localhost",
                            "https://localhost:8000", "https://localhost:3000"}));
    cors.boolean("allow_credentials").defaultValue(true);
    cors.integer("max_age_seconds").defaultValue(600).min(0).max(86400);

    auto& logging = s.section("logging");
    logging.string("level").defaultValue(std::string("information"))
        .oneOf({"fatal", "critical", "error", "warning", "notice", "information", "debug", "trace"});
    logging.boolean("access_log").defaultValue(true);
    logging.string("access_log_file").defaultValue(std::string(""))
        .description("Empty = standard output");

    auto& access = s.section("access");
    access.integer("cache_ms").defaultValue(1000).min(0).max(60000)
        .description("How long a node reuses an access decision; changes made on the same node apply at once, "
                     "on other nodes within this time; 0 = check the database on every request");

    auto& tools = s.section("tools");
    tools.string("access").defaultValue(std::string("everyone")).oneOf({"everyone", "granted"})
        .description("everyone = every signed-in user may use every tool (HubGPT's behaviour) except those in "
                     "tools.restricted; granted = a tool needs a grant of `use` (resource type \"tool\"), "
                     "which server admins give through /api/v1/shares");
    tools.stringList("restricted").defaultValue(sdk::json::array())
        .description("Tools that need a grant even when tools.access is everyone");
    auto& activity = s.section("activity");
    activity.integer("retention_days").defaultValue(90).min(0).max(36500)
        .description("Activity entries older than this are deleted; 0 = keep them forever");
    activity.integer("sweep_interval_seconds").defaultValue(3600).min(1).max(86400)
        .description("How often a serving hubd deletes expired activity entries (also once at start)");

    auto& storage = s.section("storage");
    storage.string("root").defaultValue(std::string("")).description("Empty = <data_dir>/blobs");
    storage.string("dedup_scope").defaultValue(std::string("auto")).oneOf({"auto", "global", "owner"})
        .description("Which chunks may be shared: global = across users, owner = within one user or workspace; "
                     "auto = owner when encryption is on, else global");
    storage.integer("cache_mb").defaultValue(64).min(0).max(65536)
        .description("In-process cache of decoded hot chunks; 0 = off");
    storage.integer("gc_grace_seconds").defaultValue(3600).min(0).max(30 * 86400)
        .description("hubd gc leaves unreferenced data younger than this alone (uploads in flight)");
    auto& chunking = storage.section("chunking");
    chunking.integer("min_kib").defaultValue(256).min(1).max(65536);
    chunking.integer("avg_kib").defaultValue(1024).min(1).max(65536);
    chunking.integer("max_kib").defaultValue(4096).min(1).max(65536);
    chunking.check([](const sdk::ConfigView& v) {
        std::vector<std::string> e;
        if (v.getInt("min_kib") > v.getInt("avg_kib") || v.getInt("avg_kib") > v.getInt("max_kib")) {
            e.push_back("chunk sizes must satisfy min_kib <= avg_kib <= max_kib");
        }
        return e;
    });
    auto& compression = storage.section("compression");
    compression.boolean("enabled").defaultValue(true);
    compression.integer("level").defaultValue(3).min(1).max(19).description("zstd level");
    compression.integer("min_saving_percent").defaultValue(10).min(0).max(90)
        .description("A chunk is stored compressed only if that saves at least this much");
    auto& encryption = storage.section("encryption");
    encryption.boolean("enabled").defaultValue(false)
        .description("XChaCha20-Poly1305 per chunk with per-owner data keys wrapped by the master key");
    encryption.string("master_key_file").defaultValue(std::string(""))
        .description("File holding the master key (64 hex digits or base64); empty = HUB_STORAGE_MASTER_KEY");
    storage.check([](const sdk::ConfigView& v) {
        std::vector<std::string> e;
        if (v.getBool("encryption.enabled") && v.getString("dedup_scope") == "global") {
            e.push_back("dedup_scope: global cannot be used with encryption (one user could learn what another stores)");
        }
        return e;
    });
}

}  // namespace hub::core
