#include "app/Runtime.h"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sys/stat.h>
#include <unistd.h>

#include <Poco/String.h>

#include "access/AccessRoutes.h"
#include "access/WorkspaceRoutes.h"
#include "activity/ActivityRoutes.h"
#include "auth/AuthRoutes.h"
#include "config/CoreSchema.h"
#include "config/SchemaValidator.h"
#include "db/CoreMigrations.h"
#include "hub/sdk/Error.h"
#include "hub/sdk/Json.h"
#include "util/Crypto.h"

namespace fs = std::filesystem;

namespace hub::core {
namespace {

std::string executableDir() {
    std::error_code ec;
    auto p = fs::read_symlink("/proc/self/exe", ec);
    return ec ? std::string(".") : p.parent_path().string();
}

std::string readFileTrimmed(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw std::runtime_error("cannot read " + path);
    std::string s((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    return Poco::trim(s);
}

std::string readFile(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw std::runtime_error("cannot read " + path);
    return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

}  // namespace

Runtime::Runtime(CommandLine cl) : cl_(std::move(cl)), logger_(Poco::Logger::get("hubd")) {
    crypto::initialize();
    events_ = std::make_unique<EventBus>(Poco::Logger::get("hubd.events"));
    tools_ = std::make_unique<ToolRegistry>();
    services_ = std::make_unique<ServiceRegistryImpl>();
    plugins_ = std::make_unique<PluginManager>(Poco::Logger::get("hubd.plugins"));
    router_ = std::make_unique<Router>();
}

Runtime::~Runtime() {
    try {
        shutdown();
    } catch (...) {
    }
}

std::vector<ConfigError> Runtime::loadConfig() {
    std::vector<ConfigError> errors;
    if (!cl_.configFile.empty()) {
        tree_.loadYamlFile(cl_.configFile, errors);
    }
    // Environment (HubGPT's DATABASE_URL), then flags, then --set: later wins.
    if (const char* url = std::getenv("DATABASE_URL"); url && *url) tree_.set("database.url", std::string(url));
    if (const char* port = std::getenv("HUB_PORT"); port && *port) tree_.applyOverride(std::string("server.port=") + port, errors);
    if (!cl_.port.empty()) tree_.applyOverride("server.port=" + cl_.port, errors);
    if (!cl_.dataDir.empty()) tree_.set("data_dir", cl_.dataDir);
    if (!cl_.databaseUrl.empty()) tree_.set("database.url", cl_.databaseUrl);
    for (const auto& s : cl_.sets) tree_.applyOverride(s, errors);

    sdk::ConfigSchema schema;
    declareCoreSchema(schema);
    auto validated = SchemaValidator::validate(tree_.root(), schema, "", tree_, errors, {"plugins"});
    core_ = sdk::ConfigView(validated);
    bool coreValid = errors.empty();
    if (!coreValid && (!validated->has("plugin_search_path") || validated->get("plugin_search_path").isEmpty() ||
                       !validated->has("data_dir") || validated->get("data_dir").isEmpty())) {
        return errors;  // plugins cannot be found without a valid search path
    }

    dataDir_ = fs::absolute(core_.getString("data_dir")).lexically_normal().string();
    if (coreValid) {
        std::string url = core_.getString("database.url");
        try {
            DatabaseUrl::parse(url.empty() ? "sqlite://" + dataDir_ + "/hub.db" : url, 5);
        } catch (const std::invalid_argument& e) {
            errors.push_back({"database.url", e.what(), tree_.locationOf("database.url")});
        }
        // A wrong or missing master key is a configuration error, found before anything starts.
        const std::string keyFile = "storage.encryption.master_key_file";
        try {
            std::string key = resolveStorageMasterKey();
            if (key.empty() && core_.getBool("storage.encryption.enabled")) {
                errors.push_back({"storage.encryption.enabled",
                                  "encryption needs a master key: set HUB_STORAGE_MASTER_KEY or " + keyFile +
                                      " (32 bytes as 64 hex digits or base64, e.g. `openssl rand -hex 32`)",
                                  tree_.locationOf("storage.encryption.enabled")});
            }
        } catch (const std::exception& e) {
            bool fromFile = !core_.getString(keyFile).empty();
            errors.push_back({fromFile ? keyFile : std::string("HUB_STORAGE_MASTER_KEY"), e.what(),
                              fromFile ? tree_.locationOf(keyFile) : std::string()});
        }
    }

    std::vector<std::string> searchPath = core_.getStringList("plugin_search_path");
    if (searchPath.empty()) {
        // Default: next to the binary, in the build tree and once installed alike.
        std::string bundled = fs::weakly_canonical(fs::path(executableDir()) / ".." / "lib" / "hub" / "plugins").string();
        if (fs::is_directory(bundled)) searchPath.push_back(bundled);
    }
    plugins_->discover(searchPath, errors);
    Poco::JSON::Object::Ptr pluginsSection;
    if (tree_.root()->has("plugins") && !tree_.root()->get("plugins").isEmpty()) {
        if (tree_.root()->get("plugins").type() != typeid(Poco::JSON::Object::Ptr)) {
            errors.push_back({"plugins", "must be a map of plugin names", tree_.locationOf("plugins")});
        } else {
            pluginsSection = tree_.root()->getObject("plugins");
        }
    }
    plugins_->configure(pluginsSection, tree_, errors);
    return errors;
}

void Runtime::openDatabase() {
    fs::create_directories(dataDir_);
    std::string url = core_.getString("database.url");
    if (url.empty()) url = "sqlite://" + dataDir_ + "/hub.db";
    DatabaseUrl parsed = DatabaseUrl::parse(url, static_cast<int>(core_.getInt("database.connect_timeout_seconds")));
    DatabaseOptions o;
    o.poolMin = static_cast<int>(core_.getInt("database.pool_min"));
    o.poolMax = static_cast<int>(core_.getInt("database.pool_max"));
    o.idleSeconds = static_cast<int>(core_.getInt("database.pool_idle_seconds"));
    o.busyTimeoutMs = static_cast<int>(core_.getInt("database.busy_timeout_ms"));
    o.poolWaitMs = static_cast<int>(core_.getInt("database.pool_wait_ms"));
    db_ = std::make_shared<Database>(parsed, o);
    if (!db_->ping()) {
        throw std::runtime_error("cannot connect to the database at " + parsed.redacted);
    }
    migrations_ = std::make_unique<MigrationRunner>(*db_);
    migrations_->ensureTable();
    int n = migrations_->apply("core", coreMigrations());
    if (n > 0) logger_.information("core: applied %d migration(s)", n);
}

std::string Runtime::resolveJwtSecret() {
    std::string file = core_.getString("auth.jwt.secret_file");
    if (!file.empty()) return readFileTrimmed(file);
    if (const char* s = std::getenv("HUB_JWT_SECRET"); s && *s) return s;
    if (const char* s = std::getenv("JWT_SECRET_KEY"); s && *s && std::string(s) != "your-secret-key-for-development") {
        return s;
    }
    // Nothing configured: generate once into the data dir (0600) and reuse it.
    std::string path = dataDir_ + "/jwt.secret";
    if (fs::exists(path)) return readFileTrimmed(path);
    std::string secret = crypto::randomHex(48);
    std::string tmp = path + ".tmp";
    {
        mode_t old = ::umask(077);
        std::ofstream out(tmp, std::ios::trunc);
        ::umask(old);
        out << secret << "\n";
        if (!out) throw std::runtime_error("cannot write " + tmp);
    }
    ::chmod(tmp.c_str(), 0600);
    fs::rename(tmp, path);
    logger_.information("generated a JWT secret in %s", path);
    return secret;
}

std::string Runtime::resolveStorageMasterKey() const {
    std::string file = core_.getString("storage.encryption.master_key_file");
    if (!file.empty()) return storage::KeyRing::parseMasterKey(readFile(file));
    if (const char* k = std::getenv("HUB_STORAGE_MASTER_KEY"); k && *k) return storage::KeyRing::parseMasterKey(k);
    return "";
}

void Runtime::initServices() {
    JwtSettings js;
    js.algorithm = core_.getString("auth.jwt.algorithm");
    js.issuer = core_.getString("auth.jwt.issuer");
    js.audience = core_.getString("auth.jwt.audience");
    js.ttlSeconds = core_.getInt("auth.jwt.ttl_seconds");
    js.leewaySeconds = core_.getInt("auth.jwt.leeway_seconds");
    if (js.algorithm == "HS256") {
        js.hmacSecret = resolveJwtSecret();
    } else {
        js.privateKeyPem = readFile(core_.getString("auth.jwt.private_key_file"));
        std::string pub = core_.getString("auth.jwt.public_key_file");
        if (!pub.empty()) js.publicKeyPem = readFile(pub);
    }
    jwt_ = std::make_unique<JwtService>(js);
    hasher_ = std::make_unique<PasswordHasher>(static_cast<int>(core_.getInt("auth.password.argon2_memory_kib")),
                                               static_cast<int>(core_.getInt("auth.password.argon2_iterations")),
                                               static_cast<int>(core_.getInt("auth.password.max_concurrent_hashes")));
    ThrottleSettings ts;
    ts.accountFailures = static_cast<int>(core_.getInt("auth.throttle.account_failures"));
    ts.ipFailures = static_cast<int>(core_.getInt("auth.throttle.ip_failures"));
    ts.windowSeconds = static_cast<int>(core_.getInt("auth.throttle.window_seconds"));
    ts.maxLockoutSeconds = static_cast<int>(core_.getInt("auth.throttle.max_lockout_seconds"));
    ts.registrationsPerIp = static_cast<int>(core_.getInt("auth.throttle.registrations_per_ip"));
    throttle_ = std::make_unique<LoginThrottle>(ts);
    AuthSettings as;
    as.singleSession = core_.getBool("auth.single_session");
    as.registrationEnabled = core_.getBool("auth.registration_enabled");
    as.sessionCacheMs = static_cast<int>(core_.getInt("auth.session_cache_ms"));
    as.basicEnabled = core_.getBool("auth.basic.enabled");
    as.basicCacheSeconds = static_cast<int>(core_.getInt("auth.basic.cache_seconds"));
    as.passwordMinLength = static_cast<int>(core_.getInt("auth.password.min_length"));
    as.passwordMaxLength = static_cast<int>(core_.getInt("auth.password.max_length"));
    auth_ = std::make_shared<AuthService>(*db_, *hasher_, *jwt_, *throttle_, clock_, as);
    access_ = std::make_shared<AccessService>(*db_, *auth_, clock_, static_cast<int>(core_.getInt("access.cache_ms")));
    // Tools are resources of the server (no owning user: its admins manage their grants).
    ToolPolicy toolPolicy;
    toolPolicy.grantedOnly = core_.getString("tools.access") == "granted";
    for (const auto& name : core_.getStringList("tools.restricted")) toolPolicy.restricted.insert(name);
    tools_->enforce(access_.get(), std::move(toolPolicy));
    access_->addResourceType({"tool", sdk::access::kView | sdk::access::kUse | sdk::access::kReshare | sdk::access::kManage,
                              [tools = tools_.get()](const std::string& name) {
                                  std::optional<sdk::AccessResource> out;
                                  if (tools->find(name) != nullptr) out = sdk::AccessResource{"", name};
                                  return out;
                              }});
    // A workspace is owned by its account: members' roles decide their bits on it (manage =
    // grant guests access to everything in it), grants on it reach everything it owns.
    access_->addResourceType({"workspace", sdk::access::kAll, [access = access_.get()](const std::string& id) {
                                  std::optional<sdk::AccessResource> out;
                                  if (auto w = access->workspace(id)) out = sdk::AccessResource{w->accountId, w->name};
                                  return out;
                              }});
    links_ = std::make_shared<ShareLinks>(*db_, *hasher_, *access_, clock_);
    activity_ = std::make_shared<ActivityService>(*db_, *access_, clock_);
    access_->setActivity(activity_.get());  // shares and teams are recorded in their own transactions

    storage::StorageSettings ss;
    ss.root = core_.getString("storage.root");
    if (ss.root.empty()) ss.root = dataDir_ + "/blobs";
    ss.chunking.minSize = static_cast<std::size_t>(core_.getInt("storage.chunking.min_kib")) * 1024;
    ss.chunking.avgSize = static_cast<std::size_t>(core_.getInt("storage.chunking.avg_kib")) * 1024;
    ss.chunking.maxSize = static_cast<std::size_t>(core_.getInt("storage.chunking.max_kib")) * 1024;
    ss.codec.compress = core_.getBool("storage.compression.enabled");
    ss.codec.zstdLevel = static_cast<int>(core_.getInt("storage.compression.level"));
    ss.codec.minSavingPercent = static_cast<int>(core_.getInt("storage.compression.min_saving_percent"));
    ss.encrypt = core_.getBool("storage.encryption.enabled");
    std::string scope = core_.getString("storage.dedup_scope");
    ss.dedupPerOwner = scope == "owner" || (scope == "auto" && ss.encrypt);
    ss.masterKey = resolveStorageMasterKey();
    ss.cacheBytes = static_cast<std::size_t>(core_.getInt("storage.cache_mb")) << 20;
    blobs_ = std::make_shared<storage::BlobEngine>(*db_, ss);
    if (blobs_->keys().hasMasterKey()) {
        if (int foreign = blobs_->keys().countForeignKeys(); foreign > 0) {
            throw std::runtime_error(std::to_string(foreign) +
                                     " storage data key(s) were wrapped by a different master key: configure that key, "
                                     "or rotate to this one with `hubd keys rotate`");
        }
    }

    // Services are shared with plugins; the registry holds non-owning aliases where the
    // Runtime owns the object.
    services_->add(sdk::IDatabase::kServiceId, std::static_pointer_cast<void>(std::static_pointer_cast<sdk::IDatabase>(db_)), "core");
    services_->add(sdk::IAuth::kServiceId, std::static_pointer_cast<void>(std::static_pointer_cast<sdk::IAuth>(auth_)), "core");
    services_->add(sdk::IAccess::kServiceId, std::static_pointer_cast<void>(std::static_pointer_cast<sdk::IAccess>(access_)),
                   "core");
    services_->add(sdk::IShareLinks::kServiceId,
                   std::static_pointer_cast<void>(std::static_pointer_cast<sdk::IShareLinks>(links_)), "core");
    services_->add(sdk::IActivity::kServiceId,
                   std::static_pointer_cast<void>(std::static_pointer_cast<sdk::IActivity>(activity_)), "core");
    services_->add(sdk::IClock::kServiceId,
                   std::shared_ptr<void>(std::shared_ptr<sdk::IClock>(), static_cast<sdk::IClock*>(&clock_)), "core");
    services_->add(sdk::IEventBus::kServiceId,
                   std::shared_ptr<void>(std::shared_ptr<sdk::IEventBus>(), static_cast<sdk::IEventBus*>(events_.get())), "core");
    services_->add(sdk::IToolRegistry::kServiceId,
                   std::shared_ptr<void>(std::shared_ptr<sdk::IToolRegistry>(), static_cast<sdk::IToolRegistry*>(tools_.get())),
                   "core");
    services_->add(sdk::IBlobStore::kServiceId, std::static_pointer_cast<void>(std::static_pointer_cast<sdk::IBlobStore>(blobs_)), "core");
    services_->add(sdk::ITransactionalBlobStore::kServiceId,
                   std::static_pointer_cast<void>(std::static_pointer_cast<sdk::ITransactionalBlobStore>(blobs_)), "core");

    const char* adminUser = std::getenv("API_USERNAME");
    const char* adminPassword = std::getenv("API_PASSWORD");
    if (adminUser && *adminUser && adminPassword && *adminPassword) {
        try {
            if (auth_->ensureBootstrapAdmin(adminUser, adminPassword)) {
                logger_.information("created admin account '%s' from API_USERNAME/API_PASSWORD", std::string(adminUser));
            }
        } catch (const sdk::Error& e) {
            logger_.warning("could not create the admin account from API_USERNAME/API_PASSWORD: %s", std::string(e.what()));
        }
    }
}

bool Runtime::ready() {
    std::lock_guard<std::mutex> lock(readyMutex_);
    auto now = std::chrono::steady_clock::now();
    if (now - readyCheckedAt_ < std::chrono::seconds(1)) return readyCached_;
    bool ok = db_->ping();
    if (ok) {
        try {
            ok = migrations_->pending("core", coreMigrations()) == 0 && plugins_->pendingMigrations(*migrations_) == 0;
        } catch (...) {
            ok = false;
        }
    }
    readyCached_ = ok;
    readyCheckedAt_ = now;
    return ok;
}

void Runtime::registerCoreRoutes() {
    using sdk::AuthMode;
    router_->add({"GET", "/health", AuthMode::None, 0,
                  [](sdk::RequestContext& ctx) { ctx.respond(200, "application/json", "{\"status\":\"ok\"}"); }},
                 "core");
    router_->add({"GET", "/ready", AuthMode::None, 0,
                  [this](sdk::RequestContext& ctx) {
                      if (ready()) {
                          ctx.respond(200, "application/json", "{\"status\":\"ready\"}");
                      } else {
                          throw sdk::Unavailable("Not ready: the database is unreachable or migrations are pending",
                                                 "not_ready")
                              .withHeader("Retry-After", "1");
                      }
                  }},
                 "core");
    router_->add({"GET", "/api/v1/admin/plugins", AuthMode::Admin, 0,
                  [this](sdk::RequestContext& ctx) { ctx.respondJson(200, plugins_->describe()); }},
                 "core");
    registerAuthRoutes(*router_, *auth_);
    registerAccessRoutes(*router_, *access_, *auth_);
    registerWorkspaceRoutes(*router_, *access_, *auth_);
    registerActivityRoutes(*router_, *activity_, *access_, *auth_);

    // The page at `/`: server.web_root, else installed next to hubd, else the source tree.
    staticFiles_ = std::make_unique<StaticFiles>(
        StaticFiles::resolveRoot(core_.getString("server.web_root"), executableDir(), HUB_SOURCE_WEB_DIR));
    std::error_code ec;
    if (!fs::is_directory(staticFiles_->root(), ec)) {
        logger_.warning("no web page at %s: `/` answers 404 (set server.web_root)", staticFiles_->root());
    }
    staticFiles_->registerRoutes(*router_);
}

void Runtime::registerComponents() {
    registerCoreRoutes();
    plugins_->registerAll(ComponentSinks{*router_, *tools_, *services_, *events_, middleware_, commands_});
}

void Runtime::migratePlugins() { plugins_->migrateAll(*migrations_); }

void Runtime::startPlugins() {
    plugins_->startAll(*services_, dataDir_, ComponentSinks{*router_, *tools_, *services_, *events_, middleware_, commands_});
    pluginsStarted_ = true;
    // A name no plugin registered is most likely a typo (or a disabled plugin's tool): say so,
    // since the tool it meant to restrict may be open.
    for (const auto& name : core_.getStringList("tools.restricted")) {
        if (tools_->find(name) == nullptr) {
            logger_.warning("tools.restricted names '%s', which no enabled plugin provides", name);
        }
    }
}

const sdk::CommandSpec* Runtime::findCommand(const std::vector<std::string>& args, std::size_t& words) const {
    for (const auto& [owner, c] : commands_) {
        bool two = c.name.find(' ') != std::string::npos;
        if (!two && !args.empty() && args[0] == c.name) {
            words = 1;
            return &c;
        }
        if (two && args.size() >= 2 && args[0] + " " + args[1] == c.name) {
            words = 2;
            return &c;
        }
    }
    return nullptr;
}

std::string Runtime::listenHost() const { return core_.getString("server.host"); }

int Runtime::serve() {
    watchdog_ = std::make_unique<ConnectionWatchdog>(
        std::chrono::seconds(core_.getInt("server.request_header_timeout_seconds")));
    PipelineSettings ps;
    ps.cors.allowedOrigins = core_.getStringList("cors.allowed_origins");
    ps.cors.allowCredentials = core_.getBool("cors.allow_credentials");
    ps.cors.maxAgeSeconds = static_cast<int>(core_.getInt("cors.max_age_seconds"));
    ps.bodyDefaults.graceSeconds = std::chrono::seconds(core_.getInt("server.body_timeout_seconds"));
    ps.bodyDefaults.minBytesPerSecond = static_cast<uint64_t>(core_.getInt("server.min_body_rate_bytes_per_second"));
    ps.accessLog = core_.getBool("logging.access_log");
    pipeline_ = std::make_unique<RequestPipeline>(*router_, *auth_, *watchdog_, ps, Poco::Logger::get("access"),
                                                  Poco::Logger::get("hubd.http"));
    std::vector<sdk::MiddlewareSpec> mw;
    for (const auto& [owner, spec] : middleware_) mw.push_back(spec);
    pipeline_->setMiddleware(std::move(mw));

    HttpServerSettings hs;
    hs.host = core_.getString("server.host");
    hs.port = static_cast<int>(core_.getInt("server.port"));
    hs.maxThreads = static_cast<int>(core_.getInt("server.max_threads"));
    hs.minThreads = static_cast<int>(core_.getInt("server.min_threads"));
    hs.maxQueued = static_cast<int>(core_.getInt("server.max_queued"));
    hs.keepAliveTimeoutSeconds = static_cast<int>(core_.getInt("server.keep_alive_timeout_seconds"));
    hs.receiveTimeoutSeconds = static_cast<int>(core_.getInt("server.receive_timeout_seconds"));
    http_ = std::make_unique<HttpServer>(hs, *pipeline_, *watchdog_);
    http_->start();
    watchdog_->start();
    // Only a serving hubd sweeps: CLI commands must not delete entries as a side effect.
    activity_->startSweeper(static_cast<int>(core_.getInt("activity.retention_days")),
                            std::chrono::seconds(core_.getInt("activity.sweep_interval_seconds")));
    return http_->port();
}

void Runtime::shutdown() {
    if (http_ && events_) {
        // Before draining: long-running work (LLM streams) is told to wrap up, so in-flight
        // requests can finish within the grace period instead of holding it.
        events_->publish("server.stopping", sdk::json::object());
    }
    if (http_) {
        http_->stop(std::chrono::seconds(core_.getInt("server.shutdown_grace_seconds")));
        http_.reset();
    }
    if (watchdog_) {
        watchdog_->stopThread();
    }
    if (activity_) activity_->stopSweeper();
    if (plugins_) {
        plugins_->stopAll(ComponentSinks{*router_, *tools_, *services_, *events_, middleware_, commands_});
    }
    pipeline_.reset();
    if (router_) router_->clear();
    if (services_) services_->removeOwner("core");
    if (db_) {
        db_->shutdown();
    }
}

}  // namespace hub::core
