#include "hub/sdk/Json.h"

#include <optional>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "hub/sdk/Error.h"

namespace hub::sdk {
namespace {

using ::testing::HasSubstr;

/// The Var's held type, printable in failure messages.
std::string typeName(const Poco::Dynamic::Var& v) { return v.type().name(); }

/// The ValidationError parseStrict throws for `text`, or nullopt when it accepted it.
std::optional<ValidationError> parseError(const std::string& text,
                                          std::size_t maxDepth = json::kDefaultMaxDepth) {
    try {
        json::parseStrict(text, maxDepth);
    } catch (const ValidationError& e) {
        return e;
    }
    return std::nullopt;
}

std::optional<ValidationError> parseObjectError(const std::string& text) {
    try {
        json::parseStrictObject(text);
    } catch (const ValidationError& e) {
        return e;
    }
    return std::nullopt;
}

Poco::JSON::Array::Ptr detailList(const Error& e) {
    if (e.detail().type() != typeid(Poco::JSON::Array::Ptr)) {
        return nullptr;
    }
    return e.detail().extract<Poco::JSON::Array::Ptr>();
}

std::string nested(std::size_t depth, char open, char close) {
    return std::string(depth, open) + std::string(depth, close);
}

std::string nestedObjects(std::size_t depth) {
    std::string text;
    for (std::size_t i = 0; i < depth; ++i) {
        text += "{\"a\":";
    }
    text += "1";
    text += std::string(depth, '}');
    return text;
}

TEST(JsonParseStrictTest, AcceptsWellFormedObject) {
    auto v = json::parseStrict(R"({"name":"x","n":2,"list":[1,2],"o":{"b":true}})");
    ASSERT_EQ(typeName(v), typeid(Poco::JSON::Object::Ptr).name());
    auto obj = v.extract<Poco::JSON::Object::Ptr>();
    EXPECT_EQ(obj->getValue<std::string>("name"), "x");
    EXPECT_EQ(obj->getValue<int>("n"), 2);
    EXPECT_TRUE(obj->getObject("o")->getValue<bool>("b"));
}

TEST(JsonParseStrictTest, RejectsDuplicateKeysWith422JsonInvalid) {
    auto e = parseError(R"({"a":1,"a":2})");
    ASSERT_TRUE(e.has_value());
    EXPECT_EQ(e->status(), 422);
    EXPECT_EQ(e->code(), "json_invalid");
    EXPECT_THAT(e->what(), HasSubstr("duplicate key 'a'"));
}

TEST(JsonParseStrictTest, RejectsDuplicateKeysInNestedObject) {
    auto e = parseError(R"({"outer":{"k":1,"k":2}})");
    ASSERT_TRUE(e.has_value());
    EXPECT_EQ(e->code(), "json_invalid");
    EXPECT_THAT(e->what(), HasSubstr("duplicate key 'k'"));

    auto inArray = parseError(R"([{"ok":1},{"k":1,"k":2}])");
    ASSERT_TRUE(inArray.has_value());
    EXPECT_EQ(inArray->code(), "json_invalid");
}

TEST(JsonParseStrictTest, AcceptsSameKeyInDifferentObjects) {
    EXPECT_FALSE(parseError(R"({"a":{"a":1},"b":{"a":2}})").has_value());
    EXPECT_FALSE(parseError(R"([{"a":1},{"a":2}])").has_value());
}

TEST(JsonParseStrictTest, RejectsEscapedNulInString) {
    auto e = parseError(R"({"s":"a\u0000b"})");
    ASSERT_TRUE(e.has_value());
    EXPECT_EQ(e->status(), 422);
    EXPECT_EQ(e->code(), "json_invalid");
}

TEST(JsonParseStrictTest, RejectsRawNulByte) {
    std::string text = "{\"s\":\"a";
    text += '\0';
    text += "b\"}";
    auto e = parseError(text);
    ASSERT_TRUE(e.has_value());
    EXPECT_EQ(e->code(), "json_invalid");
    EXPECT_THAT(e->what(), HasSubstr("NUL"));
}

TEST(JsonParseStrictTest, AcceptsNestingOfExactlyMaxDepth) {
    EXPECT_FALSE(parseError(nested(64, '[', ']')).has_value());
    EXPECT_FALSE(parseError(nestedObjects(64)).has_value());
}

TEST(JsonParseStrictTest, RejectsNestingDeeperThanMaxDepth) {
    auto arrays = parseError(nested(65, '[', ']'));
    ASSERT_TRUE(arrays.has_value());
    EXPECT_EQ(arrays->code(), "json_invalid");
    auto objects = parseError(nestedObjects(65));
    ASSERT_TRUE(objects.has_value());
    EXPECT_EQ(objects->code(), "json_invalid");
}

TEST(JsonParseStrictTest, HonoursACustomMaxDepth) {
    EXPECT_FALSE(parseError(nested(3, '[', ']'), 3).has_value());
    EXPECT_TRUE(parseError(nested(4, '[', ']'), 3).has_value());
}

TEST(JsonParseStrictTest, AcceptsTopLevelScalars) {
    EXPECT_EQ(json::parseStrict("42").convert<int>(), 42);
    EXPECT_EQ(json::parseStrict(" -1.5 ").convert<double>(), -1.5);
    EXPECT_EQ(json::parseStrict("\"text\"").convert<std::string>(), "text");
    EXPECT_TRUE(json::parseStrict("true").convert<bool>());
    EXPECT_TRUE(json::parseStrict("null").isEmpty());
    EXPECT_TRUE(parseError("42 x").has_value());
    EXPECT_TRUE(parseError("\"a\" \"b\"").has_value());
}

TEST(JsonParseStrictTest, RejectsTrailingGarbage) {
    EXPECT_TRUE(parseError(R"({"a":1} x)").has_value());
    EXPECT_TRUE(parseError(R"({"a":1}{})").has_value());
    EXPECT_TRUE(parseError(R"([1]])").has_value());
}

TEST(JsonParseStrictTest, AcceptsSurroundingWhitespace) {
    EXPECT_FALSE(parseError(" {\"a\":1}\n").has_value());
}

TEST(JsonParseStrictTest, RejectsSyntaxErrors) {
    EXPECT_TRUE(parseError("").has_value());
    EXPECT_TRUE(parseError("{").has_value());
    EXPECT_TRUE(parseError(R"({"a":1,})").has_value());
    EXPECT_TRUE(parseError("{'a':1}").has_value());
    EXPECT_TRUE(parseError("{\"a\":1 /* comment */}").has_value());
}

TEST(JsonParseStrictTest, ErrorDetailIsPydanticList) {
    auto e = parseError(R"({"a":1,"a":2})");
    ASSERT_TRUE(e.has_value());
    auto list = detailList(*e);
    ASSERT_TRUE(list);
    ASSERT_GE(list->size(), 1u);
    auto item = list->getObject(0);
    ASSERT_TRUE(item);
    EXPECT_TRUE(item->has("type"));
    EXPECT_TRUE(item->has("loc"));
    EXPECT_TRUE(item->has("msg"));
    EXPECT_EQ(item->getValue<std::string>("type"), "json_invalid");
    auto loc = item->getArray("loc");
    ASSERT_TRUE(loc);
    EXPECT_EQ(loc->getElement<std::string>(0), "body");
}

TEST(JsonParseStrictObjectTest, ReturnsTheObject) {
    auto obj = json::parseStrictObject(R"({"k":"v"})");
    ASSERT_TRUE(obj);
    EXPECT_EQ(obj->getValue<std::string>("k"), "v");
}

TEST(JsonParseStrictObjectTest, RejectsNonObjectTopLevelAsBodyNotObject) {
    for (const char* text : {"[1,2]", "\"text\"", "42", "null", "true"}) {
        auto e = parseObjectError(text);
        ASSERT_TRUE(e.has_value()) << text;
        EXPECT_EQ(e->status(), 422) << text;
        EXPECT_EQ(e->code(), "body_not_object") << text;
        auto list = detailList(*e);
        ASSERT_TRUE(list) << text;
        ASSERT_EQ(list->size(), 1u) << text;
        auto item = list->getObject(0);
        EXPECT_EQ(item->getValue<std::string>("type"), "model_attributes_type") << text;
        EXPECT_EQ(json::stringify(item->get("loc")), R"(["body"])") << text;
        EXPECT_TRUE(item->has("msg")) << text;
    }
}

TEST(JsonParseStrictObjectTest, StillReportsJsonInvalidForBrokenJson) {
    auto e = parseObjectError("{\"a\":");
    ASSERT_TRUE(e.has_value());
    EXPECT_EQ(e->code(), "json_invalid");
}

TEST(JsonStringifyTest, KeepsInsertionOrder) {
    auto obj = json::object();
    obj->set("zeta", 1);
    obj->set("alpha", 2);
    obj->set("mid", 3);
    EXPECT_EQ(json::stringify(obj), R"({"zeta":1,"alpha":2,"mid":3})");
}

TEST(JsonStringifyTest, IsCompact) {
    auto inner = json::object();
    inner->set("c", true);
    inner->set("d", Poco::Dynamic::Var());
    auto list = json::array();
    list->add(1);
    list->add("two");
    auto obj = json::object();
    obj->set("a", list);
    obj->set("b", inner);
    EXPECT_EQ(json::stringify(obj), R"({"a":[1,"two"],"b":{"c":true,"d":null}})");
}

TEST(JsonStringifyTest, LeavesUtf8Unescaped) {
    auto obj = json::object();
    obj->set("greeting", std::string("hello wörld"));
    EXPECT_EQ(json::stringify(obj), "{\"greeting\":\"hello wörld\"}");
}

TEST(JsonStringifyTest, ParsedObjectKeepsSourceKeyOrder) {
    const std::string text = R"({"b":1,"a":{"y":2,"x":3},"c":"wörld"})";
    EXPECT_EQ(json::stringify(json::parseStrict(text)), text);
}

TEST(JsonQuoteTest, EscapesQuotesBackslashesAndControlCharacters) {
    EXPECT_EQ(json::quote("plain"), "\"plain\"");
    EXPECT_EQ(json::quote("a\"b\\c\nd"), "\"a\\\"b\\\\c\\nd\"");
    EXPECT_EQ(json::quote("wörld"), "\"wörld\"");
}

}  // namespace
}  // namespace hub::sdk
