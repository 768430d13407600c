#include "db/Database.h"

#include <chrono>
#include <filesystem>
#include <thread>
#include <stdexcept>

#include <Poco/Data/PostgreSQL/Connector.h>
#include <Poco/Data/SQLite/Connector.h>
#include <Poco/Data/SessionPoolContainer.h>
#include <Poco/Exception.h>
#include <Poco/URI.h>

#include "hub/sdk/Error.h"

using namespace Poco::Data::Keywords;

namespace hub::core {
namespace {

/// Adds per-connection settings every new pooled SQLite session needs.
class HubSessionPool : public Poco::Data::SessionPool {
public:
    HubSessionPool(const std::string& connector, const std::string& cs, int minS, int maxS,
                   int idle, sdk::Dialect dialect, int busyMs)
        : Poco::Data::SessionPool(connector, cs, minS, maxS, idle),
          dialect_(dialect),
          busyMs_(busyMs) {}

protected:
    void customizeSession(Poco::Data::Session& s) override {
        if (dialect_ == sdk::Dialect::SQLite) {
            s << "PRAGMA busy_timeout=" + std::to_string(busyMs_), now;
            std::string mode;
            s << "PRAGMA journal_mode=WAL", into(mode), now;
            s << "PRAGMA synchronous=NORMAL", now;
            s << "PRAGMA foreign_keys=ON", now;
        } else {
            s << "SET TIME ZONE 'UTC'", now;
        }
    }

private:
    sdk::Dialect dialect_;
    int busyMs_;
};

std::string libpqQuote(const std::string& v) {
    // POCO's PostgreSQL connector splits on spaces and does not handle quotes, so values
    // with spaces are refused rather than silently mangled.
    if (v.find_first_of(" '\\") != std::string::npos) {
        throw std::invalid_argument("database.url: spaces, quotes and backslashes are not supported in PostgreSQL URL values");
    }
    return v;
}

}  // namespace

DatabaseUrl DatabaseUrl::parse(const std::string& raw, int connectTimeoutSeconds) {
    DatabaseUrl out;
    if (raw.rfind("sqlite://", 0) == 0) {
        std::string path = raw.substr(std::string("sqlite://").size());
        while (path.size() > 1 && path[0] == '/' && path[1] == '/') {
            path.erase(0, 1);
        }
        if (path.empty() || path[0] != '/') {
            throw std::invalid_argument("database.url: SQLite needs an absolute path: sqlite:///abs/path.db");
        }
        auto q = path.find('?');
        if (q != std::string::npos) {
            path = path.substr(0, q);
        }
        out.dialect = sdk::Dialect::SQLite;
        out.sqlitePath = path;
        out.redacted = "sqlite://" + path;
        return out;
    }
    std::string url = raw;
    if (url.rfind("postgres://", 0) == 0) {
        url = "postgresql://" + url.substr(std::string("postgres://").size());
    }
    if (url.rfind("postgresql://", 0) != 0) {
        throw std::invalid_argument("database.url: expected sqlite:///path or postgresql://user:pw@host:port/db");
    }
    Poco::URI uri;
    try {
        uri = Poco::URI(url);
    } catch (const Poco::Exception& e) {
        throw std::invalid_argument("database.url: " + e.message());
    }
    out.dialect = sdk::Dialect::PostgreSQL;
    std::string cs;
    std::string host = uri.getHost().empty() ? "127.0.0.1" : uri.getHost();
    cs += "host=" + libpqQuote(host);
    cs += " port=" + std::to_string(uri.getPort() == 0 ? 5432 : uri.getPort());
    std::string user, password;
    const std::string& info = uri.getUserInfo();
    auto colon = info.find(':');
    if (colon == std::string::npos) {
        user = info;
    } else {
        user = info.substr(0, colon);
        password = info.substr(colon + 1);
    }
    std::string userDecoded, passwordDecoded;
    Poco::URI::decode(user, userDecoded);
    Poco::URI::decode(password, passwordDecoded);
    if (!userDecoded.empty()) cs += " user=" + libpqQuote(userDecoded);
    if (!passwordDecoded.empty()) cs += " password=" + libpqQuote(passwordDecoded);
    std::string db = uri.getPath();
    if (!db.empty() && db[0] == '/') db.erase(0, 1);
    if (db.empty()) {
        throw std::invalid_argument("database.url: PostgreSQL URL needs a database name (/dbname)");
    }
    cs += " dbname=" + libpqQuote(db);
    for (const auto& [k, v] : uri.getQueryParameters()) {
        cs += " " + libpqQuote(k) + "=" + libpqQuote(v);
    }
    cs += " connect_timeout=" + std::to_string(connectTimeoutSeconds);
    cs += " options=-cTimeZone=UTC";
    out.connectionString = cs;
    out.redacted = "postgresql://" + (userDecoded.empty() ? "" : userDecoded + (passwordDecoded.empty() ? "" : ":***") + "@") +
                   host + ":" + std::to_string(uri.getPort() == 0 ? 5432 : uri.getPort()) + "/" + db;
    return out;
}

Database::Database(const DatabaseUrl& url, const DatabaseOptions& o)
    : url_(url), poolMax_(o.poolMax), poolWaitMs_(o.poolWaitMs) {
    Poco::Data::SQLite::Connector::registerConnector();
    Poco::Data::PostgreSQL::Connector::registerConnector();
    if (url_.dialect == sdk::Dialect::SQLite) {
        std::filesystem::create_directories(std::filesystem::path(url_.sqlitePath).parent_path());
        pool_ = std::make_unique<HubSessionPool>("SQLite", url_.sqlitePath, o.poolMin, o.poolMax,
                                                 o.idleSeconds, url_.dialect, o.busyTimeoutMs);
    } else {
        pool_ = std::make_unique<HubSessionPool>("PostgreSQL", url_.connectionString, o.poolMin,
                                                 o.poolMax, o.idleSeconds, url_.dialect,
                                                 o.busyTimeoutMs);
    }
}

Database::~Database() { shutdown(); }

void Database::shutdown() {
    if (pool_) {
        try {
            pool_->shutdown();
        } catch (...) {
        }
    }
}

Poco::Data::Session Database::session() {
    // POCO's pool fails at once when every connection is in use; a burst of requests should
    // queue briefly instead of getting 503s.
    auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(poolWaitMs_);
    auto pause = std::chrono::microseconds(200);
    while (true) {
        try {
            return pool_->get();
        } catch (const Poco::Data::SessionPoolExhaustedException&) {
            if (std::chrono::steady_clock::now() >= deadline) {
                throw sdk::Unavailable("The database is busy; try again", "database_busy")
                    .withHeader("Retry-After", "1");
            }
            std::this_thread::sleep_for(pause);
            pause = std::min(pause * 2, std::chrono::microseconds(5000));
        } catch (const Poco::Exception&) {
            throw sdk::Unavailable("The database is unavailable", "database_unavailable")
                .withHeader("Retry-After", "2");
        }
    }
}

bool Database::isConnectionLost(const std::exception& e) {
    std::string m = e.what();
    if (auto* pe = dynamic_cast<const Poco::Exception*>(&e)) {
        m += " " + pe->displayText();
    }
    return m.find("server closed the connection") != std::string::npos ||
           m.find("no connection to the server") != std::string::npos ||
           m.find("terminating connection") != std::string::npos ||
           m.find("connection not open") != std::string::npos ||
           m.find("Connection refused") != std::string::npos ||
           m.find("could not connect") != std::string::npos ||
           m.find("Lost connection") != std::string::npos;
}

bool Database::isBusy(const std::exception& e) {
    std::string m = e.what();
    if (auto* pe = dynamic_cast<const Poco::Exception*>(&e)) {
        m += " " + pe->displayText();
    }
    return m.find("database is locked") != std::string::npos ||
           m.find("database is busy") != std::string::npos ||
           m.find("Database locked") != std::string::npos;
}

bool Database::isUniqueViolation(const std::exception& e) const {
    std::string m = e.what();
    if (auto* pe = dynamic_cast<const Poco::Exception*>(&e)) {
        m += " " + pe->displayText();
    }
    return m.find("UNIQUE constraint failed") != std::string::npos ||
           m.find("duplicate key value") != std::string::npos || m.find("23505") != std::string::npos;
}

bool Database::isRetryableConflict(const std::exception& e) {
    std::string m = e.what();
    if (auto* pe = dynamic_cast<const Poco::Exception*>(&e)) m += " " + pe->displayText();
    return m.find("40P01") != std::string::npos || m.find("deadlock detected") != std::string::npos ||
           m.find("40001") != std::string::npos || m.find("could not serialize access") != std::string::npos;
}

void Database::retryingLostConnections(const std::function<void()>& attempt) {
    for (int tries = 0;; ++tries) {
        try {
            attempt();
            return;
        } catch (const sdk::Error&) {
            throw;
        } catch (const std::exception& e) {
            if (url_.dialect == sdk::Dialect::PostgreSQL && tries <= poolMax_ && isConnectionLost(e)) {
                continue;
            }
            // PostgreSQL chose this transaction as a deadlock victim (or a serialization
            // failure): it was rolled back, so running it again is safe.
            if (url_.dialect == sdk::Dialect::PostgreSQL && tries < 5 && isRetryableConflict(e)) {
                std::this_thread::sleep_for(std::chrono::milliseconds(5 * (tries + 1)));
                continue;
            }
            if (isBusy(e)) {
                throw sdk::Unavailable("The database is busy; try again", "database_busy")
                    .withHeader("Retry-After", "1");
            }
            if (isConnectionLost(e)) {
                throw sdk::Unavailable("The database is unavailable", "database_unavailable")
                    .withHeader("Retry-After", "2");
            }
            throw;
        }
    }
}

void Database::withTransaction(const std::function<void(Poco::Data::Session&)>& fn) {
    std::unique_lock<std::recursive_mutex> writer(sqliteWriters_, std::defer_lock);
    if (url_.dialect == sdk::Dialect::SQLite) writer.lock();
    retryingLostConnections([&] {
        Poco::Data::Session s = session();
        bool begun = false;
        bool committing = false;
        try {
            s << (url_.dialect == sdk::Dialect::SQLite ? "BEGIN IMMEDIATE" : "BEGIN"), now;
            begun = true;
            fn(s);
            committing = true;
            s << "COMMIT", now;
        } catch (const std::exception& e) {
            // A connection lost during COMMIT may or may not have committed: never run the
            // work a second time; report it as unavailable instead.
            if (committing && isConnectionLost(e)) {
                throw sdk::Unavailable("The database connection was lost while committing; the change may or may "
                                       "not have been saved",
                                       "database_commit_unknown")
                    .withHeader("Retry-After", "2");
            }
            if (begun) {
                try {
                    s << "ROLLBACK", now;
                } catch (...) {
                }
            }
            throw;
        } catch (...) {
            if (begun) {
                try {
                    s << "ROLLBACK", now;
                } catch (...) {
                }
            }
            throw;
        }
    });
}

void Database::withSession(const std::function<void(Poco::Data::Session&)>& fn) {
    retryingLostConnections([&] {
        Poco::Data::Session s = session();
        fn(s);
    });
}

bool Database::ping() {
    try {
        int one = 0;
        withSession([&](Poco::Data::Session& s) { s << "SELECT 1", into(one), now; });
        return one == 1;
    } catch (...) {
        return false;
    }
}

}  // namespace hub::core
