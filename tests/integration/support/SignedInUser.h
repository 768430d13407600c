// What the access, sharing, chat and activity tests share: a hubd with every bundled plugin
// and cheap password hashing, and users registered and signed in over the API.
#pragma once

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

}  // namespace hub::tests
