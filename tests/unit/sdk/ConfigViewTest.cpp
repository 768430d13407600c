#include "hub/sdk/ConfigView.h"

#include <stdexcept>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "hub/sdk/Json.h"

namespace hub::sdk {
namespace {

using ::testing::ElementsAre;

ConfigView sampleView() {
    auto list = json::array();
    list->add(std::string("a"));
    list->add(std::string("b"));
    auto jwt = json::object();
    jwt->set("issuer", std::string("hub"));
    jwt->set("ttl", Poco::Int64(60));
    auto root = json::object();
    root->set("enabled", true);
    root->set("port", Poco::Int64(8000));
    root->set("ratio", 0.5);
    root->set("name", std::string("files"));
    root->set("tags", list);
    root->set("jwt", jwt);
    root->set("unset", Poco::Dynamic::Var());
    return ConfigView(root);
}

TEST(ConfigViewTest, ReadsTypedValues) {
    ConfigView v = sampleView();
    EXPECT_TRUE(v.getBool("enabled"));
    EXPECT_EQ(v.getInt("port"), 8000);
    EXPECT_DOUBLE_EQ(v.getDouble("ratio"), 0.5);
    EXPECT_DOUBLE_EQ(v.getDouble("port"), 8000.0);
    EXPECT_EQ(v.getString("name"), "files");
    EXPECT_THAT(v.getStringList("tags"), ElementsAre("a", "b"));
}

TEST(ConfigViewTest, DottedKeysReachNestedSections) {
    ConfigView v = sampleView();
    EXPECT_EQ(v.getString("jwt.issuer"), "hub");
    EXPECT_EQ(v.section("jwt").getInt("ttl"), 60);
    EXPECT_EQ(v.getObject("jwt")->getValue<std::string>("issuer"), "hub");
}

TEST(ConfigViewTest, UndeclaredKeyThrowsOutOfRange) {
    ConfigView v = sampleView();
    EXPECT_THROW(v.getInt("missing"), std::out_of_range);
    EXPECT_THROW(v.getString("jwt.missing"), std::out_of_range);
    EXPECT_THROW(v.getString("name.deeper"), std::out_of_range);
}

TEST(ConfigViewTest, WrongTypeThrowsInvalidArgument) {
    ConfigView v = sampleView();
    EXPECT_THROW(v.getInt("name"), std::invalid_argument);
    EXPECT_THROW(v.getBool("port"), std::invalid_argument);
    EXPECT_THROW(v.getString("port"), std::invalid_argument);
    EXPECT_THROW(v.getStringList("name"), std::invalid_argument);
    EXPECT_THROW(v.getObject("tags"), std::invalid_argument);
}

TEST(ConfigViewTest, BooleanIsNotAnInteger) {
    ConfigView v = sampleView();
    EXPECT_THROW(v.getInt("enabled"), std::invalid_argument);
    EXPECT_THROW(v.getDouble("enabled"), std::invalid_argument);
}

TEST(ConfigViewTest, HasIsFalseForMissingAndNullKeys) {
    ConfigView v = sampleView();
    EXPECT_TRUE(v.has("port"));
    EXPECT_TRUE(v.has("jwt.issuer"));
    EXPECT_FALSE(v.has("unset"));
    EXPECT_FALSE(v.has("missing"));
    EXPECT_FALSE(v.has("jwt.missing"));
}

TEST(ConfigViewTest, NullValuesReadAsEmpty) {
    ConfigView v = sampleView();
    EXPECT_EQ(v.getString("unset"), "");
    EXPECT_TRUE(v.getStringList("unset").empty());
    EXPECT_EQ(v.getObject("unset")->size(), 0u);
}

TEST(ConfigViewTest, DefaultViewIsEmpty) {
    ConfigView v;
    ASSERT_TRUE(v.raw());
    EXPECT_EQ(v.raw()->size(), 0u);
    EXPECT_FALSE(v.has("anything"));
    ConfigView fromNull{Poco::JSON::Object::Ptr()};
    ASSERT_TRUE(fromNull.raw());
    EXPECT_EQ(fromNull.raw()->size(), 0u);
}

}  // namespace
}  // namespace hub::sdk
