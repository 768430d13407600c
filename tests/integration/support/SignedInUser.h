// What the access, sharing, chat and activity tests share: a hubd with every bundled plugin
// and cheap password hashing, and users registered and signed in over the API.
#pragma once

#include <iostream>
#include <map>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "ServerProcess.h"

namespace hub::tests {

/// hubd arguments: the bundled plugins, no access log, fast argon2id, an echo provider that
/// does not pause between chunks; then `extra`.
inline std::vector<std::string> allPluginsArgs(const std::vector<std::string>& extra = {}) {
    std::vector<std::string> args{"--set", "plugin_search_path=[" + ServerProcess::bundledPluginDir() + "]",
                                  "--set", "logging.access_log=false",
                                  "--set", "auth.password.argon2_memory_kib=8192",
                                  "--set", "auth.password.argon2_iterations=1",
                                  "--set", "plugins.chat.config.echo_chunk_delay_ms=0"};
    args.insert(args.end(), extra.begin(), extra.end());
    return args;
}

struct SignedInUser {
    std::string name;
    std::string id;
    std::string token;
    std::map<std::string, std::string> auth() const { return ServerProcess::bearer(token); }
    std::map<std::string, std::string> json() const {
        auto h = auth();
        h["Content-Type"] = "application/json";
        return h;
    }
};

/// Registers `name` (ServerProcess's default password) and signs in.
inline SignedInUser signUp(const ServerProcess& server, const std::string& name) {
    SignedInUser u{name, "", ""};
    auto r = server.registerUser(name);
    EXPECT_EQ(r.status, 201) << r.body;
    if (r.status == 201) u.id = r.object()->getValue<std::string>("id");
    u.token = server.login(name);
    EXPECT_FALSE(u.token.empty()) << "login failed for " << name;
    return u;
}

/// An advisor of `u` on the echo provider; its id ("missing" when creating it failed).
inline std::string createEchoAdvisor(const ServerProcess& server, const SignedInUser& u, const std::string& name) {
    auto r = server.postJson("/api/v1/advisors",
                             R"({"name":")" + name + R"(","model":"m","gateway":"echo","messages":[]})", u.auth());
    EXPECT_EQ(r.status, 200) << r.body;
    return r.status == 200 ? r.object()->getValue<std::string>("id") : std::string("missing");
}

/// After a failed test, the end of hubd's log helps more than the assertion alone.
inline void printServerLogOnFailure(const ServerProcess& server) {
    if (!::testing::Test::HasFailure()) return;
    std::string err = server.stderrText();
    std::cerr << "hubd stderr (tail):\n" << err.substr(err.size() > 6000 ? err.size() - 6000 : 0) << "\n";
}

}  // namespace hub::tests
