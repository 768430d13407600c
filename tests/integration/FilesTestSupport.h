// Shared helpers for the files plugin integration tests (FilesTest, FilesAccessTest,
// FilesTransferTest): a fixture that starts hubd with the bundled plugins, users, uploads,
// multipart bodies, percent-encoding, a plain POSIX socket for half-sent requests and slow
// downloads, and blob-directory inspection.
#pragma once

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>
#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/String.h>

#include "ServerProcess.h"
#include "hub/sdk/Json.h"

namespace hub::tests::files {

namespace fs = std::filesystem;
using Headers = std::map<std::string, std::string>;

// ---------------------------------------------------------------------------------------
// Small value helpers.

/// Percent-encodes a path, keeping '/' as the separator.
inline std::string enc(const std::string& path) { return percentEncode(path, true); }

inline std::string filesUrl(const std::string& path) { return "/api/v1/files/" + enc(path); }
inline std::string idUrl(const std::string& id, const std::string& suffix = "") {
    return "/api/v1/files/id/" + id + suffix;
}

inline Poco::JSON::Array::Ptr arr(const Response& r) { return r.json().extract<Poco::JSON::Array::Ptr>(); }

inline std::string str(const Poco::JSON::Object::Ptr& o, const std::string& key) {
    return o->getValue<std::string>(key);
}

/// Names ("name" key) of the objects in an array.
inline std::vector<std::string> names(const Poco::JSON::Array::Ptr& a, const std::string& key = "name") {
    std::vector<std::string> out;
    for (std::size_t i = 0; i < a->size(); ++i) out.push_back(a->getObject(static_cast<unsigned>(i))->getValue<std::string>(key));
    return out;
}

/// The element of `a` whose `key` equals `value` (null when absent).
inline Poco::JSON::Object::Ptr findBy(const Poco::JSON::Array::Ptr& a, const std::string& key,
                                      const std::string& value) {
    if (!a) return nullptr;
    for (std::size_t i = 0; i < a->size(); ++i) {
        auto o = a->getObject(static_cast<unsigned>(i));
        if (o && o->has(key) && o->get(key).isString() && o->getValue<std::string>(key) == value) return o;
    }
    return nullptr;
}

/// error.message of the error envelope ("" when absent).
inline std::string errorMessage(const Response& r) {
    try {
        return r.object()->getObject("error")->getValue<std::string>("message");
    } catch (...) {
        return "";
    }
}

/// Deterministic pseudo-random bytes (every byte value appears).
inline std::string pattern(std::size_t n, unsigned seed) {
    std::string s(n, '\0');
    std::mt19937 gen(seed);
    for (std::size_t i = 0; i < n; ++i) s[i] = static_cast<char>(gen() & 0xff);
    return s;
}

/// All 256 byte values, twice, NUL and 0xFF included.
inline std::string allBytes() {
    std::string s;
    for (int round = 0; round < 2; ++round) {
        for (int i = 0; i < 256; ++i) s += static_cast<char>(i);
    }
    return s;
}

struct Part {
    std::string name;
    std::optional<std::string> filename;
    std::string content;
    std::string contentType = "application/octet-stream";
};

inline const std::string kBoundary = "----HubFilesTestBoundary7MA4YWxkTrZu0gW";

inline std::string multipartBody(const std::vector<Part>& parts, const std::string& boundary = kBoundary,
                                 bool closing = true) {
    std::string b;
    for (const auto& p : parts) {
        b += "--" + boundary + "\r\n";
        b += "Content-Disposition: form-data; name=\"" + p.name + "\"";
        if (p.filename) b += "; filename=\"" + *p.filename + "\"";
        b += "\r\n";
        if (p.filename) b += "Content-Type: " + p.contentType + "\r\n";
        b += "\r\n" + p.content + "\r\n";
    }
    if (closing) b += "--" + boundary + "--\r\n";
    return b;
}

inline Headers multipartHeaders(const Headers& auth, const std::string& boundary = kBoundary) {
    Headers h = auth;
    h["Content-Type"] = "multipart/form-data; boundary=" + boundary;
    return h;
}

inline std::string json(const Poco::JSON::Object::Ptr& o) { return sdk::json::stringify(o); }

// ---------------------------------------------------------------------------------------
// Raw HTTP over a plain socket: for requests sent in pieces, half-sent bodies and slow reads.

struct RawResponse {
    int status = 0;
    std::map<std::string, std::string> headers;  ///< lower-cased names
    std::string body;
    bool complete = false;  ///< the whole head was read

