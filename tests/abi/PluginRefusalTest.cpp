// Each bad plugin is refused with its own plain message naming the file and the reason,
// before any of its plugin code runs; an optional plugin that fails in start() is disabled.
#include <gtest/gtest.h>

#include "ServerProcess.h"
#include "hub/sdk/Version.h"

namespace hub::tests {
namespace {

std::string bad(const std::string& name) { return ServerProcess::pluginDir("bad/" + name); }

struct Refusal {
    std::string dir;
    std::vector<std::string> expected;  ///< substrings of stderr
};

class PluginRefusalTest : public ::testing::TestWithParam<Refusal> {};

TEST_P(PluginRefusalTest, CheckConfigRefusesWithAPlainMessage) {
    const Refusal& c = GetParam();
    ServerProcess p;
    int code = p.runToExit({"--set", "plugin_search_path=[" + bad(c.dir) + "]", "--check-config"});
    EXPECT_EQ(code, 78) << p.stderrText();
    for (const auto& s : c.expected) {
        EXPECT_NE(p.stderrText().find(s), std::string::npos) << "missing '" << s << "' in: " << p.stderrText();
    }
    // Serving is refused the same way, without binding a port.
    ServerProcess q;
    EXPECT_FALSE(q.start({"--set", "plugin_search_path=[" + bad(c.dir) + "]"}));
    EXPECT_EQ(q.stdoutText().find("listening on"), std::string::npos);
}

INSTANTIATE_TEST_SUITE_P(
    BadPlugins, PluginRefusalTest,
    ::testing::Values(
        Refusal{"wrong_major", {"hub_wrong_major.so", "built for SDK ABI 2, this hubd has ABI 1"}},
        Refusal{"newer_minor", {"hub_newer_minor.so", "built against a newer SDK (" HUB_SDK_STR(HUB_SDK_ABI_MAJOR) "." +
                                                           std::to_string(HUB_SDK_ABI_MINOR + 1) + ")"}},
        Refusal{"bad_signature", {"hub_bad_signature.so", "not binary compatible", "cc=gcc-99"}},
        Refusal{"no_descriptor", {"hub_no_descriptor.so", "not a Hub plugin"}},
        Refusal{"duplicate_name", {"duplicate plugin name 'dupname'", "hub_dupa.so", "hub_dupb.so"}}),
    [](const ::testing::TestParamInfo<Refusal>& info) { return info.param.dir; });

TEST(PluginStartRefusalTest, DuplicateRouteRefusesToStart) {
    ServerProcess p;
    EXPECT_FALSE(p.start({"--set", "plugin_search_path=[" + bad("duplicate_route") + "]"}));
    std::string err = p.stderrText();
    EXPECT_NE(err.find("duplicate route GET /health/"), std::string::npos) << err;
    EXPECT_NE(err.find("'core'"), std::string::npos) << err;
    EXPECT_NE(err.find("'duplicate_route'"), std::string::npos) << err;
}

TEST(PluginStartRefusalTest, ThrowingInStartRefusesToStart) {
    ServerProcess p;
    EXPECT_FALSE(p.start({"--set", "plugin_search_path=[" + bad("throws_in_start") + "]"}));
    EXPECT_NE(p.stderrText().find("plugin 'thrower'"), std::string::npos) << p.stderrText();
    EXPECT_NE(p.stderrText().find("failed in start(): cannot reach the frobnicator"), std::string::npos);
}

TEST(PluginStartRefusalTest, OptionalPluginThatThrowsIsDisabledAndShownFailed) {
    ServerProcess p;
    ASSERT_TRUE(p.start({"--set", "plugin_search_path=[" + bad("throws_in_start") + "]", "--set",
                         "plugins.thrower.optional=true", "--set", "logging.access_log=false"},
                        {{"API_USERNAME", "root"}, {"API_PASSWORD", "root password 1"}}))
        << p.stderrText();
    EXPECT_EQ(p.get("/api/v1/thrower").status, 404);
    std::string admin = p.login("root", "root password 1");
    auto r = p.get("/api/v1/admin/plugins", ServerProcess::bearer(admin));
    ASSERT_EQ(r.status, 200);
    auto plugin = r.json().extract<Poco::JSON::Array::Ptr>()->getObject(0);
    EXPECT_EQ(plugin->getValue<std::string>("name"), "thrower");
    EXPECT_EQ(plugin->getValue<std::string>("state"), "failed");
    EXPECT_NE(plugin->getValue<std::string>("error").find("frobnicator"), std::string::npos);
    EXPECT_EQ(p.stop(), 0);
}

TEST(PluginStartRefusalTest, DisabledBadPluginIsStillRefusedBecauseItCannotBeIdentified) {
    // A library without a descriptor has no name to disable; it must be removed from the path.
    ServerProcess p;
    EXPECT_EQ(p.runToExit({"--set", "plugin_search_path=[" + bad("no_descriptor") + "]", "--check-config"}), 78);
}

}  // namespace
}  // namespace hub::tests
