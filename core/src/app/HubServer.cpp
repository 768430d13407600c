#include "app/HubServer.h"

#include <fstream>
#include <iostream>
#include <termios.h>
#include <unistd.h>

#include <Poco/AsyncChannel.h>
#include <Poco/Exception.h>
#include <Poco/ConsoleChannel.h>
#include <Poco/FileChannel.h>
#include <Poco/FormattingChannel.h>
#include <Poco/PatternFormatter.h>
#include <Poco/Util/HelpFormatter.h>
#include <Poco/Util/Option.h>
#include <Poco/Util/OptionSet.h>

#include "auth/AuthRoutes.h"
#include "hub/sdk/Error.h"
#include "hub/sdk/Version.h"
#include "hub/sdk/services/IClock.h"

namespace hub::core {
namespace {

constexpr int kExitUsage = 64;
constexpr int kExitUnavailable = 69;
constexpr int kExitSoftware = 70;
constexpr int kExitConfig = 78;

std::string readPassword(const std::string& prompt) {
    if (isatty(STDIN_FILENO)) {
        std::cerr << prompt << std::flush;
        termios old{};
        tcgetattr(STDIN_FILENO, &old);
        termios quiet = old;
        quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
        tcsetattr(STDIN_FILENO, TCSANOW, &quiet);
        std::string pw;
        std::getline(std::cin, pw);
        tcsetattr(STDIN_FILENO, TCSANOW, &old);
        std::cerr << "\n";
        return pw;
    }
    std::string pw;
    std::getline(std::cin, pw);
    return pw;
}

}  // namespace

HubServer::HubServer() { setUnixOptions(true); }

void HubServer::defineOptions(Poco::Util::OptionSet& options) {
    ServerApplication::defineOptions(options);
    using Poco::Util::Option;
    options.addOption(Option("help", "h", "print this help").required(false).repeatable(false));
    options.addOption(Option("config", "c", "YAML config file").argument("FILE").required(false).repeatable(false));
    options.addOption(Option("port", "p", "listen port (0 = any free port)").argument("N").required(false).repeatable(false));
    options.addOption(Option("data-dir", "", "data directory").argument("DIR").required(false).repeatable(false));
    options.addOption(Option("database-url", "", "sqlite:///abs/path.db or postgresql://user:pw@host:port/db")
                          .argument("URL").required(false).repeatable(false));
    options.addOption(Option("set", "", "override a config key: dotted.key=value (repeatable)")
                          .argument("KEY=VALUE").required(false).repeatable(true));
    options.addOption(Option("check-config", "", "validate the configuration and exit").required(false).repeatable(false));
    options.addOption(Option("email", "", "email for 'user create'").argument("EMAIL").required(false).repeatable(false));
    options.addOption(Option("role", "", "role for 'user create': admin or user").argument("ROLE").required(false).repeatable(false));
    options.addOption(Option("user", "", "user a plugin command acts for (e.g. import advisors)").argument("NAME").required(false).repeatable(false));
    options.addOption(Option("format", "", "output format for plugin commands that offer one").argument("FORMAT").required(false).repeatable(false));
    options.addOption(Option("new-key-file", "", "file with the new storage master key for 'keys rotate'").argument("FILE").required(false).repeatable(false));
}

void HubServer::handleOption(const std::string& name, const std::string& value) {
    ServerApplication::handleOption(name, value);
    if (name == "help") {
        help_ = true;
        stopOptionsProcessing();
    } else if (name == "config") {
        cl_.configFile = value;
    } else if (name == "port") {
        cl_.port = value;
    } else if (name == "data-dir") {
        cl_.dataDir = value;
    } else if (name == "database-url") {
        cl_.databaseUrl = value;
    } else if (name == "set") {
        cl_.sets.push_back(value);
    } else if (name == "check-config") {
        checkConfig_ = true;
    } else if (name == "email") {
        email_ = value;
    } else if (name == "role") {
        role_ = value;
        roleGiven_ = true;
    } else if (name == "user") {
        user_ = value;
    } else if (name == "format") {
        format_ = value;
    } else if (name == "new-key-file") {
        newKeyFile_ = value;
    }
}

void HubServer::printUsage() {
    Poco::Util::HelpFormatter help(options());
    help.setCommand(commandName());
    help.setUsage("[serve|migrate|user ...] [OPTIONS]");
    help.setHeader(
        "Hub server " HUB_VERSION " (plugin SDK " HUB_SDK_VERSION ").\n"
        "Subcommands:\n"
        "  serve (default)                         run the HTTP server\n"
        "  migrate                                 apply database migrations, convert old blobs, exit\n"
        "  gc                                      free storage left by crashes (abandoned uploads, orphans)\n"
        "  fsck                                    verify every stored chunk and reference; exit 1 on damage\n"
        "  keys rotate --new-key-file F            re-wrap storage data keys with a new master key\n"
        "  activity prune                          delete activity entries older than activity.retention_days\n"
        "  user create NAME [--email E] [--role R] create a user (password read from stdin)\n"
        "  user passwd NAME                        set a password (read from stdin)\n"
        "  user list                               list users\n"
        "  user set-role NAME admin|user           change a user's role\n"
        "  <plugin command> ...                    commands added by plugins (an unknown subcommand lists them)\n");
    help.format(std::cout);
}

void HubServer::setupLogging(const std::string& level, bool accessLog, const std::string& accessFile) {
    Poco::AutoPtr<Poco::PatternFormatter> fmt(new Poco::PatternFormatter("%Y-%m-%dT%H:%M:%S.%iZ %p %s: %t"));
    fmt->setProperty("times", "UTC");
    Poco::AutoPtr<Poco::ConsoleChannel> console(new Poco::ConsoleChannel(std::cerr));
    Poco::AutoPtr<Poco::FormattingChannel> formatted(new Poco::FormattingChannel(fmt, console));
    Poco::Logger::root().setChannel(formatted);
    Poco::Logger::root().setLevel(level);
    Poco::Logger::setLevel("", Poco::Logger::parseLevel(level));

    // Access log: one JSON line per request, written by a background thread.
    Poco::Logger& access = Poco::Logger::get("access");
    if (!accessLog) {
        access.setLevel(Poco::Message::PRIO_WARNING);
        return;
    }
    Poco::AutoPtr<Poco::PatternFormatter> raw(new Poco::PatternFormatter("%t"));
    Poco::AutoPtr<Poco::Channel> sink;
    if (accessFile.empty()) {
        sink = new Poco::ConsoleChannel(std::cout);
    } else {
        Poco::AutoPtr<Poco::FileChannel> file(new Poco::FileChannel(accessFile));
        file->setProperty("rotation", "100 M");
        file->setProperty("archive", "timestamp");
        file->setProperty("purgeCount", "5");
        sink = file;
    }
    Poco::AutoPtr<Poco::FormattingChannel> fc(new Poco::FormattingChannel(raw, sink));
    Poco::AutoPtr<Poco::AsyncChannel> async(new Poco::AsyncChannel(fc));
    access.setChannel(async);
    access.setLevel(Poco::Message::PRIO_INFORMATION);
}

bool HubServer::load(Runtime& rt) {
    auto errors = rt.loadConfig();
    if (errors.empty()) return true;
    std::cerr << "hubd: configuration has " << errors.size() << " error(s):\n";
    for (const auto& e : errors) std::cerr << "  " << e.toString() << "\n";
    return false;
}

int HubServer::checkConfig() {
    setupLogging("warning", false, "");
    Runtime rt(cl_);
    if (!load(rt)) return kExitConfig;
    std::cout << "configuration OK";
    if (!cl_.configFile.empty()) std::cout << " (" << cl_.configFile << ")";
    std::cout << "; plugins enabled:";
    for (const auto& n : rt.plugins().enabledNames()) std::cout << " " << n;
    std::cout << std::endl;
    return 0;
}

int HubServer::migrate() {
    setupLogging("information", false, "");
    Runtime rt(cl_);
    if (!load(rt)) return kExitConfig;
    try {
        rt.openDatabase();
        rt.initServices();
        rt.registerComponents();
        rt.migratePlugins();
    } catch (const std::exception& e) {
        std::cerr << "hubd migrate: " << e.what() << std::endl;
        return kExitUnavailable;
    }
    std::cout << "migrations applied (" << rt.database().url().redacted << ")" << std::endl;
    try {
        int converted = rt.storage().convertLegacyBlobs(std::cout);
        if (converted > 0) std::cout << "storage: converted " << converted << " blob(s) of the earlier store to chunks" << std::endl;
    } catch (const std::exception& e) {
        std::cerr << "hubd migrate: converting stored blobs stopped: " << e.what() << " (run it again to resume)" << std::endl;
        return kExitUnavailable;
    }
    return 0;
}

int HubServer::storageCommand(const std::vector<std::string>& args) {
    setupLogging("warning", false, "");
    const std::string& cmd = args[0];
    if (cmd == "keys" && (args.size() < 2 || args[1] != "rotate")) {
        std::cerr << "usage: hubd keys rotate --new-key-file FILE (or HUB_STORAGE_NEW_MASTER_KEY)\n";
        return kExitUsage;
    }
    Runtime rt(cl_);
    if (!load(rt)) return kExitConfig;
    try {
        rt.openDatabase();
        rt.initServices();
        storage::BlobEngine& engine = rt.storage();
        if (cmd == "gc") {
            storage::GcReport r = engine.gc(rt.config().getInt("storage.gc_grace_seconds"), std::cout);
            std::cout << "gc: removed " << r.stagedBlobs << " abandoned upload(s), " << r.chunksFreed
                      << " unreferenced chunk(s), " << r.orphanFiles << " orphan chunk file(s), " << r.tempFiles
                      << " temp file(s); freed " << r.bytesFreed << " bytes" << std::endl;
            return 0;
        }
        if (cmd == "fsck") {
            storage::FsckReport r = engine.fsck(std::cerr);
            for (const auto& d : r.damage) std::cout << "DAMAGE: " << d << "\n";
            for (const auto& w : r.warnings) std::cout << "note: " << w << "\n";
            std::cout << "fsck: checked " << r.chunksChecked << " chunk(s), " << r.bytesChecked << " bytes; "
                      << (r.clean() ? "no damage" : std::to_string(r.damage.size()) + " problem(s)") << std::endl;
            return r.clean() ? 0 : 1;
        }
        if (!engine.lockStorage(true)) {
            std::cerr << "hubd keys rotate: a hubd is serving this storage root; stop it first (it keeps the old master "
                         "key in memory and would wrap new data keys with it)\n";
            return kExitUnavailable;
        }
        std::string newKey;
        if (!newKeyFile_.empty()) {
            std::ifstream in(newKeyFile_, std::ios::binary);
            if (!in) {
                std::cerr << "hubd keys rotate: cannot read " << newKeyFile_ << "\n";
                return kExitUsage;
            }
            newKey.assign((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
        } else if (const char* k = std::getenv("HUB_STORAGE_NEW_MASTER_KEY"); k && *k) {
            newKey = k;
        } else {
            std::cerr << "hubd keys rotate: give the new master key with --new-key-file FILE or HUB_STORAGE_NEW_MASTER_KEY\n";
            return kExitUsage;
        }
        std::string raw;
        try {
            raw = storage::KeyRing::parseMasterKey(newKey);
        } catch (const std::invalid_argument& e) {
            std::cerr << "hubd keys rotate: the new key is not usable: " << e.what() << "\n";
            return kExitUsage;
        }
        int n = engine.keys().rotate(raw);
        std::cout << "keys rotate: re-wrapped " << n << " data key(s) with master key " << storage::KeyRing::idOf(raw)
                  << "; configure the new key before the next start" << std::endl;
        return 0;
    } catch (const std::exception& e) {
        std::cerr << "hubd " << cmd << ": " << e.what() << std::endl;
        return kExitUnavailable;
    }
}

int HubServer::activityCommand(const std::vector<std::string>& args) {
    setupLogging("warning", false, "");
    if (args.size() != 2 || args[1] != "prune") {
        std::cerr << "usage: hubd activity prune [--set activity.retention_days=N]\n";
        return kExitUsage;
    }
    Runtime rt(cl_);
    if (!load(rt)) return kExitConfig;
    try {
        rt.openDatabase();
        rt.initServices();
        int days = static_cast<int>(rt.config().getInt("activity.retention_days"));
        if (days == 0) {
            std::cout << "activity prune: activity.retention_days is 0 (keep forever); nothing deleted" << std::endl;
            return 0;
        }
        int64_t n = rt.activity().prune(days);
        std::cout << "activity prune: deleted " << n << " entr" << (n == 1 ? "y" : "ies") << " older than " << days
                  << " day(s)" << std::endl;
        return 0;
    } catch (const std::exception& e) {
        std::cerr << "hubd activity: " << e.what() << std::endl;
        return kExitUnavailable;
    }
}

int HubServer::userCommand(const std::vector<std::string>& args) {
    setupLogging("warning", false, "");
    if (args.size() < 2) {
        std::cerr << "usage: hubd user create|passwd|list|set-role ...\n";
        return kExitUsage;
    }
    Runtime rt(cl_);
    if (!load(rt)) return kExitConfig;
    try {
        rt.openDatabase();
        rt.initServices();
        AuthService& auth = rt.auth();
        const std::string& cmd = args[1];
        if (cmd == "list") {
            for (const auto& u : auth.listUsers()) {
                std::cout << u.username << "\t" << u.role << "\t" << (u.email.empty() ? "-" : u.email) << "\t"
                          << u.id << "\t" << sdk::IClock::formatIso(u.createdAt) << "\n";
            }
            return 0;
        }
        if (args.size() < 3) {
            std::cerr << "usage: hubd user " << cmd << " NAME ...\n";
            return kExitUsage;
        }
        const std::string& name = args[2];
        if (cmd == "create") {
            if (role_ != "admin" && role_ != "user") {
                std::cerr << "hubd user create: --role must be admin or user\n";
                return kExitUsage;
            }
            if (auto p = usernameProblem(name); !p.empty()) {
                std::cerr << "hubd user create: " << p << "\n";
                return kExitUsage;
            }
            std::string email;
            if (!email_.empty()) {
                std::string problem;
                email = normaliseEmail(email_, problem);
                if (!problem.empty()) {
                    std::cerr << "hubd user create: --email " << problem << "\n";
                    return kExitUsage;
                }
            }
            std::string pw = readPassword("Password for " + name + ": ");
            auto u = auth.createUser(name, email, pw, role_);
            std::cout << "created " << u.role << " '" << u.username << "' (" << u.id << ")" << std::endl;
            return 0;
        }
        auto user = auth.userByName(name);
        if (!user) {
            std::cerr << "hubd user " << cmd << ": no user named '" << name << "'\n";
            return 1;
        }
        if (cmd == "passwd") {
            auth.setPassword(user->id, readPassword("New password for " + name + ": "));
            std::cout << "password changed for '" << name << "'; their sessions were revoked" << std::endl;
            return 0;
        }
        if (cmd == "set-role") {
            if (args.size() < 4 || (args[3] != "admin" && args[3] != "user")) {
                std::cerr << "usage: hubd user set-role NAME admin|user\n";
                return kExitUsage;
            }
            auth.setRole(user->id, args[3]);
            std::cout << "'" << name << "' is now " << args[3] << std::endl;
            return 0;
        }
        std::cerr << "hubd user: unknown command '" << cmd << "'\n";
        return kExitUsage;
    } catch (const sdk::Error& e) {
        std::cerr << "hubd user: " << e.what() << std::endl;
        return 1;
    } catch (const std::exception& e) {
        std::cerr << "hubd user: " << e.what() << std::endl;
        return kExitUnavailable;
    }
}

int HubServer::pluginCommand(const std::vector<std::string>& args) {
    setupLogging("warning", false, "");
    Runtime rt(cl_);
    if (!load(rt)) return kExitConfig;
    try {
        rt.openDatabase();
        rt.initServices();
        rt.registerComponents();
        std::size_t words = 0;
        const sdk::CommandSpec* command = rt.findCommand(args, words);
        if (command == nullptr) {
            std::cerr << "hubd: unknown subcommand '" << args[0] << "'. Subcommands: serve, migrate, user";
            for (const auto& [owner, c] : rt.commands()) std::cerr << ", " << c.name;
            std::cerr << " (try --help)\n";
            return kExitUsage;
        }
        rt.migratePlugins();
        rt.startPlugins();
        std::map<std::string, std::string> options;
        if (!user_.empty()) options["user"] = user_;
        if (!email_.empty()) options["email"] = email_;
        if (roleGiven_) options["role"] = role_;
        if (!format_.empty()) options["format"] = format_;
        sdk::CommandContext ctx{std::vector<std::string>(args.begin() + static_cast<std::ptrdiff_t>(words), args.end()),
                                options, rt.services(), std::cout, std::cerr};
        int code = command->run(ctx);
        std::cout.flush();
        rt.shutdown();
        return code;
    } catch (const PluginStartError& e) {
        std::cerr << "hubd: refusing to start: " << e.what() << std::endl;
        return kExitSoftware;
    } catch (const sdk::Error& e) {
        std::cerr << "hubd " << args[0] << ": " << e.what() << std::endl;
        return 1;
    } catch (const std::exception& e) {
        std::cerr << "hubd " << args[0] << ": " << e.what() << std::endl;
        return kExitUnavailable;
    }
}

int HubServer::serve() {
    Runtime rt(cl_);
    setupLogging("information", false, "");
    if (!load(rt)) return kExitConfig;
    setupLogging(rt.config().getString("logging.level"), rt.config().getBool("logging.access_log"),
                 rt.config().getString("logging.access_log_file"));
    try {
        rt.openDatabase();
        rt.initServices();
        if (!rt.storage().lockStorage(false)) {
            throw std::runtime_error("the storage root is locked by `hubd keys rotate`; wait for it to finish");
        }
        // Chunk files a power cut left moved aside go back; then temp files a crash left
        // behind go (uploads still arriving on another node are kept).
        if (int restored = rt.storage().recoverParkedChunks(); restored > 0) {
            rt.logger().warning("storage: put back %d chunk file(s) whose release was lost", restored);
        }
        rt.storage().sweepTemp(rt.config().getInt("storage.gc_grace_seconds"));
        if (int legacy = rt.storage().countLegacyBlobs(); legacy > 0) {
            rt.logger().warning("storage: %d blob(s) of the earlier whole-file store are read as they are; `hubd "
                                "migrate` converts them to chunks", legacy);
        }
        rt.registerComponents();
        rt.migratePlugins();
        rt.startPlugins();
        int port = rt.serve();
        std::cout << "listening on http://" << rt.listenHost() << ":" << port << std::endl;
    } catch (const PluginStartError& e) {
        std::cerr << "hubd: refusing to start: " << e.what() << std::endl;
        return kExitSoftware;
    } catch (const Poco::Exception& e) {
        std::cerr << "hubd: cannot start: " << e.displayText() << std::endl;  // e.g. the port is taken
        return kExitUnavailable;
    } catch (const std::exception& e) {
        std::cerr << "hubd: cannot start: " << e.what() << std::endl;
        return kExitUnavailable;
    }
    waitForTerminationRequest();
    rt.logger().information("shutting down: finishing in-flight requests");
    rt.shutdown();
    rt.logger().information("stopped");
    return 0;
}

int HubServer::main(const std::vector<std::string>& args) {
    if (help_) {
        printUsage();
        return 0;
    }
    std::string cmd = args.empty() ? "serve" : args[0];
    if (checkConfig_) return checkConfig();
    if (cmd == "serve") return serve();
    if (cmd == "migrate") return migrate();
    if (cmd == "user") return userCommand(args);
    if (cmd == "activity") return activityCommand(args);
    if (cmd == "gc" || cmd == "fsck" || cmd == "keys") return storageCommand(args);
    return pluginCommand(args);
}

}  // namespace hub::core
