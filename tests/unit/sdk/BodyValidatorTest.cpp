#include "hub/sdk/BodyValidator.h"

#include <optional>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "hub/sdk/Error.h"
#include "hub/sdk/Json.h"

namespace hub::sdk {
namespace {

using ::testing::HasSubstr;

BodyValidator validatorFor(const std::string& body) {
    return BodyValidator(json::parseStrictObject(body));
}

/// The error list finish() throws, or null when it did not throw.
Poco::JSON::Array::Ptr finishErrors(const BodyValidator& v, std::string* message = nullptr) {
    try {
        v.finish();
    } catch (const ValidationError& e) {
        EXPECT_EQ(e.status(), 422);
        if (message != nullptr) {
            *message = e.what();
        }
        if (e.detail().type() != typeid(Poco::JSON::Array::Ptr)) {
            ADD_FAILURE() << "detail is not a list";
            return nullptr;
        }
        return e.detail().extract<Poco::JSON::Array::Ptr>();
    }
    return nullptr;
}

std::string itemType(const Poco::JSON::Array::Ptr& errors, unsigned i) {
    return errors->getObject(i)->getValue<std::string>("type");
}

TEST(BodyValidatorTest, MissingRequiredFieldGivesPydanticMissingItem) {
    auto v = validatorFor("{}");
    EXPECT_EQ(v.requiredString("x"), "");
    EXPECT_FALSE(v.ok());
    std::string message;
    auto errors = finishErrors(v, &message);
    ASSERT_TRUE(errors);
    ASSERT_EQ(errors->size(), 1u);
    auto item = errors->getObject(0);
    EXPECT_EQ(item->getValue<std::string>("type"), "missing");
    EXPECT_EQ(json::stringify(item->get("loc")), R"(["body","x"])");
    EXPECT_EQ(item->getValue<std::string>("msg"), "Field required");
    EXPECT_EQ(message, "x: Field required");
}

TEST(BodyValidatorTest, MissingRequiredIntIsReportedAsMissing) {
    auto v = validatorFor("{}");
    EXPECT_EQ(v.requiredInt("n", 0, 10), 0);
    auto errors = finishErrors(v);
    ASSERT_TRUE(errors);
    EXPECT_EQ(itemType(errors, 0), "missing");
}

TEST(BodyValidatorTest, ValidFieldsAreReturnedAndFinishDoesNotThrow) {
    auto v = validatorFor(R"({"s":"hi","n":5,"f":1.5,"b":false,"l":[1],"o":{}})");
    EXPECT_EQ(v.requiredString("s"), "hi");
    EXPECT_EQ(v.requiredInt("n", 0, 10), 5);
    EXPECT_EQ(v.optionalNumber("f"), 1.5);
    EXPECT_EQ(v.optionalBool("b"), false);
    EXPECT_TRUE(v.optionalArray("l"));
    EXPECT_TRUE(v.optionalObject("o"));
    EXPECT_TRUE(v.ok());
    EXPECT_NO_THROW(v.finish());
}

TEST(BodyValidatorTest, NumberWhereStringExpectedIsStringType) {
    auto v = validatorFor(R"({"x":5})");
    v.requiredString("x");
    auto errors = finishErrors(v);
    ASSERT_TRUE(errors);
    ASSERT_EQ(errors->size(), 1u);
    EXPECT_EQ(itemType(errors, 0), "string_type");
    EXPECT_EQ(errors->getObject(0)->getValue<int>("input"), 5);
}

TEST(BodyValidatorTest, StringWhereIntExpectedIsIntType) {
    auto v = validatorFor(R"({"n":"5"})");
    EXPECT_FALSE(v.optionalInt("n", 0, 10).has_value());
    auto errors = finishErrors(v);
    ASSERT_TRUE(errors);
    EXPECT_EQ(itemType(errors, 0), "int_type");
}

TEST(BodyValidatorTest, BooleanIsNotAnInteger) {
    auto v = validatorFor(R"({"n":true})");
    EXPECT_FALSE(v.optionalInt("n", 0, 10).has_value());
    auto errors = finishErrors(v);
    ASSERT_TRUE(errors);
    ASSERT_EQ(errors->size(), 1u);
    EXPECT_EQ(itemType(errors, 0), "int_type");
}

TEST(BodyValidatorTest, BooleanIsNotANumber) {
    auto v = validatorFor(R"({"f":false})");
    EXPECT_FALSE(v.optionalNumber("f").has_value());
    auto errors = finishErrors(v);
    ASSERT_TRUE(errors);
    EXPECT_EQ(itemType(errors, 0), "float_type");
}

TEST(BodyValidatorTest, NonBooleanIsBoolType) {
    auto v = validatorFor(R"({"b":1})");
    EXPECT_FALSE(v.optionalBool("b").has_value());
    auto errors = finishErrors(v);
    ASSERT_TRUE(errors);
    EXPECT_EQ(itemType(errors, 0), "bool_type");
}

TEST(BodyValidatorTest, FractionalNumberIsNotAnInteger) {
    auto v = validatorFor(R"({"n":1.5})");
    EXPECT_FALSE(v.optionalInt("n", 0, 10).has_value());
    auto errors = finishErrors(v);
    ASSERT_TRUE(errors);
    EXPECT_EQ(itemType(errors, 0), "int_from_float");
}

TEST(BodyValidatorTest, WholeFloatIsAcceptedAsInteger) {
    auto v = validatorFor(R"({"n":2.0})");
    EXPECT_EQ(v.optionalInt("n", 0, 10), 2);
    EXPECT_TRUE(v.ok());
}

TEST(BodyValidatorTest, OptionalIntAcceptsInclusiveBounds) {
    auto v = validatorFor(R"({"lo":1,"hi":10})");
    EXPECT_EQ(v.optionalInt("lo", 1, 10), 1);
    EXPECT_EQ(v.optionalInt("hi", 1, 10), 10);
    EXPECT_TRUE(v.ok());
}

TEST(BodyValidatorTest, OptionalIntOutsideRangeIsRangeError) {
    auto v = validatorFor(R"({"lo":0,"hi":11})");
    EXPECT_FALSE(v.optionalInt("lo", 1, 10).has_value());
    EXPECT_FALSE(v.optionalInt("hi", 1, 10).has_value());
    auto errors = finishErrors(v);
    ASSERT_TRUE(errors);
    ASSERT_EQ(errors->size(), 2u);
    EXPECT_EQ(itemType(errors, 0), "range");
    EXPECT_EQ(errors->getObject(0)->getValue<std::string>("msg"),
              "Input should be between 1 and 10");
    EXPECT_EQ(itemType(errors, 1), "range");
}

TEST(BodyValidatorTest, OptionalFieldsAbsentOrNullAreNulloptWithoutError) {
    auto v = validatorFor(R"({"n":null,"s":null})");
    EXPECT_FALSE(v.optionalInt("n", 0, 10).has_value());
    EXPECT_FALSE(v.optionalString("s").has_value());
    EXPECT_FALSE(v.optionalInt("absent", 0, 10).has_value());
    EXPECT_FALSE(v.optionalBool("absent").has_value());
    EXPECT_FALSE(v.optionalArray("absent"));
    EXPECT_FALSE(v.optionalObject("absent"));
    EXPECT_FALSE(v.has("n"));
    EXPECT_TRUE(v.ok());
}

TEST(BodyValidatorTest, NullForRequiredIntIsIntType) {
    auto v = validatorFor(R"({"n":null})");
    v.requiredInt("n", 0, 10);
    auto errors = finishErrors(v);
    ASSERT_TRUE(errors);
    ASSERT_EQ(errors->size(), 1u);
    EXPECT_EQ(itemType(errors, 0), "int_type");
}

TEST(BodyValidatorTest, StringLongerThanMaxLengthIsRejected) {
    auto v = validatorFor(R"({"s":"abcdef"})");
    EXPECT_EQ(v.requiredString("s", 5), "");
    auto errors = finishErrors(v);
    ASSERT_TRUE(errors);
    EXPECT_EQ(itemType(errors, 0), "string_too_long");
}

TEST(BodyValidatorTest, MaxLengthCountsBytes) {
    auto v = validatorFor(R"({"s":"wö"})");  // 3 bytes in UTF-8
    v.requiredString("s", 2);
    EXPECT_FALSE(v.ok());
}

TEST(BodyValidatorTest, WrongContainerTypesAreListTypeAndDictType) {
    auto v = validatorFor(R"({"l":{},"o":[]})");
    EXPECT_FALSE(v.optionalArray("l"));
    EXPECT_FALSE(v.optionalObject("o"));
    auto errors = finishErrors(v);
    ASSERT_TRUE(errors);
    ASSERT_EQ(errors->size(), 2u);
    EXPECT_EQ(itemType(errors, 0), "list_type");
    EXPECT_EQ(itemType(errors, 1), "dict_type");
}

TEST(BodyValidatorTest, CollectsEveryErrorBeforeFailing) {
    auto v = validatorFor(R"({"name":7,"count":"many","extra":"ignored"})");
    v.requiredString("name");
    v.requiredInt("count", 0, 100);
    v.requiredString("missing_field");
    v.optionalBool("extra");
    std::string message;
    auto errors = finishErrors(v, &message);
    ASSERT_TRUE(errors);
    ASSERT_EQ(errors->size(), 4u);
    EXPECT_EQ(itemType(errors, 0), "string_type");
    EXPECT_EQ(itemType(errors, 1), "int_type");
    EXPECT_EQ(itemType(errors, 2), "missing");
    EXPECT_EQ(itemType(errors, 3), "bool_type");
    EXPECT_EQ(json::stringify(errors->getObject(2)->get("loc")), R"(["body","missing_field"])");
    EXPECT_THAT(message, HasSubstr("name"));
}

TEST(BodyValidatorTest, CustomFailureIsRecorded) {
    auto v = validatorFor(R"({"email":"nope"})");
    v.fail("email", "value_error", "value is not a valid email address");
    auto errors = finishErrors(v);
    ASSERT_TRUE(errors);
    ASSERT_EQ(errors->size(), 1u);
    auto item = errors->getObject(0);
    EXPECT_EQ(item->getValue<std::string>("type"), "value_error");
    EXPECT_EQ(item->getValue<std::string>("msg"), "value is not a valid email address");
    EXPECT_EQ(item->getValue<std::string>("input"), "nope");
}

TEST(BodyValidatorTest, UnknownKeysAreIgnored) {
    auto v = validatorFor(R"({"known":"x","unknown":1})");
    EXPECT_EQ(v.requiredString("known"), "x");
    EXPECT_TRUE(v.ok());
    EXPECT_NO_THROW(v.finish());
}

}  // namespace
}  // namespace hub::sdk

namespace hub::sdk {
namespace {

TEST(BodyValidatorRangeTest, IntegersPastInt64AreARangeErrorNotACrash) {
    for (const std::string& text : {std::string("{\"n\": 18446744073709551615}"), std::string("{\"n\": 9223372036854775808}")}) {
        BodyValidator v(json::parseStrictObject(text));
        EXPECT_FALSE(v.optionalInt("n", 1, 1000000));
        EXPECT_THROW(v.finish(), ValidationError) << text;
    }
}

}  // namespace
}  // namespace hub::sdk
