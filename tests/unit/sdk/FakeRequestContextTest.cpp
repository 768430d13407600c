#include "hub/sdk/testing/FakeRequestContext.h"

#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "hub/sdk/Error.h"
#include "hub/sdk/Json.h"

namespace hub::sdk {
namespace {

using ::testing::ElementsAre;
using testing::FakeRequestContext;
using ::testing::Pair;

/// The Var's held type, printable in failure messages.
std::string typeName(const Poco::Dynamic::Var& v) { return v.type().name(); }

TEST(FakeRequestContextTest, RespondJsonRoundTripsThroughResponseJson) {
    FakeRequestContext ctx("POST", "/api/v1/items");
    auto body = json::object();
    body->set("id", std::string("abc"));
    body->set("count", 2);
    body->set("name", std::string("wörld"));
    EXPECT_FALSE(ctx.responded());

    ctx.respondJson(201, body);

    EXPECT_TRUE(ctx.responded());
    EXPECT_EQ(ctx.status(), 201);
    EXPECT_EQ(ctx.responseContentType(), "application/json");
    EXPECT_EQ(ctx.responseBody(), R"({"id":"abc","count":2,"name":"wörld"})");
    auto parsed = ctx.responseJson();
    ASSERT_EQ(typeName(parsed), typeid(Poco::JSON::Object::Ptr).name());
    auto obj = parsed.extract<Poco::JSON::Object::Ptr>();
    EXPECT_EQ(obj->getValue<std::string>("id"), "abc");
    EXPECT_EQ(obj->getValue<int>("count"), 2);
    EXPECT_EQ(obj->getValue<std::string>("name"), "wörld");
}

TEST(FakeRequestContextTest, RespondRecordsStatusTypeAndBody) {
    FakeRequestContext ctx("GET", "/health");
    ctx.respond(200, "text/plain", "ok");
    EXPECT_EQ(ctx.status(), 200);
    EXPECT_EQ(ctx.responseContentType(), "text/plain");
    EXPECT_EQ(ctx.responseBody(), "ok");
}

TEST(FakeRequestContextTest, JsonBodyParsesAStrictObject) {
    FakeRequestContext ctx("POST", "/x");
    ctx.withBody(R"({"title":"t"})", "application/json");
    EXPECT_EQ(ctx.jsonBody()->getValue<std::string>("title"), "t");
    EXPECT_EQ(ctx.contentLength(), 13);
    EXPECT_EQ(ctx.contentType(), "application/json");
}

TEST(FakeRequestContextTest, JsonBodyRejectsNonObjectWith422) {
    FakeRequestContext ctx("POST", "/x");
    ctx.withBody("[1]", "application/json");
    try {
        ctx.jsonBody();
        FAIL() << "a JSON array was accepted as the body";
    } catch (const ValidationError& e) {
        EXPECT_EQ(e.status(), 422);
        EXPECT_EQ(e.code(), "body_not_object");
    }
}

TEST(FakeRequestContextTest, BodyOverLimitThrowsPayloadTooLarge) {
    FakeRequestContext ctx("POST", "/upload");
    ctx.withBody("0123456789", "application/octet-stream").withBodyLimit(5);
    EXPECT_THROW(ctx.body(), PayloadTooLarge);
    ctx.withBodyLimit(10);
    EXPECT_EQ(ctx.body(), "0123456789");
}

TEST(FakeRequestContextTest, InputsAreVisibleToHandlers) {
    FakeRequestContext ctx("GET", "/api/v1/files/a/b");
    ctx.withPathParam("path", "a/b")
        .withQuery("q", "first")
        .withQuery("q", "second")
        .withHeader("X-Custom", "v");
    EXPECT_EQ(ctx.method(), "GET");
    EXPECT_EQ(ctx.path(), "/api/v1/files/a/b");
    EXPECT_EQ(ctx.pathParam("path"), "a/b");
    EXPECT_EQ(ctx.pathParam("nope"), "");
    EXPECT_EQ(ctx.query("q"), "first");
    EXPECT_FALSE(ctx.query("nope").has_value());
    EXPECT_THAT(ctx.queryParams(), ElementsAre(Pair("q", "first"), Pair("q", "second")));
    EXPECT_EQ(ctx.header("x-custom"), "v");
    EXPECT_EQ(ctx.header("X-CUSTOM"), "v");
}

TEST(FakeRequestContextTest, ResponseHeadersAreCaseInsensitive) {
    FakeRequestContext ctx("GET", "/");
    ctx.setHeader("Retry-After", "5");
    EXPECT_EQ(ctx.responseHeader("retry-after"), "5");
    EXPECT_FALSE(ctx.responseHeader("X-Other").has_value());
}

TEST(FakeRequestContextTest, StreamedOutputBecomesTheResponseBody) {
    FakeRequestContext ctx("GET", "/events");
    std::ostream& out = ctx.beginStream(200, "text/event-stream");
    out << "data: 1\n\n";
    out << "data: 2\n\n";
    EXPECT_TRUE(ctx.responded());
    EXPECT_EQ(ctx.responseContentType(), "text/event-stream");
    EXPECT_EQ(ctx.responseBody(), "data: 1\n\ndata: 2\n\n");
}

TEST(FakeRequestContextTest, RequireAuthThrowsUnauthorizedWithoutCaller) {
    FakeRequestContext ctx("GET", "/me");
    EXPECT_EQ(ctx.auth(), nullptr);
    try {
        ctx.requireAuth();
        FAIL() << "requireAuth() returned without a caller";
    } catch (const Unauthorized& e) {
        EXPECT_EQ(e.status(), 401);
    }
}

TEST(FakeRequestContextTest, RequireAuthReturnsTheCaller) {
    AuthContext caller;
    caller.userId = "u1";
    caller.username = "alice";
    caller.role = "admin";
    FakeRequestContext ctx("GET", "/me");
    ctx.withAuth(caller);
    ASSERT_NE(ctx.auth(), nullptr);
    EXPECT_EQ(ctx.requireAuth().username, "alice");
    EXPECT_TRUE(ctx.requireAuth().isAdmin());
}

}  // namespace
}  // namespace hub::sdk
