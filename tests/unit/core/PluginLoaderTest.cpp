#include "plugin/PluginLoader.h"

#include <cstddef>
#include <fstream>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "TempDir.h"
#include "hub/sdk/PluginDescriptor.h"

namespace hub::core {
namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;

sdk::Plugin* createNothing() { return nullptr; }
void destroyNothing(sdk::Plugin*) {}

const std::string kPath = "/opt/hub/plugins/hub_files.so";

/// A descriptor exactly as HUB_PLUGIN(...) would build it in a plugin compiled with this SDK.
HubPluginDescriptor validDescriptor() {
    HubPluginDescriptor d{};
    d.struct_size = sizeof(HubPluginDescriptor);
    d.abi_major = HUB_SDK_ABI_MAJOR;
    d.abi_minor = HUB_SDK_ABI_MINOR;
    d.build_signature = HUB_SDK_BUILD_SIGNATURE;
    d.name = "files";
    d.version = "1.0.0";
    d.status = "stable";
    d.create = &createNothing;
    d.destroy = &destroyNothing;
    return d;
}

/// The refusal message for `d`, or "(accepted)".
std::string refusal(const HubPluginDescriptor& d) {
    try {
        PluginLoader::checkDescriptor(d, kPath);
    } catch (const PluginLoadError& e) {
        return e.what();
    }
    return "(accepted)";
}

TEST(PluginLoaderTest, ValidDescriptorPasses) {
    EXPECT_NO_THROW(PluginLoader::checkDescriptor(validDescriptor(), kPath));
}

TEST(PluginLoaderTest, NamesWithDigitsAndUnderscoresPass) {
    HubPluginDescriptor d = validDescriptor();
    d.name = "chat_v2";
    EXPECT_EQ(refusal(d), "(accepted)");
}

TEST(PluginLoaderTest, LargerStructFromANewerMinorLayoutPasses) {
    HubPluginDescriptor d = validDescriptor();
    d.struct_size = sizeof(HubPluginDescriptor) + 16;
    EXPECT_EQ(refusal(d), "(accepted)");
}

TEST(PluginLoaderTest, WrongAbiMajorIsRefused) {
    HubPluginDescriptor d = validDescriptor();
    d.abi_major = HUB_SDK_ABI_MAJOR + 1;
    EXPECT_THAT(refusal(d),
                AllOf(HasSubstr(kPath), HasSubstr("ABI " + std::to_string(HUB_SDK_ABI_MAJOR + 1)),
                      HasSubstr("rebuild the plugin")));
}

TEST(PluginLoaderTest, AbiMajorTwoIsRefusedByThisHost) {
    static_assert(HUB_SDK_ABI_MAJOR != 2, "pick another foreign major for this test");
    HubPluginDescriptor d = validDescriptor();
    d.abi_major = 2;
    EXPECT_THAT(refusal(d), HasSubstr("ABI 2"));
}

TEST(PluginLoaderTest, NewerAbiMinorIsRefused) {
    HubPluginDescriptor d = validDescriptor();
    d.abi_minor = HUB_SDK_ABI_MINOR + 1;
    EXPECT_THAT(refusal(d), AllOf(HasSubstr("newer SDK"), HasSubstr("upgrade hubd")));
}

TEST(PluginLoaderTest, DifferentBuildSignatureIsRefused) {
    HubPluginDescriptor d = validDescriptor();
    d.build_signature = "hub-abi=1 cc=other-99";
    EXPECT_THAT(refusal(d),
                AllOf(HasSubstr("not binary compatible"), HasSubstr("hub-abi=1 cc=other-99")));
}

TEST(PluginLoaderTest, MissingBuildSignatureIsRefused) {
    HubPluginDescriptor d = validDescriptor();
    d.build_signature = nullptr;
    EXPECT_THAT(refusal(d), AllOf(HasSubstr("not binary compatible"), HasSubstr("(none)")));
}

TEST(PluginLoaderTest, NullOrEmptyNameIsRefused) {
    HubPluginDescriptor d = validDescriptor();
    d.name = nullptr;
    EXPECT_THAT(refusal(d), HasSubstr("no name"));
    d.name = "";
    EXPECT_THAT(refusal(d), HasSubstr("no name"));
}

TEST(PluginLoaderTest, InvalidNameIsRefused) {
    for (const char* bad : {"Bad-Name", "files.v2", "1files", "_files", "Files", "fi les"}) {
        HubPluginDescriptor d = validDescriptor();
        d.name = bad;
        EXPECT_THAT(refusal(d), HasSubstr("invalid plugin name '" + std::string(bad) + "'")) << bad;
    }
}

TEST(PluginLoaderTest, TooSmallStructIsRefused) {
    HubPluginDescriptor d = validDescriptor();
    d.struct_size = 8;
    EXPECT_THAT(refusal(d), AllOf(HasSubstr("too small"), HasSubstr("8 bytes")));
    d.struct_size = offsetof(HubPluginDescriptor, reserved) - 1;
    EXPECT_THAT(refusal(d), HasSubstr("too small"));
}

TEST(PluginLoaderTest, MissingVersionOrFactoryIsRefused) {
    HubPluginDescriptor noVersion = validDescriptor();
    noVersion.version = nullptr;
    EXPECT_THAT(refusal(noVersion), HasSubstr("lacks a version"));
    HubPluginDescriptor noCreate = validDescriptor();
    noCreate.create = nullptr;
    EXPECT_THAT(refusal(noCreate), HasSubstr("create/destroy"));
    HubPluginDescriptor noDestroy = validDescriptor();
    noDestroy.destroy = nullptr;
    EXPECT_THAT(refusal(noDestroy), HasSubstr("create/destroy"));
}

TEST(PluginLoaderTest, LoadingAMissingFileIsRefused) {
    test_support::TempDir dir("hub-unit-plugins");
    const std::string path = (dir.path() / "hub_missing.so").string();
    try {
        PluginLoader::load(path);
        FAIL() << "a missing library was loaded";
    } catch (const PluginLoadError& e) {
        EXPECT_THAT(e.what(), AllOf(HasSubstr(path), HasSubstr("cannot be loaded")));
    }
}

TEST(PluginLoaderTest, LoadingAFileThatIsNotALibraryIsRefused) {
    test_support::TempDir dir("hub-unit-plugins");
    const std::string path = (dir.path() / "hub_text.so").string();
    {
        std::ofstream out(path);
        out << "not an ELF file\n";
    }
    EXPECT_THROW(PluginLoader::load(path), PluginLoadError);
}

}  // namespace
}  // namespace hub::core
