// Starts a real hubd on port 0 with a fresh data dir (and, for the PostgreSQL run, a fresh
// database), and talks HTTP to it over loopback.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <Poco/Dynamic/Var.h>
#include <Poco/JSON/Object.h>
#include <Poco/Net/NameValueCollection.h>
#include <Poco/Process.h>

namespace hub::tests {

/// One HTTP response.
struct Response {
    int status = 0;
    std::string body;
    Poco::Net::NameValueCollection headers;

    Poco::Dynamic::Var json() const;
    Poco::JSON::Object::Ptr object() const;
    std::string header(const std::string& name) const;
    /// error.code of the error envelope ("" when absent).
    std::string errorCode() const;
    /// detail of the error envelope when it is a string.
    std::string detail() const;
};

/// Percent-encodes every byte outside RFC 3986 "unreserved" (and '/' unless `keepSlash`).
std::string percentEncode(const std::string& s, bool keepSlash = false);

/// "sqlite" or "postgresql" (env HUB_TEST_DB, default sqlite).
std::string testDatabaseKind();

class ServerProcess {
public:
    ServerProcess();
    ~ServerProcess();

    /// Extra command-line arguments (each "--set", "k=v" pair etc.), env additions, and
    /// whether to wait for the "listening on" line.
    bool start(const std::vector<std::string>& args = {}, const std::map<std::string, std::string>& env = {},
               bool waitForListening = true);
    /// Runs hubd to completion with `args` (for --check-config and subcommands).
    int runToExit(const std::vector<std::string>& args, const std::map<std::string, std::string>& env = {},
                  const std::string& stdinText = "", int timeoutSeconds = 60);
    /// SIGTERM and wait; returns the exit code (or -1 on timeout, after SIGKILL).
    int stop(int timeoutSeconds = 40);
    void kill();
    bool running() const { return pid_ > 0; }

    int port() const { return port_; }
    const std::string& dataDir() const { return dataDir_; }
    const std::string& databaseUrl() const { return databaseUrl_; }
    std::string stdoutText() const;
    std::string stderrText() const;
    /// Waits (up to `timeoutMs`) until standard error contains `text`; logs arrive through a
    /// pipe read by another thread, so a just-written line may not be here yet.
    bool waitForStderr(const std::string& text, int timeoutMs = 3000) const;

    Response request(const std::string& method, const std::string& path, const std::string& body = "",
                     const std::map<std::string, std::string>& headers = {}) const;
    Response get(const std::string& path, const std::map<std::string, std::string>& headers = {}) const {
        return request("GET", path, "", headers);
    }
    Response postJson(const std::string& path, const std::string& body,
                      const std::map<std::string, std::string>& headers = {}) const;
    /// Sends raw bytes on a new connection and returns everything read until close/timeout.
    std::string raw(const std::string& bytes, int timeoutMs = 3000) const;

    // Helpers built on the API.
    Response registerUser(const std::string& username, const std::string& password = "correct horse 1",
                          const std::string& email = "") const;
    std::string login(const std::string& username, const std::string& password = "correct horse 1") const;
    static std::map<std::string, std::string> bearer(const std::string& token);
    static std::map<std::string, std::string> basic(const std::string& user, const std::string& password);

    /// Runs a query with one integer result against the server's database.
    long long scalar(const std::string& sql) const;
    /// Runs a query with one text result against the server's database.
    std::string text(const std::string& sql) const;
    /// Executes SQL against the server's database; `params` bind to $1..$n.
    void execute(const std::string& sql, const std::vector<std::string>& params = {}) const;

    static std::string hubdPath();
    /// A directory of test plugins under the build tree ("good", "bad/<case>").
    static std::string pluginDir(const std::string& name);
    /// Where the bundled plugins (files, ...) are built.
    static std::string bundledPluginDir() { return HUB_BUNDLED_PLUGIN_DIR; }

private:
    std::vector<std::string> commandLine(const std::vector<std::string>& args, bool serve) const;
    static pid_t spawn(const std::vector<std::string>& argv, const std::map<std::string, std::string>& env,
                       int* inFd, int& outFd, int& errFd);
    void createDatabase();
    void dropDatabase();
    void readerLoop(int fd, std::string& sink);

    std::string dataDir_;
    std::string databaseUrl_;
    std::string pgDatabase_;
    int port_ = 0;
    pid_t pid_ = 0;
    int outFd_ = -1;
    int errFd_ = -1;
    mutable std::mutex mutex_;
    std::string out_;
    std::string err_;
    std::thread outThread_;
    std::thread errThread_;
};

}  // namespace hub::tests
