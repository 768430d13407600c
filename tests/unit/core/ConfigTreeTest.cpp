#include "config/ConfigTree.h"

#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <Poco/JSON/Array.h>

#include "hub/sdk/Json.h"

namespace hub::core {
namespace {

using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::SizeIs;

/// The Var's held type, printable in failure messages.
std::string typeName(const Poco::Dynamic::Var& v) { return v.type().name(); }

Poco::Dynamic::Var valueAt(const ConfigTree& tree, const std::string& section,
                           const std::string& key) {
    return tree.root()->getObject(section)->get(key);
}

TEST(ConfigTreeTest, ScalarsAreTypedByYamlCoreSchema) {
    ConfigTree tree;
    std::vector<ConfigError> errors;
    tree.loadYamlText(
        "s:\n"
        "  int: 8000\n"
        "  negative: -3\n"
        "  float: 2.5\n"
        "  yes: true\n"
        "  no: false\n"
        "  nothing: null\n"
        "  tilde: ~\n"
        "  text: hello\n"
        "  version: 1.2.3\n",
        "test.yaml", errors);
    ASSERT_THAT(errors, IsEmpty());
    EXPECT_EQ(typeName(valueAt(tree, "s", "int")), typeid(Poco::Int64).name());
    EXPECT_EQ(valueAt(tree, "s", "int").convert<int>(), 8000);
    EXPECT_EQ(valueAt(tree, "s", "negative").convert<int>(), -3);
    EXPECT_EQ(typeName(valueAt(tree, "s", "float")), typeid(double).name());
    EXPECT_EQ(typeName(valueAt(tree, "s", "yes")), typeid(bool).name());
    EXPECT_TRUE(valueAt(tree, "s", "yes").convert<bool>());
    EXPECT_FALSE(valueAt(tree, "s", "no").convert<bool>());
    EXPECT_TRUE(valueAt(tree, "s", "nothing").isEmpty());
    EXPECT_TRUE(valueAt(tree, "s", "tilde").isEmpty());
    EXPECT_EQ(typeName(valueAt(tree, "s", "text")), typeid(std::string).name());
    EXPECT_EQ(valueAt(tree, "s", "version").convert<std::string>(), "1.2.3");
}

TEST(ConfigTreeTest, QuotedNumberStaysAString) {
    ConfigTree tree;
    std::vector<ConfigError> errors;
    tree.loadYamlText("server:\n  port: \"8000\"\n  other: '42'\n  flag: \"true\"\n", "test.yaml",
                      errors);
    ASSERT_THAT(errors, IsEmpty());
    EXPECT_EQ(typeName(valueAt(tree, "server", "port")), typeid(std::string).name());
    EXPECT_EQ(valueAt(tree, "server", "port").convert<std::string>(), "8000");
    EXPECT_EQ(typeName(valueAt(tree, "server", "other")), typeid(std::string).name());
    EXPECT_EQ(typeName(valueAt(tree, "server", "flag")), typeid(std::string).name());
}

TEST(ConfigTreeTest, SequencesBecomeArrays) {
    ConfigTree tree;
    std::vector<ConfigError> errors;
    tree.loadYamlText("s:\n  list:\n    - a\n    - 2\n", "test.yaml", errors);
    ASSERT_THAT(errors, IsEmpty());
    auto v = valueAt(tree, "s", "list");
    ASSERT_EQ(typeName(v), typeid(Poco::JSON::Array::Ptr).name());
    EXPECT_EQ(sdk::json::stringify(v), R"(["a",2])");
}

TEST(ConfigTreeTest, DuplicateKeyIsAnErrorWithLineNumbers) {
    ConfigTree tree;
    std::vector<ConfigError> errors;
    tree.loadYamlText("a: 1\nb: 2\na: 3\n", "dup.yaml", errors);
    ASSERT_THAT(errors, SizeIs(1));
    EXPECT_EQ(errors[0].path, "a");
    EXPECT_THAT(errors[0].message, HasSubstr("duplicate key"));
    EXPECT_THAT(errors[0].message, HasSubstr("line 1"));
    EXPECT_EQ(errors[0].location, "dup.yaml:3");
    EXPECT_EQ(errors[0].toString(), "dup.yaml:3: a: duplicate key (first defined at line 1)");
}

TEST(ConfigTreeTest, NestedDuplicateKeyReportsDottedPath) {
    ConfigTree tree;
    std::vector<ConfigError> errors;
    tree.loadYamlText("server:\n  port: 1\n  host: x\n  port: 2\n", "dup.yaml", errors);
    ASSERT_THAT(errors, SizeIs(1));
    EXPECT_EQ(errors[0].path, "server.port");
    EXPECT_THAT(errors[0].message, HasSubstr("line 2"));
    EXPECT_EQ(errors[0].location, "dup.yaml:4");
    // The first definition is kept.
    EXPECT_EQ(valueAt(tree, "server", "port").convert<int>(), 1);
}

TEST(ConfigTreeTest, YamlSyntaxErrorIsReported) {
    ConfigTree tree;
    std::vector<ConfigError> errors;
    tree.loadYamlText("server:\n  port: [1, 2\n", "broken.yaml", errors);
    ASSERT_THAT(errors, SizeIs(1));
    EXPECT_EQ(errors[0].location, "broken.yaml");
    EXPECT_FALSE(errors[0].message.empty());
    EXPECT_EQ(tree.root()->size(), 0u);
}

TEST(ConfigTreeTest, TopLevelThatIsNotAMapIsAnError) {
    ConfigTree tree;
    std::vector<ConfigError> errors;
    tree.loadYamlText("- a\n- b\n", "list.yaml", errors);
    ASSERT_THAT(errors, SizeIs(1));
    EXPECT_THAT(errors[0].message, HasSubstr("top level must be a map"));
}

TEST(ConfigTreeTest, EmptyDocumentIsFine) {
    ConfigTree tree;
    std::vector<ConfigError> errors;
    tree.loadYamlText("", "empty.yaml", errors);
    tree.loadYamlText("# only a comment\n", "empty.yaml", errors);
    EXPECT_THAT(errors, IsEmpty());
    EXPECT_EQ(tree.root()->size(), 0u);
}

TEST(ConfigTreeTest, LocationOfNamesFileAndLine) {
    ConfigTree tree;
    std::vector<ConfigError> errors;
    tree.loadYamlText("# comment\nserver:\n  port: 1\n", "hubd.yaml", errors);
    ASSERT_THAT(errors, IsEmpty());
    EXPECT_EQ(tree.locationOf("server"), "hubd.yaml:2");
    EXPECT_EQ(tree.locationOf("server.port"), "hubd.yaml:3");
    EXPECT_EQ(tree.locationOf("server.nope"), "");
}

TEST(ConfigTreeTest, LaterDocumentsMergeIntoSections) {
    ConfigTree tree;
    std::vector<ConfigError> errors;
    tree.loadYamlText("server:\n  host: a\n  port: 1\n", "one.yaml", errors);
    tree.loadYamlText("server:\n  port: 2\n", "two.yaml", errors);
    ASSERT_THAT(errors, IsEmpty());
    EXPECT_EQ(valueAt(tree, "server", "host").convert<std::string>(), "a");
    EXPECT_EQ(valueAt(tree, "server", "port").convert<int>(), 2);
}

TEST(ConfigTreeTest, LoadYamlFileReportsAMissingFile) {
    ConfigTree tree;
    std::vector<ConfigError> errors;
    tree.loadYamlFile("/nonexistent-hub-unit-dir/hubd.yaml", errors);
    ASSERT_THAT(errors, SizeIs(1));
    EXPECT_THAT(errors[0].message, HasSubstr("cannot read"));
}

TEST(ConfigTreeOverrideTest, SetsANestedValueTypedAsYaml) {
    ConfigTree tree;
    std::vector<ConfigError> errors;
    tree.applyOverride("server.port=9000", errors);
    tree.applyOverride("auth.single_session=true", errors);
    tree.applyOverride("server.host=0.0.0.0", errors);
    ASSERT_THAT(errors, IsEmpty());
    EXPECT_EQ(typeName(valueAt(tree, "server", "port")), typeid(Poco::Int64).name());
    EXPECT_EQ(valueAt(tree, "server", "port").convert<int>(), 9000);
    EXPECT_EQ(typeName(valueAt(tree, "auth", "single_session")), typeid(bool).name());
    EXPECT_EQ(valueAt(tree, "server", "host").convert<std::string>(), "0.0.0.0");
    EXPECT_EQ(tree.locationOf("server.port"), "--set");
}

TEST(ConfigTreeOverrideTest, QuotedValueStaysAString) {
    ConfigTree tree;
    std::vector<ConfigError> errors;
    tree.applyOverride("server.port=\"9000\"", errors);
    ASSERT_THAT(errors, IsEmpty());
    EXPECT_EQ(typeName(valueAt(tree, "server", "port")), typeid(std::string).name());
}

TEST(ConfigTreeOverrideTest, FlowValuesBecomeListsAndMaps) {
    ConfigTree tree;
    std::vector<ConfigError> errors;
    tree.applyOverride("cors.origins=[a, b]", errors);
    tree.applyOverride("plugins.files.config={max: 5}", errors);
    ASSERT_THAT(errors, IsEmpty());
    EXPECT_EQ(sdk::json::stringify(valueAt(tree, "cors", "origins")), R"(["a","b"])");
    auto files = tree.root()->getObject("plugins")->getObject("files");
    ASSERT_TRUE(files);
    EXPECT_EQ(sdk::json::stringify(files->get("config")), R"({"max":5})");
}

TEST(ConfigTreeOverrideTest, OnlyTheFirstEqualsSplitsKeyAndValue) {
    ConfigTree tree;
    std::vector<ConfigError> errors;
    tree.applyOverride("database.url=postgresql://u@h/db?sslmode=require", errors);
    ASSERT_THAT(errors, IsEmpty());
    EXPECT_EQ(valueAt(tree, "database", "url").convert<std::string>(),
              "postgresql://u@h/db?sslmode=require");
}

TEST(ConfigTreeOverrideTest, OverrideReplacesAValueFromYaml) {
    ConfigTree tree;
    std::vector<ConfigError> errors;
    tree.loadYamlText("server:\n  port: 1\n  host: a\n", "hubd.yaml", errors);
    tree.applyOverride("server.port=2", errors);
    ASSERT_THAT(errors, IsEmpty());
    EXPECT_EQ(valueAt(tree, "server", "port").convert<int>(), 2);
    EXPECT_EQ(valueAt(tree, "server", "host").convert<std::string>(), "a");
    EXPECT_EQ(tree.locationOf("server.port"), "--set");
}

TEST(ConfigTreeOverrideTest, AssignmentWithoutEqualsIsAnError) {
    ConfigTree tree;
    std::vector<ConfigError> errors;
    tree.applyOverride("noequals", errors);
    ASSERT_THAT(errors, SizeIs(1));
    EXPECT_THAT(errors[0].message, HasSubstr("dotted.key=value"));
    EXPECT_THAT(errors[0].message, HasSubstr("noequals"));
    EXPECT_EQ(errors[0].location, "--set");
    EXPECT_EQ(tree.root()->size(), 0u);
}

TEST(ConfigTreeOverrideTest, EmptyKeyIsAnError) {
    ConfigTree tree;
    std::vector<ConfigError> errors;
    tree.applyOverride("=5", errors);
    ASSERT_THAT(errors, SizeIs(1));
    EXPECT_THAT(errors[0].message, HasSubstr("dotted.key=value"));
}

TEST(ConfigTreeOverrideTest, EmptyKeySegmentIsAnError) {
    ConfigTree tree;
    std::vector<ConfigError> errors;
    tree.applyOverride("server..port=1", errors);
    ASSERT_THAT(errors, SizeIs(1));
    EXPECT_THAT(errors[0].message, HasSubstr("empty segment"));
    EXPECT_EQ(tree.root()->size(), 0u);
}

TEST(ConfigTreeOverrideTest, MalformedYamlValueIsAnError) {
    ConfigTree tree;
    std::vector<ConfigError> errors;
    tree.applyOverride("cors.origins=[a, b", errors);
    ASSERT_THAT(errors, SizeIs(1));
    EXPECT_EQ(errors[0].path, "cors.origins");
    EXPECT_THAT(errors[0].message, HasSubstr("bad value"));
}

}  // namespace
}  // namespace hub::core