    std::string header(const std::string& name) const {
        auto it = headers.find(Poco::toLower(name));
        return it == headers.end() ? "" : it->second;
    }
};

/// Parses "HTTP/1.1 200 OK\r\nA: b\r\n\r\nbody" (body = everything after the head).
inline RawResponse parseRawResponse(const std::string& bytes) {
    RawResponse r;
    auto end = bytes.find("\r\n\r\n");
    if (bytes.rfind("HTTP/", 0) != 0 || end == std::string::npos) return r;
    r.complete = true;
    std::string head = bytes.substr(0, end);
    r.body = bytes.substr(end + 4);
    std::istringstream in(head);
    std::string line;
    std::getline(in, line);
    auto sp = line.find(' ');
    if (sp != std::string::npos) r.status = std::atoi(line.c_str() + sp + 1);
    while (std::getline(in, line)) {
        if (!line.empty() && line.back() == '\r') line.pop_back();
        auto colon = line.find(':');
        if (colon == std::string::npos) continue;
        r.headers[Poco::toLower(line.substr(0, colon))] = Poco::trim(line.substr(colon + 1));
    }
    return r;
}

/// A blocking TCP connection to 127.0.0.1:port that never throws and never raises SIGPIPE.
class RawConn {
public:
    /// `receiveBuffer` > 0 shrinks SO_RCVBUF before connecting (so a download stalls the server).
    explicit RawConn(int port, int receiveBuffer = 0) {
        fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
        if (fd_ < 0) return;
        if (receiveBuffer > 0) ::setsockopt(fd_, SOL_SOCKET, SO_RCVBUF, &receiveBuffer, sizeof receiveBuffer);
        sockaddr_in addr{};
        addr.sin_family = AF_INET;
        addr.sin_port = htons(static_cast<uint16_t>(port));
        addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        if (::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) close();
    }
    ~RawConn() { close(); }
    RawConn(const RawConn&) = delete;
    RawConn& operator=(const RawConn&) = delete;

    bool ok() const { return fd_ >= 0; }

    /// Sends everything; false once the peer has gone (EPIPE/ECONNRESET).
    bool send(const std::string& bytes) {
        std::size_t off = 0;
        while (fd_ >= 0 && off < bytes.size()) {
            ssize_t n = ::send(fd_, bytes.data() + off, bytes.size() - off, MSG_NOSIGNAL);
            if (n < 0 && errno == EINTR) continue;
            if (n <= 0) return false;
            off += static_cast<std::size_t>(n);
        }
        return fd_ >= 0;
    }

    void shutdownWrite() {
        if (fd_ >= 0) ::shutdown(fd_, SHUT_WR);
    }

    /// Reads until `n` bytes arrived, the peer closed, or `timeoutMs` of silence.
    std::string read(std::size_t n, int timeoutMs = 10000) {
        std::string out;
        char buf[65536];
        while (fd_ >= 0 && out.size() < n) {
            pollfd p{fd_, POLLIN, 0};
            int pr = ::poll(&p, 1, timeoutMs);
            if (pr <= 0) break;
            ssize_t got = ::recv(fd_, buf, std::min(sizeof buf, n - out.size()), 0);
            if (got < 0 && errno == EINTR) continue;
            if (got <= 0) break;
            out.append(buf, static_cast<std::size_t>(got));
        }
        return out;
    }

