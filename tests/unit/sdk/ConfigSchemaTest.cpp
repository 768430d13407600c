#include "hub/sdk/ConfigSchema.h"

#include <stdexcept>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "hub/sdk/ConfigView.h"

namespace hub::sdk {
namespace {

using ::testing::ElementsAre;

TEST(ConfigSchemaTest, FluentBuilderRecordsEveryProperty) {
    ConfigSchema schema;
    schema.integer("max_upload_mb").min(1).max(1024).defaultValue(50).description("Upload cap");
    schema.string("mode").oneOf({"fast", "safe"}).required();
    schema.string("token").secret();

    const ConfigField* upload = schema.findField("max_upload_mb");
    ASSERT_NE(upload, nullptr);
    EXPECT_EQ(upload->type(), ConfigType::Int);
    EXPECT_EQ(upload->minVal(), 1.0);
    EXPECT_EQ(upload->maxVal(), 1024.0);
    ASSERT_TRUE(upload->defaultVal().has_value());
    EXPECT_EQ(upload->defaultVal()->convert<int>(), 50);
    EXPECT_EQ(upload->descriptionText(), "Upload cap");
    EXPECT_FALSE(upload->isRequired());

    const ConfigField* mode = schema.findField("mode");
    ASSERT_NE(mode, nullptr);
    EXPECT_TRUE(mode->isRequired());
    EXPECT_THAT(mode->allowed(), ElementsAre("fast", "safe"));

    const ConfigField* token = schema.findField("token");
    ASSERT_NE(token, nullptr);
    EXPECT_TRUE(token->isSecret());
}

TEST(ConfigSchemaTest, EachBuilderDeclaresItsType) {
    ConfigSchema schema;
    schema.boolean("b");
    schema.integer("i");
    schema.number("d");
    schema.string("s");
    schema.stringList("l");
    schema.object("o");
    std::vector<ConfigType> types;
    for (const auto& f : schema.fields()) {
        types.push_back(f->type());
    }
    EXPECT_THAT(types, ElementsAre(ConfigType::Bool, ConfigType::Int, ConfigType::Double,
                                   ConfigType::String, ConfigType::StringList, ConfigType::Object));
}

TEST(ConfigSchemaTest, DeclaringAKeyTwiceThrows) {
    ConfigSchema schema;
    schema.integer("port");
    EXPECT_THROW(schema.string("port"), std::logic_error);
    schema.section("jwt");
    EXPECT_THROW(schema.string("jwt"), std::logic_error);
    EXPECT_THROW(schema.section("port"), std::logic_error);
}

TEST(ConfigSchemaTest, SectionIsCreatedOnceAndReturnedAgain) {
    ConfigSchema schema;
    ConfigSchema& first = schema.section("jwt");
    first.string("issuer");
    ConfigSchema& second = schema.section("jwt");
    EXPECT_EQ(&first, &second);
    EXPECT_EQ(schema.sections().size(), 1u);
    ASSERT_NE(schema.findSection("jwt"), nullptr);
    EXPECT_NE(schema.findSection("jwt")->findField("issuer"), nullptr);
}

TEST(ConfigSchemaTest, FindReturnsNullForUndeclaredNames) {
    ConfigSchema schema;
    schema.integer("port");
    EXPECT_EQ(schema.findField("nope"), nullptr);
    EXPECT_EQ(schema.findSection("port"), nullptr);
}

TEST(ConfigSchemaTest, ChecksAreStored) {
    ConfigSchema schema;
    schema.check([](const ConfigView&) { return std::vector<std::string>{"bad"}; });
    ASSERT_EQ(schema.checks().size(), 1u);
    EXPECT_THAT(schema.checks()[0](ConfigView()), ElementsAre("bad"));
}

}  // namespace
}  // namespace hub::sdk
