// Two hubd processes on one database, as two nodes behind a load balancer: a grant change made
// on one node reaches the other within access.cache_ms (and at once with 0).
#include <gtest/gtest.h>

#include "ServerProcess.h"
#include "hub/sdk/Json.h"

namespace hub::tests {
namespace {

std::vector<std::string> nodeArgs(const std::vector<std::string>& extra = {}) {
    std::vector<std::string> args{"--set", "plugin_search_path=[" + ServerProcess::bundledPluginDir() + "]",
                                  "--set", "logging.access_log=false",
                                  "--set", "auth.password.argon2_memory_kib=8192",
                                  "--set", "auth.password.argon2_iterations=1"};
    args.insert(args.end(), extra.begin(), extra.end());
    return args;
}

const std::map<std::string, std::string> kSharedSecret{{"HUB_JWT_SECRET", "two nodes share this jwt secret 0123456789"}};

/// Node B reads what node A wrote; `cacheMs` is B's access.cache_ms.
void expectRevocationSeenByTheOtherNode(int cacheMs, bool staleAfterRevoke) {
    ServerProcess a, b;
    ASSERT_TRUE(a.start(nodeArgs(), kSharedSecret)) << a.stderrText();
    ASSERT_TRUE(b.start(nodeArgs({"--set", "database.url=" + a.databaseUrl(), "--set",
                                  "access.cache_ms=" + std::to_string(cacheMs)}),
                        kSharedSecret))
        << b.stderrText();
    ASSERT_EQ(a.registerUser("alice").status, 201);
    ASSERT_EQ(a.registerUser("bob").status, 201);
    std::string alice = a.login("alice"), bob = b.login("bob");
    auto advisor = a.postJson("/api/v1/advisors", R"({"name":"Shared","model":"echo","messages":[]})",
                              ServerProcess::bearer(alice));
    ASSERT_EQ(advisor.status, 200) << advisor.body;
    std::string id = advisor.object()->getValue<std::string>("id");
    auto grant = a.postJson("/api/v1/shares",
                            R"({"resource_type":"advisor","resource_id":")" + id +
                                R"(","principal_name":"bob","role":"viewer"})",
                            ServerProcess::bearer(alice));
    ASSERT_EQ(grant.status, 201) << grant.body;
    ASSERT_EQ(b.get("/api/v1/advisors/" + id, ServerProcess::bearer(bob)).status, 200);  // B decides (and caches)

    std::string grantId = grant.object()->getValue<std::string>("id");
    ASSERT_EQ(a.request("DELETE", "/api/v1/shares/" + grantId, "", ServerProcess::bearer(alice)).status, 200);
    EXPECT_EQ(a.get("/api/v1/advisors/" + id, ServerProcess::bearer(a.login("bob"))).status, 404)
        << "the node that made the change applies it at once";
    EXPECT_EQ(b.get("/api/v1/advisors/" + id, ServerProcess::bearer(bob)).status, staleAfterRevoke ? 200 : 404)
        << "access.cache_ms=" << cacheMs;
}

TEST(AccessNodesTest, WithoutACacheTheOtherNodeSeesARevocationOnTheNextRequest) {
    expectRevocationSeenByTheOtherNode(0, false);
}

TEST(AccessNodesTest, TheOtherNodeMayReuseItsDecisionForAccessCacheMs) {
    expectRevocationSeenByTheOtherNode(60000, true);
}

}  // namespace
}  // namespace hub::tests
