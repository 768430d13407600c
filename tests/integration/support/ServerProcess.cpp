#include "ServerProcess.h"

#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <sstream>
#include <sys/wait.h>
#include <unistd.h>

#include <Poco/Base64Encoder.h>
#include <Poco/Data/Session.h>
#include <Poco/Data/Statement.h>
#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/Net/SocketAddress.h>
#include <Poco/Net/StreamSocket.h>
#include <Poco/StreamCopier.h>

#include "db/Database.h"
#include "hub/sdk/Json.h"

namespace fs = std::filesystem;
using namespace Poco::Data::Keywords;

namespace hub::tests {
namespace {

std::atomic<int> gCounter{0};

std::string envOr(const char* name, const std::string& fallback) {
    const char* v = std::getenv(name);
    return v && *v ? v : fallback;
}

}  // namespace

Poco::Dynamic::Var Response::json() const { return sdk::json::parseStrict(body); }

Poco::JSON::Object::Ptr Response::object() const { return sdk::json::parseStrictObject(body); }

std::string Response::header(const std::string& name) const { return headers.get(name, ""); }

std::string Response::errorCode() const {
    try {
        auto o = object();
        if (!o->has("error")) return "";
        return o->getObject("error")->getValue<std::string>("code");
    } catch (...) {
        return "";
    }
}

std::string Response::detail() const {
    try {
        auto o = object();
        auto d = o->get("detail");
        return d.isString() ? d.convert<std::string>() : std::string();
    } catch (...) {
        return "";
    }
}

std::string percentEncode(const std::string& s, bool keepSlash) {
    static const char* hex = "0123456789ABCDEF";
    std::string out;
    for (unsigned char c : s) {
        bool keep = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
                    c == '.' || c == '_' || c == '~' || (keepSlash && c == '/');
        if (keep) {
            out += static_cast<char>(c);
        } else {
            out += '%';
            out += hex[c >> 4];
            out += hex[c & 0xf];
        }
    }
    return out;
}

std::string testDatabaseKind() { return envOr("HUB_TEST_DB", "sqlite"); }

std::string ServerProcess::hubdPath() { return HUBD_PATH; }

std::string ServerProcess::pluginDir(const std::string& name) {
    return std::string(HUB_TEST_PLUGIN_DIR) + "/" + name;
}

ServerProcess::ServerProcess() {
    int n = gCounter++;
    dataDir_ = (fs::temp_directory_path() /
                ("hub-it-" + std::to_string(::getpid()) + "-" + std::to_string(n)))
                   .string();
    fs::remove_all(dataDir_);
    fs::create_directories(dataDir_);
    if (testDatabaseKind() == "postgresql") {
        pgDatabase_ = "hub_it_" + std::to_string(::getpid()) + "_" + std::to_string(n);
        createDatabase();
        std::string base = envOr("HUB_TEST_PG_URL", "postgresql://postgres@127.0.0.1:55432/postgres");
        databaseUrl_ = base.substr(0, base.rfind('/') + 1) + pgDatabase_;
    } else {
        databaseUrl_ = "sqlite://" + dataDir_ + "/hub.db";
    }
}

ServerProcess::~ServerProcess() {
    if (pid_ > 0) kill();
    if (outThread_.joinable()) outThread_.join();
    if (errThread_.joinable()) errThread_.join();
    if (!pgDatabase_.empty()) dropDatabase();
    std::error_code ec;
    fs::remove_all(dataDir_, ec);
}

void ServerProcess::createDatabase() {
    std::string base = envOr("HUB_TEST_PG_URL", "postgresql://postgres@127.0.0.1:55432/postgres");
    core::Database db(core::DatabaseUrl::parse(base, 5), core::DatabaseOptions{1, 2, 10, 1000});
    Poco::Data::Session s = db.session();
    s << "DROP DATABASE IF EXISTS " + pgDatabase_, now;
    s << "CREATE DATABASE " + pgDatabase_, now;
}

void ServerProcess::dropDatabase() {
    try {
        std::string base = envOr("HUB_TEST_PG_URL", "postgresql://postgres@127.0.0.1:55432/postgres");
        core::Database db(core::DatabaseUrl::parse(base, 5), core::DatabaseOptions{1, 2, 10, 1000});
        Poco::Data::Session s = db.session();
        s << "DROP DATABASE IF EXISTS " + pgDatabase_ + " WITH (FORCE)", now;
    } catch (...) {
    }
}

void ServerProcess::readerLoop(int fd, std::string& sink) {
    char buf[4096];
    while (true) {
        ssize_t n = ::read(fd, buf, sizeof buf);
        if (n <= 0) break;
        std::lock_guard<std::mutex> lock(mutex_);
        sink.append(buf, static_cast<std::size_t>(n));
    }
    ::close(fd);
}

std::vector<std::string> ServerProcess::commandLine(const std::vector<std::string>& args, bool serve) const {
    std::vector<std::string> argv{hubdPath(), "--data-dir", dataDir_, "--database-url", databaseUrl_};
    if (serve) {
        argv.push_back("--port");
        argv.push_back("0");
    }
    bool hasSearchPath = false;
    for (const auto& a : args) {
        if (a.rfind("plugin_search_path=", 0) == 0) hasSearchPath = true;
    }
    if (!hasSearchPath) {
        // Hermetic by default: no plugins unless a test asks for some.
        fs::create_directories(pluginDir("none"));
        argv.push_back("--set");
        argv.push_back("plugin_search_path=[" + pluginDir("none") + "]");
    }
    argv.insert(argv.end(), args.begin(), args.end());
    return argv;
}

pid_t ServerProcess::spawn(const std::vector<std::string>& argv, const std::map<std::string, std::string>& env,
                           int* inFd, int& outFd, int& errFd) {
    int inPipe[2] = {-1, -1}, outPipe[2], errPipe[2];
    if ((inFd && ::pipe(inPipe) != 0) || ::pipe(outPipe) != 0 || ::pipe(errPipe) != 0) return -1;
    pid_t pid = ::fork();
    if (pid == 0) {
        if (inFd) ::dup2(inPipe[0], 0);
        ::dup2(outPipe[1], 1);
        ::dup2(errPipe[1], 2);
        for (int fd : {inPipe[0], inPipe[1], outPipe[0], outPipe[1], errPipe[0], errPipe[1]}) {
            if (fd >= 0) ::close(fd);
        }
        // The test decides the environment hubd sees; nothing leaks in from the CI shell.
        for (const char* name : {"DATABASE_URL", "API_USERNAME", "API_PASSWORD", "HUB_JWT_SECRET", "JWT_SECRET_KEY", "HUB_PORT"}) {
            ::unsetenv(name);
        }
        for (const auto& [k, v] : env) ::setenv(k.c_str(), v.c_str(), 1);
        std::vector<std::string> copy = argv;
        std::vector<char*> cargs;
        for (auto& a : copy) cargs.push_back(a.data());
        cargs.push_back(nullptr);
        ::execv(cargs[0], cargs.data());
        ::_exit(127);
    }
    if (inFd) {
        ::close(inPipe[0]);
        *inFd = inPipe[1];
    }
    ::close(outPipe[1]);
    ::close(errPipe[1]);
    outFd = outPipe[0];
    errFd = errPipe[0];
    return pid;
}

bool ServerProcess::start(const std::vector<std::string>& args, const std::map<std::string, std::string>& env,
                          bool waitForListening) {
    if (outThread_.joinable()) outThread_.join();
    if (errThread_.joinable()) errThread_.join();
    {
        // A restart on the same data dir must not see the previous run's "listening on".
        std::lock_guard<std::mutex> lock(mutex_);
        out_.clear();
        err_.clear();
    }
    port_ = 0;
    pid_ = spawn(commandLine(args, true), env, nullptr, outFd_, errFd_);
    if (pid_ <= 0) return false;
    outThread_ = std::thread([this] { readerLoop(outFd_, out_); });
    errThread_ = std::thread([this] { readerLoop(errFd_, err_); });
    if (!waitForListening) return true;

    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (std::chrono::steady_clock::now() < deadline) {
        {
            std::lock_guard<std::mutex> lock(mutex_);
            auto pos = out_.find("listening on http://");
            if (pos != std::string::npos) {
                auto eol = out_.find('\n', pos);
                if (eol != std::string::npos) {
                    std::string line = out_.substr(pos, eol - pos);
                    port_ = std::stoi(line.substr(line.rfind(':') + 1));
                    return true;
                }
            }
        }
        int status = 0;
        if (::waitpid(pid_, &status, WNOHANG) == pid_) {
            pid_ = 0;
            // Everything it printed is in the pipes: read it all before the caller looks.
            if (outThread_.joinable()) outThread_.join();
            if (errThread_.joinable()) errThread_.join();
            return false;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return false;
}

int ServerProcess::runToExit(const std::vector<std::string>& args, const std::map<std::string, std::string>& env,
                             const std::string& stdinText, int timeoutSeconds) {
    int inFd = -1, outFd = -1, errFd = -1;
    pid_t pid = spawn(commandLine(args, false), env, &inFd, outFd, errFd);
    if (pid <= 0) return -1;
    if (!stdinText.empty()) {
        ssize_t w = ::write(inFd, stdinText.data(), stdinText.size());
        (void)w;
    }
    ::close(inFd);
    {
        std::lock_guard<std::mutex> lock(mutex_);
        out_.clear();
        err_.clear();
    }
    std::thread t1([this, outFd] { readerLoop(outFd, out_); });
    std::thread t2([this, errFd] { readerLoop(errFd, err_); });
    int status = 0;
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(timeoutSeconds);
    while (::waitpid(pid, &status, WNOHANG) == 0) {
        if (std::chrono::steady_clock::now() > deadline) {
            ::kill(pid, SIGKILL);
            ::waitpid(pid, &status, 0);
            t1.join();
            t2.join();
            return -1;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    t1.join();
    t2.join();
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

int ServerProcess::stop(int timeoutSeconds) {
    if (pid_ <= 0) return -1;
    ::kill(pid_, SIGTERM);
    int status = 0;
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(timeoutSeconds);
    while (::waitpid(pid_, &status, WNOHANG) == 0) {
        if (std::chrono::steady_clock::now() > deadline) {
            kill();
            return -1;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    pid_ = 0;
    if (outThread_.joinable()) outThread_.join();
    if (errThread_.joinable()) errThread_.join();
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

void ServerProcess::kill() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGKILL);
    int status = 0;
    ::waitpid(pid_, &status, 0);
    pid_ = 0;
    // The pipes close with the process: the readers finish, and start() may be called again.
    if (outThread_.joinable()) outThread_.join();
    if (errThread_.joinable()) errThread_.join();
}

std::string ServerProcess::stdoutText() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return out_;
}

std::string ServerProcess::stderrText() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return err_;
}

bool ServerProcess::waitForStderr(const std::string& text, int timeoutMs) const {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeoutMs);
    while (std::chrono::steady_clock::now() < deadline) {
        if (stderrText().find(text) != std::string::npos) return true;
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return stderrText().find(text) != std::string::npos;
}

Response ServerProcess::request(const std::string& method, const std::string& path, const std::string& body,
                                const std::map<std::string, std::string>& headers) const {
    Poco::Net::HTTPClientSession session("127.0.0.1", static_cast<Poco::UInt16>(port_));
    session.setTimeout(Poco::Timespan(30, 0));
    Poco::Net::HTTPRequest req(method, path, Poco::Net::HTTPMessage::HTTP_1_1);
    for (const auto& [k, v] : headers) req.set(k, v);
    if (!body.empty() || method == "POST" || method == "PUT" || method == "PATCH") {
        req.setContentLength64(static_cast<Poco::Int64>(body.size()));
    }
    std::ostream& os = session.sendRequest(req);
    os << body;
    Poco::Net::HTTPResponse resp;
    std::istream& is = session.receiveResponse(resp);
    Response out;
    out.status = static_cast<int>(resp.getStatus());
    for (const auto& [k, v] : resp) out.headers.add(k, v);
    if (method != "HEAD") Poco::StreamCopier::copyToString(is, out.body);
    return out;
}

Response ServerProcess::postJson(const std::string& path, const std::string& body,
                                 const std::map<std::string, std::string>& headers) const {
    auto h = headers;
    h["Content-Type"] = "application/json";
    return request("POST", path, body, h);
}

std::string ServerProcess::raw(const std::string& bytes, int timeoutMs) const {
    Poco::Net::StreamSocket s(Poco::Net::SocketAddress("127.0.0.1", static_cast<Poco::UInt16>(port_)));
    s.setReceiveTimeout(Poco::Timespan(0, timeoutMs * 1000));
    s.sendBytes(bytes.data(), static_cast<int>(bytes.size()));
    std::string out;
    char buf[4096];
    try {
        while (true) {
            int n = s.receiveBytes(buf, sizeof buf);
            if (n <= 0) break;
            out.append(buf, static_cast<std::size_t>(n));
        }
    } catch (const Poco::Exception&) {
    }
    return out;
}

Response ServerProcess::registerUser(const std::string& username, const std::string& password,
                                     const std::string& email) const {
    auto body = sdk::json::object();
    body->set("username", username);
    body->set("email", email.empty() ? username + "@example.com" : email);
    body->set("password", password);
    return postJson("/api/v1/auth/register", sdk::json::stringify(body));
}

std::string ServerProcess::login(const std::string& username, const std::string& password) const {
    auto body = sdk::json::object();
    body->set("username", username);
    body->set("password", password);
    Response r = postJson("/api/v1/auth/login", sdk::json::stringify(body));
    if (r.status != 200) return "";
    return r.object()->getValue<std::string>("access_token");
}

std::map<std::string, std::string> ServerProcess::bearer(const std::string& token) {
    return {{"Authorization", "Bearer " + token}};
}

std::map<std::string, std::string> ServerProcess::basic(const std::string& user, const std::string& password) {
    std::ostringstream out;
    Poco::Base64Encoder enc(out);
    enc.rdbuf()->setLineLength(0);
    enc << user << ":" << password;
    enc.close();
    return {{"Authorization", "Basic " + out.str()}};
}

long long ServerProcess::scalar(const std::string& sql) const {
    core::Database db(core::DatabaseUrl::parse(databaseUrl_, 5), core::DatabaseOptions{1, 2, 10, 5000});
    Poco::Data::Session s = db.session();
    Poco::Int64 v = 0;
    s << sql, into(v), now;
    return v;
}

std::string ServerProcess::text(const std::string& sql) const {
    core::Database db(core::DatabaseUrl::parse(databaseUrl_, 5), core::DatabaseOptions{1, 2, 10, 5000});
    Poco::Data::Session s = db.session();
    std::string v;
    s << sql, into(v), now;
    return v;
}

void ServerProcess::execute(const std::string& sql, const std::vector<std::string>& params) const {
    core::Database db(core::DatabaseUrl::parse(databaseUrl_, 5), core::DatabaseOptions{1, 2, 10, 5000});
    Poco::Data::Session s = db.session();
    Poco::Data::Statement st(s);
    st << sql;
    std::vector<std::string> values = params;
    for (auto& v : values) st, use(v);
    st.execute();
}

}  // namespace hub::tests