    /// Reads the response head; the body bytes that came with it are kept in `pending`.
    RawResponse readHead(int timeoutMs = 10000) {
        while (pending_.find("\r\n\r\n") == std::string::npos) {
            std::string more = read(1, timeoutMs);
            if (more.empty()) break;
            pending_ += more;
            std::string rest = read(65536, 0);
            pending_ += rest;
        }
        RawResponse r = parseRawResponse(pending_);
        pending_ = r.body;
        r.body.clear();
        return r;
    }

    /// Reads exactly `n` body bytes after readHead() (fewer if the peer closed).
    std::string readBody(std::size_t n, int timeoutMs = 10000) {
        std::string out = pending_.substr(0, std::min(n, pending_.size()));
        pending_.erase(0, out.size());
        if (out.size() < n) out += read(n - out.size(), timeoutMs);
        return out;
    }

    /// A full response: head, then Content-Length bytes of body (or until close).
    RawResponse readResponse(bool expectBody = true, int timeoutMs = 10000) {
        RawResponse r = readHead(timeoutMs);
        if (!r.complete || !expectBody) return r;
        std::string cl = r.header("Content-Length");
        r.body = readBody(cl.empty() ? std::string::npos : std::stoull(cl), timeoutMs);
        return r;
    }

    void close() {
        if (fd_ >= 0) ::close(fd_);
        fd_ = -1;
    }

private:
    int fd_ = -1;
    std::string pending_;
};

inline std::string requestHead(const std::string& method, const std::string& target, const Headers& headers) {
    std::string h = method + " " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\n";
    for (const auto& [k, v] : headers) h += k + ": " + v + "\r\n";
    return h + "\r\n";
}

/// One chunk of a chunked body.
inline std::string chunk(const std::string& data) {
    std::ostringstream out;
    out << std::hex << data.size() << "\r\n" << data << "\r\n";
    return out.str();
}

// ---------------------------------------------------------------------------------------
// The storage engine on disk: chunk files under <dataDir>/blobs/chunks/<scope>/<2 hex>/<hash>
// (a 16-byte "HUBC" header, then the payload), temp files in <dataDir>/blobs/tmp.

inline std::vector<fs::path> chunkFiles(const std::string& dataDir) {
    std::vector<fs::path> out;
    fs::path root = fs::path(dataDir) / "blobs" / "chunks";
    std::error_code ec;
    if (!fs::exists(root, ec)) return out;
    for (auto it = fs::recursive_directory_iterator(root, ec); it != fs::recursive_directory_iterator(); it.increment(ec)) {
        if (ec) break;
        if (it->is_regular_file(ec)) out.push_back(it->path());
    }
    return out;
}

inline std::string readFile(const fs::path& p);

/// The plaintext length recorded in a chunk file's header.
inline uint64_t chunkPlainSize(const fs::path& p) {
    std::string bytes = readFile(p);
    if (bytes.size() < 16 || bytes.compare(0, 4, "HUBC") != 0) return 0;
    uint64_t v = 0;
    for (int i = 3; i >= 0; --i) v = (v << 8) | static_cast<unsigned char>(bytes[8 + static_cast<std::size_t>(i)]);
    return v;
}

/// The payload of a chunk stored neither compressed nor encrypted (small or random data);
/// "<encoded>" otherwise.
inline std::string chunkPlaintext(const fs::path& p) {
    std::string bytes = readFile(p);
    if (bytes.size() < 16 || bytes.compare(0, 4, "HUBC") != 0 || bytes[5] != 0) return "<encoded>";
    return bytes.substr(16);
}

/// Plaintext bytes held by all chunk files together.
inline uint64_t storedPlainBytes(const std::string& dataDir) {
    uint64_t total = 0;
    for (const auto& p : chunkFiles(dataDir)) total += chunkPlainSize(p);
    return total;
}

inline std::vector<fs::path> tmpEntries(const std::string& dataDir) {
    std::vector<fs::path> out;
    std::error_code ec;
    for (const auto& e : fs::directory_iterator(fs::path(dataDir) / "blobs" / "tmp", ec)) out.push_back(e.path());
    return out;
}

inline std::string readFile(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

// ---------------------------------------------------------------------------------------
// Killing and restarting the hubd of a ServerProcess.
//
// ServerProcess::kill() leaves the stdout/stderr reader threads joinable, so a later start()
// on the same object would std::terminate, and start() after stop() finds the previous run's
// "listening on" line. So: SIGKILL the child by its pid (found in /proc: our child, running
// hubd with this data dir), reap it with stop() (which also joins the readers), clear the
// captured output with a no-op runToExit(), then start() again.

inline pid_t hubdChildPid(const std::string& dataDir) {
    std::error_code ec;
    for (const auto& e : fs::directory_iterator("/proc", ec)) {
        std::string name = e.path().filename().string();
        if (name.empty() || name.find_first_not_of("0123456789") != std::string::npos) continue;
        std::string stat = readFile(e.path() / "stat");
        auto close = stat.rfind(')');
        if (close == std::string::npos) continue;
        std::istringstream rest(stat.substr(close + 2));
        std::string state;
        long ppid = 0;
        rest >> state >> ppid;
        if (ppid != static_cast<long>(::getpid())) continue;
        std::string cmd = readFile(e.path() / "cmdline");
        std::vector<std::string> argv;
        std::size_t pos = 0;
        while (pos < cmd.size()) {
            auto nul = cmd.find('\0', pos);
            argv.push_back(cmd.substr(pos, nul == std::string::npos ? std::string::npos : nul - pos));
            if (nul == std::string::npos) break;
            pos = nul + 1;
        }
        if (argv.empty() || argv[0] != ServerProcess::hubdPath()) continue;
        for (std::size_t i = 0; i + 1 < argv.size(); ++i) {
            if (argv[i] == "--data-dir" && argv[i + 1] == dataDir) return static_cast<pid_t>(std::stol(name));
        }
    }
    return 0;
}

/// SIGKILLs the running hubd of `server` and reaps it; returns its exit status (137).
inline int sigkill(ServerProcess& server) {
    pid_t pid = hubdChildPid(server.dataDir());
    if (pid <= 0) return -1;
    ::kill(pid, SIGKILL);
    return server.stop(10);
}

inline bool restart(ServerProcess& server, const std::vector<std::string>& args) {
    server.runToExit({"--help"});  // clears the captured output of the previous run
    return server.start(args);
}

// ---------------------------------------------------------------------------------------
// The fixture.

struct User {
    std::string name;
    std::string password;
    std::string id;
    std::string token;
    Headers auth() const { return ServerProcess::bearer(token); }
    Headers basicAuth() const { return ServerProcess::basic(name, password); }
};

/// A plugin directory holding only the files plugin, copied from the bundled plugin dir once
/// per test process: the tests neither load the other bundled plugins nor trip over one of
/// them being rebuilt while they run. Removed when the process exits.
inline std::string filesPluginDir() {
    struct Dir {
        fs::path path;
        Dir() {
            path = fs::temp_directory_path() / ("hub-files-plugin-" + std::to_string(::getpid()));
            fs::remove_all(path);
            fs::create_directories(path);
            fs::copy_file(fs::path(ServerProcess::bundledPluginDir()) / "hub_files.so", path / "hub_files.so",
                          fs::copy_options::overwrite_existing);
        }
        ~Dir() {
            std::error_code ec;
            fs::remove_all(path, ec);
        }
    };
    static const Dir dir;
    return dir.path.string();
}

inline std::vector<std::string> filesServerArgs(const std::vector<std::string>& extra = {}) {
    std::vector<std::string> args{"--set", "plugin_search_path=[" + filesPluginDir() + "]",
                                  "--set", "auth.password.argon2_memory_kib=8192",
                                  "--set", "auth.password.argon2_iterations=1",
                                  "--set", "logging.access_log=false"};
    args.insert(args.end(), extra.begin(), extra.end());
    return args;
}

class FilesFixture : public ::testing::Test {
protected:
    void startServer(const std::vector<std::string>& extra = {}) {
        args_ = filesServerArgs(extra);
        ASSERT_TRUE(server_.start(args_)) << server_.stderrText();
    }

    User addUser(const std::string& name) {
        User u{name, "correct horse 1", "", ""};
        auto r = server_.registerUser(name, u.password);
        EXPECT_EQ(r.status, 201) << r.body;
        if (r.status == 201) u.id = r.object()->getValue<std::string>("id");
        u.token = server_.login(name, u.password);
        EXPECT_FALSE(u.token.empty()) << "login failed for " << name;
        return u;
    }

    /// PUT /api/v1/files/{path} with a raw body.
    Response put(const User& u, const std::string& path, const std::string& bytes) const {
        Headers h = u.auth();
        h["Content-Type"] = "application/octet-stream";
        return server_.request("PUT", filesUrl(path), bytes, h);
    }
    /// PUT that must succeed (201 or 200); returns the file entry.
    Poco::JSON::Object::Ptr putOk(const User& u, const std::string& path, const std::string& bytes) {
        Response r = put(u, path, bytes);
        EXPECT_TRUE(r.status == 201 || r.status == 200) << path << ": " << r.status << " " << r.body;
        if (r.status != 201 && r.status != 200) return new Poco::JSON::Object;
        return r.object();
    }
    /// POST /api/v1/files/{path} as multipart with the bytes in field "file".
    Response upload(const User& u, const std::string& path, const std::string& bytes,
                    const std::string& filename = "upload.bin") const {
        return server_.request("POST", filesUrl(path), multipartBody({{"file", filename, bytes}}),
                               multipartHeaders(u.auth()));
    }
    Response mkdir(const User& u, const std::string& path) const {
        return server_.request("POST", "/api/v1/folders/" + enc(path), "", u.auth());
    }
    Response getContent(const User& u, const std::string& path) const {
        return server_.get(filesUrl(path) + "/content", u.auth());
    }
    Response getRaw(const User& u, const std::string& path, Headers extra = {}) const {
        for (const auto& [k, v] : u.auth()) extra[k] = v;
        return server_.get(filesUrl(path) + "/raw", extra);
    }
    Response patch(const User& u, const std::string& path, const std::string& body) const {
        Headers h = u.auth();
        h["Content-Type"] = "application/json";
        return server_.request("PATCH", filesUrl(path), body, h);
    }
    Response del(const User& u, const std::string& path) const {
        return server_.request("DELETE", filesUrl(path), "", u.auth());
    }
    Response list(const User& u) const { return server_.get("/api/v1/files/", u.auth()); }
    Response tree(const User& u) const { return server_.get("/api/v1/files/tree", u.auth()); }

    static std::string shareBody(const std::string& key, const std::string& who, bool read = true, bool write = false,
                                 bool reshare = false, std::optional<Poco::Dynamic::Var> expires = std::nullopt) {
        auto o = sdk::json::object();
        o->set(key, who);
        auto p = sdk::json::object();
        p->set("read", read);
        p->set("write", write);
        p->set("reshare", reshare);
        o->set("permissions", p);
        if (expires) o->set("expires_at", *expires);
        return sdk::json::stringify(o);
    }
    /// POST /api/v1/files/{path}/share as `owner`.
    Response share(const User& owner, const std::string& path, const std::string& body) const {
        return server_.postJson(filesUrl(path) + "/share", body, owner.auth());
    }
    /// POST /api/v1/files/id/{id}/share as `who`.
    Response shareById(const User& who, const std::string& id, const std::string& body) const {
        return server_.postJson(idUrl(id, "/share"), body, who.auth());
    }

    long long rows(const std::string& where = "") const {
        return server_.scalar("SELECT COUNT(*) FROM user_files" + (where.empty() ? "" : " WHERE " + where));
    }
    long long shareRows() const {
        return server_.scalar("SELECT COUNT(*) FROM access_grants WHERE resource_type IN ('file', 'folder')");
    }
    /// Rows at `path` (any owner); paths in tests never contain quotes.
    long long rowsAt(const std::string& path) const { return rows("file_path = '" + path + "'"); }

    ServerProcess server_;
    std::vector<std::string> args_;
};

}  // namespace hub::tests::files
