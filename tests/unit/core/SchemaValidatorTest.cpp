#include "config/SchemaValidator.h"

#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "config/ConfigTree.h"
#include "config/CoreSchema.h"
#include "hub/sdk/ConfigSchema.h"
#include "hub/sdk/ConfigView.h"
#include "hub/sdk/Json.h"

namespace hub::core {
namespace {

using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;
using ::testing::SizeIs;

/// Loads `yaml` and validates its root against `schema`.
struct Validated {
    ConfigTree tree;
    std::vector<ConfigError> errors;
    Poco::JSON::Object::Ptr values;
};

Validated validateYaml(const std::string& yaml, const sdk::ConfigSchema& schema,
                       const std::vector<std::string>& ignoreKeys = {}) {
    Validated v;
    v.tree.loadYamlText(yaml, "test.yaml", v.errors);
    EXPECT_THAT(v.errors, IsEmpty()) << "the YAML itself should load";
    v.values = SchemaValidator::validate(v.tree.root(), schema, "", v.tree, v.errors, ignoreKeys);
    return v;
}

std::string describe(const std::vector<ConfigError>& errors) {
    std::string out;
    for (const auto& e : errors) {
        out += e.toString() + "\n";
    }
    return out;
}

TEST(SchemaValidatorTest, UnknownKeyIsReportedWithFullDottedPath) {
    sdk::ConfigSchema schema;
    schema.section("server").integer("port").defaultValue(8000);
    auto v = validateYaml("server:\n  port: 1\n  prot: 2\n", schema);
    ASSERT_THAT(v.errors, SizeIs(1)) << describe(v.errors);
    EXPECT_EQ(v.errors[0].path, "server.prot");
    EXPECT_THAT(v.errors[0].message, HasSubstr("unknown key"));
    EXPECT_THAT(v.errors[0].message, HasSubstr("known keys: port"));
    EXPECT_EQ(v.errors[0].location, "test.yaml:3");
}

TEST(SchemaValidatorTest, UnknownKeyInDeeplyNestedSectionHasFullPath) {
    sdk::ConfigSchema schema;
    schema.section("plugins").section("files").section("config").integer("max_upload_mb");
    auto v = validateYaml("plugins:\n  files:\n    config:\n      max_upload: 5\n", schema);
    ASSERT_THAT(v.errors, SizeIs(1)) << describe(v.errors);
    EXPECT_EQ(v.errors[0].path, "plugins.files.config.max_upload");
    EXPECT_EQ(v.errors[0].toString(),
              "test.yaml:4: plugins.files.config.max_upload: unknown key (known keys: "
              "max_upload_mb)");
}

TEST(SchemaValidatorTest, UnknownTopLevelKeyIsReported) {
    sdk::ConfigSchema schema;
    schema.string("data_dir");
    auto v = validateYaml("data_dir: x\ndatadir: y\n", schema);
    ASSERT_THAT(v.errors, SizeIs(1)) << describe(v.errors);
    EXPECT_EQ(v.errors[0].path, "datadir");
}

TEST(SchemaValidatorTest, IgnoredKeysAreNotReportedAsUnknown) {
    sdk::ConfigSchema schema;
    schema.string("data_dir");
    auto v = validateYaml("data_dir: x\nplugins:\n  files: {}\n", schema, {"plugins"});
    EXPECT_THAT(v.errors, IsEmpty()) << describe(v.errors);
}

TEST(SchemaValidatorTest, MissingRequiredKeyIsReported) {
    sdk::ConfigSchema schema;
    schema.section("jwt").string("secret").required();
    auto v = validateYaml("jwt: {}\n", schema);
    ASSERT_THAT(v.errors, SizeIs(1)) << describe(v.errors);
    EXPECT_EQ(v.errors[0].path, "jwt.secret");
    EXPECT_EQ(v.errors[0].message, "is required");
}

TEST(SchemaValidatorTest, RequiredKeyInAbsentSectionIsReported) {
    sdk::ConfigSchema schema;
    schema.section("jwt").string("secret").required();
    auto v = validateYaml("other_section_absent: null\n", schema, {"other_section_absent"});
    ASSERT_THAT(v.errors, SizeIs(1)) << describe(v.errors);
    EXPECT_EQ(v.errors[0].path, "jwt.secret");
}

TEST(SchemaValidatorTest, ValueBelowMinimumIsRejected) {
    sdk::ConfigSchema schema;
    schema.integer("workers").min(1).max(64);
    auto v = validateYaml("workers: 0\n", schema);
    ASSERT_THAT(v.errors, SizeIs(1)) << describe(v.errors);
    EXPECT_EQ(v.errors[0].path, "workers");
    EXPECT_EQ(v.errors[0].message, "must be >= 1");
}

TEST(SchemaValidatorTest, ValueAboveMaximumIsRejected) {
    sdk::ConfigSchema schema;
    schema.integer("workers").min(1).max(64);
    auto v = validateYaml("workers: 65\n", schema);
    ASSERT_THAT(v.errors, SizeIs(1)) << describe(v.errors);
    EXPECT_EQ(v.errors[0].message, "must be <= 64");
}

TEST(SchemaValidatorTest, BoundsAreInclusive) {
    sdk::ConfigSchema schema;
    schema.integer("lo").min(1).max(64);
    schema.integer("hi").min(1).max(64);
    auto v = validateYaml("lo: 1\nhi: 64\n", schema);
    EXPECT_THAT(v.errors, IsEmpty()) << describe(v.errors);
}

TEST(SchemaValidatorTest, FractionalBoundsArePrintedAsNumbers) {
    sdk::ConfigSchema schema;
    schema.number("ratio").min(0.5);
    auto v = validateYaml("ratio: 0.25\n", schema);
    ASSERT_THAT(v.errors, SizeIs(1)) << describe(v.errors);
    EXPECT_EQ(v.errors[0].message, "must be >= 0.5");
}

TEST(SchemaValidatorTest, ValueOutsideOneOfIsRejected) {
    sdk::ConfigSchema schema;
    schema.string("level").oneOf({"debug", "info", "warning"});
    auto v = validateYaml("level: verbose\n", schema);
    ASSERT_THAT(v.errors, SizeIs(1)) << describe(v.errors);
    EXPECT_EQ(v.errors[0].message, "must be one of: debug, info, warning (got 'verbose')");
}

TEST(SchemaValidatorTest, ValueInOneOfIsAccepted) {
    sdk::ConfigSchema schema;
    schema.string("level").oneOf({"debug", "info"});
    auto v = validateYaml("level: info\n", schema);
    EXPECT_THAT(v.errors, IsEmpty()) << describe(v.errors);
    EXPECT_EQ(sdk::ConfigView(v.values).getString("level"), "info");
}

TEST(SchemaValidatorTest, DefaultsAreFilledForAbsentKeys) {
    sdk::ConfigSchema schema;
    schema.integer("port").defaultValue(8000);
    schema.string("host").defaultValue(std::string("127.0.0.1"));
    schema.boolean("debug").defaultValue(false);
    schema.string("optional_without_default");
    auto v = validateYaml("host: example\n", schema);
    ASSERT_THAT(v.errors, IsEmpty()) << describe(v.errors);
    sdk::ConfigView view(v.values);
    EXPECT_EQ(view.getInt("port"), 8000);
    EXPECT_EQ(view.getString("host"), "example");
    EXPECT_FALSE(view.getBool("debug"));
    EXPECT_FALSE(view.has("optional_without_default"));
    EXPECT_EQ(view.getString("optional_without_default"), "");
}

TEST(SchemaValidatorTest, NestedSectionsAreValidatedAndDefaulted) {
    sdk::ConfigSchema schema;
    auto& auth = schema.section("auth");
    auth.section("jwt").string("issuer").defaultValue(std::string("hub"));
    auth.section("jwt").integer("ttl").defaultValue(60).min(1);
    auth.section("throttle").integer("window").defaultValue(900);
    auto v = validateYaml("auth:\n  jwt:\n    ttl: 120\n", schema);
    ASSERT_THAT(v.errors, IsEmpty()) << describe(v.errors);
    sdk::ConfigView view(v.values);
    EXPECT_EQ(view.getString("auth.jwt.issuer"), "hub");
    EXPECT_EQ(view.getInt("auth.jwt.ttl"), 120);
    EXPECT_EQ(view.getInt("auth.throttle.window"), 900);
}

TEST(SchemaValidatorTest, SectionThatIsNotAMapIsRejected) {
    sdk::ConfigSchema schema;
    schema.section("server").integer("port");
    auto v = validateYaml("server: 5\n", schema);
    ASSERT_THAT(v.errors, SizeIs(1)) << describe(v.errors);
    EXPECT_EQ(v.errors[0].path, "server");
    EXPECT_EQ(v.errors[0].message, "must be a map");
}

TEST(SchemaValidatorTest, QuotedNumberIsRejectedForIntegerField) {
    sdk::ConfigSchema schema;
    schema.section("server").integer("port");
    auto v = validateYaml("server:\n  port: \"8000\"\n", schema);
    ASSERT_THAT(v.errors, SizeIs(1)) << describe(v.errors);
    EXPECT_EQ(v.errors[0].path, "server.port");
    EXPECT_EQ(v.errors[0].message, "must be an integer, got \"8000\"");
}

TEST(SchemaValidatorTest, QuotedNumberIsKeptForStringField) {
    sdk::ConfigSchema schema;
    schema.string("code");
    auto v = validateYaml("code: \"0123\"\n", schema);
    ASSERT_THAT(v.errors, IsEmpty()) << describe(v.errors);
    EXPECT_EQ(sdk::ConfigView(v.values).getString("code"), "0123");
}

TEST(SchemaValidatorTest, UnquotedScalarIsAcceptedAsString) {
    sdk::ConfigSchema schema;
    schema.string("name");
    auto v = validateYaml("name: 42\n", schema);
    ASSERT_THAT(v.errors, IsEmpty()) << describe(v.errors);
    EXPECT_EQ(sdk::ConfigView(v.values).getString("name"), "42");
}

TEST(SchemaValidatorTest, BooleanIsRejectedForIntegerField) {
    sdk::ConfigSchema schema;
    schema.integer("port");
    auto v = validateYaml("port: true\n", schema);
    ASSERT_THAT(v.errors, SizeIs(1)) << describe(v.errors);
    EXPECT_THAT(v.errors[0].message, HasSubstr("must be an integer"));
}

TEST(SchemaValidatorTest, FloatIsRejectedForIntegerField) {
    sdk::ConfigSchema schema;
    schema.integer("port");
    auto v = validateYaml("port: 80.5\n", schema);
    ASSERT_THAT(v.errors, SizeIs(1)) << describe(v.errors);
    EXPECT_THAT(v.errors[0].message, HasSubstr("must be an integer"));
}

TEST(SchemaValidatorTest, IntegerIsAcceptedForNumberField) {
    sdk::ConfigSchema schema;
    schema.number("ratio");
    auto v = validateYaml("ratio: 2\n", schema);
    ASSERT_THAT(v.errors, IsEmpty()) << describe(v.errors);
    EXPECT_DOUBLE_EQ(sdk::ConfigView(v.values).getDouble("ratio"), 2.0);
}

TEST(SchemaValidatorTest, StringListAcceptsScalarsOnly) {
    sdk::ConfigSchema schema;
    schema.stringList("good");
    schema.stringList("bad");
    auto v = validateYaml("good: [a, 1]\nbad: [a, [b]]\n", schema);
    ASSERT_THAT(v.errors, SizeIs(1)) << describe(v.errors);
    EXPECT_EQ(v.errors[0].path, "bad");
    EXPECT_THAT(v.errors[0].message, HasSubstr("a list of strings"));
}

TEST(SchemaValidatorTest, SecretValuesAreNotEchoedInErrors) {
    sdk::ConfigSchema schema;
    schema.integer("pin").secret();
    auto v = validateYaml("pin: hunter2\n", schema);
    ASSERT_THAT(v.errors, SizeIs(1)) << describe(v.errors);
    EXPECT_THAT(v.errors[0].message, HasSubstr("<secret>"));
    EXPECT_THAT(v.errors[0].message, Not(HasSubstr("hunter2")));
}

TEST(SchemaValidatorTest, EveryErrorIsCollected) {
    sdk::ConfigSchema schema;
    schema.integer("a").min(1);
    schema.string("b").required();
    schema.boolean("c");
    auto v = validateYaml("a: 0\nc: 3\nd: 1\n", schema);
    EXPECT_THAT(v.errors, SizeIs(4)) << describe(v.errors);
}

TEST(SchemaValidatorTest, CrossFieldCheckRunsWhenSectionIsValid) {
    sdk::ConfigSchema schema;
    auto& server = schema.section("server");
    server.integer("min_threads").defaultValue(1);
    server.integer("max_threads").defaultValue(8);
    server.check([](const sdk::ConfigView& view) {
        std::vector<std::string> e;
        if (view.getInt("min_threads") > view.getInt("max_threads")) {
            e.push_back("min_threads must not exceed max_threads");
        }
        return e;
    });
    auto v = validateYaml("server:\n  min_threads: 10\n  max_threads: 4\n", schema);
    ASSERT_THAT(v.errors, SizeIs(1)) << describe(v.errors);
    EXPECT_EQ(v.errors[0].path, "server");
    EXPECT_EQ(v.errors[0].message, "min_threads must not exceed max_threads");
    EXPECT_EQ(v.errors[0].location, "test.yaml:1");
}

TEST(SchemaValidatorTest, CrossFieldCheckIsSkippedWhenSectionHasErrors) {
    sdk::ConfigSchema schema;
    auto& server = schema.section("server");
    server.integer("min_threads").min(1);
    int calls = 0;
    server.check([&calls](const sdk::ConfigView&) {
        ++calls;
        return std::vector<std::string>{"check ran"};
    });
    auto v = validateYaml("server:\n  min_threads: 0\n", schema);
    EXPECT_EQ(calls, 0);
    ASSERT_THAT(v.errors, SizeIs(1)) << describe(v.errors);
    EXPECT_EQ(v.errors[0].message, "must be >= 1");
}

TEST(SchemaValidatorTest, CrossFieldCheckIsSkippedWhenNestedSectionHasErrors) {
    sdk::ConfigSchema schema;
    auto& auth = schema.section("auth");
    auth.section("jwt").integer("ttl").min(1);
    int calls = 0;
    auth.check([&calls](const sdk::ConfigView&) {
        ++calls;
        return std::vector<std::string>{};
    });
    auto v = validateYaml("auth:\n  jwt:\n    ttl: 0\n", schema);
    EXPECT_EQ(calls, 0);
    EXPECT_THAT(v.errors, SizeIs(1)) << describe(v.errors);
}

TEST(SchemaValidatorTest, CrossFieldCheckIgnoresErrorsOfASiblingWithTheSamePrefix) {
    // "server_extra" is a different section from "server": its error must not stop the
    // cross-field check of "server".
    sdk::ConfigSchema schema;
    schema.section("server_extra").integer("n").min(1);
    auto& server = schema.section("server");
    server.integer("min_threads").defaultValue(10);
    server.integer("max_threads").defaultValue(4);
    int calls = 0;
    server.check([&calls](const sdk::ConfigView&) {
        ++calls;
        return std::vector<std::string>{"min_threads must not exceed max_threads"};
    });
    auto v = validateYaml("server_extra:\n  n: 0\n", schema);
    EXPECT_EQ(calls, 1);
    ASSERT_THAT(v.errors, SizeIs(2)) << describe(v.errors);
    EXPECT_EQ(v.errors[0].path, "server_extra.n");
    EXPECT_EQ(v.errors[1].path, "server");
}

TEST(SchemaValidatorTest, CrossFieldCheckSeesDefaults) {
    sdk::ConfigSchema schema;
    schema.integer("a").defaultValue(3);
    int seen = 0;
    schema.check([&seen](const sdk::ConfigView& view) {
        seen = static_cast<int>(view.getInt("a"));
        return std::vector<std::string>{};
    });
    auto v = validateYaml("", schema);
    EXPECT_THAT(v.errors, IsEmpty()) << describe(v.errors);
    EXPECT_EQ(seen, 3);
}

TEST(SchemaValidatorTest, CoreSchemaAcceptsAnEmptyConfigAndFillsDefaults) {
    sdk::ConfigSchema schema;
    declareCoreSchema(schema);
    auto v = validateYaml("", schema, {"plugins"});
    EXPECT_THAT(v.errors, IsEmpty()) << describe(v.errors);
    sdk::ConfigView view(v.values);
    EXPECT_EQ(view.getInt("server.port"), 8000);
    EXPECT_EQ(view.getString("server.host"), "127.0.0.1");
}

TEST(SchemaValidatorTest, CoreSchemaRejectsAQuotedPort) {
    sdk::ConfigSchema schema;
    declareCoreSchema(schema);
    auto v = validateYaml("server:\n  port: \"8000\"\n", schema, {"plugins"});
    ASSERT_THAT(v.errors, SizeIs(1)) << describe(v.errors);
    EXPECT_EQ(v.errors[0].path, "server.port");
}

}  // namespace
}  // namespace hub::core
