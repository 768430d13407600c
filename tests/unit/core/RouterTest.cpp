#include "http/Router.h"

#include <stdexcept>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "http/PathTemplate.h"

namespace hub::core {
namespace {

using ::testing::AllOf;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

sdk::RouteSpec spec(const std::string& method, const std::string& path) {
    sdk::RouteSpec s;
    s.method = method;
    s.path = path;
    s.handler = [](sdk::RequestContext&) {};
    return s;
}

/// Matches a raw request path the way the server does (split + decode first).
RouteMatch route(const Router& router, const std::string& method, const std::string& rawPath) {
    auto segments = PathTemplate::splitRequestPath(rawPath);
    EXPECT_TRUE(segments.has_value()) << rawPath;
    return router.match(method, segments.value_or(std::vector<std::string>{}));
}

TEST(RouterTest, MatchesSingleSegmentParam) {
    Router router;
    router.add(spec("GET", "/api/v1/snippets/{id}"));
    auto m = route(router, "GET", "/api/v1/snippets/abc");
    ASSERT_EQ(m.kind, RouteMatch::Found);
    EXPECT_EQ(m.route->spec.path, "/api/v1/snippets/{id}");
    EXPECT_EQ(m.params.at("id"), "abc");
}

TEST(RouterTest, PathParamWithLiteralSuffixMatchesNestedPath) {
    Router router;
    router.add(spec("GET", "/api/v1/files/{path:path}"));
    router.add(spec("POST", "/api/v1/files/{path:path}/share"));
    auto share = route(router, "POST", "/api/v1/files/a/b/c/share");
    ASSERT_EQ(share.kind, RouteMatch::Found);
    EXPECT_EQ(share.route->spec.path, "/api/v1/files/{path:path}/share");
    EXPECT_EQ(share.params.at("path"), "a/b/c");

    auto get = route(router, "GET", "/api/v1/files/a/b/c");
    ASSERT_EQ(get.kind, RouteMatch::Found);
    EXPECT_EQ(get.params.at("path"), "a/b/c");
}

TEST(RouterTest, TrailingSlashIsServedBothWays) {
    Router router;
    router.add(spec("GET", "/api/v1/snippets"));
    router.add(spec("GET", "/api/v1/notes/"));
    EXPECT_EQ(route(router, "GET", "/api/v1/snippets").kind, RouteMatch::Found);
    EXPECT_EQ(route(router, "GET", "/api/v1/snippets/").kind, RouteMatch::Found);
    EXPECT_EQ(route(router, "GET", "/api/v1/notes").kind, RouteMatch::Found);
    EXPECT_EQ(route(router, "GET", "/api/v1/notes/").kind, RouteMatch::Found);
}

TEST(RouterTest, EncodedSlashStaysInsideASingleSegmentParam) {
    Router router;
    router.add(spec("GET", "/api/v1/files/{name}"));
    auto m = route(router, "GET", "/api/v1/files/a%2Fb");
    ASSERT_EQ(m.kind, RouteMatch::Found);
    EXPECT_EQ(m.params.at("name"), "a/b");
}

TEST(RouterTest, UnknownPathIsNotFound) {
    Router router;
    router.add(spec("GET", "/api/v1/snippets"));
    auto m = route(router, "GET", "/api/v1/nothing");
    EXPECT_EQ(m.kind, RouteMatch::NotFound);
    EXPECT_EQ(m.route, nullptr);
    EXPECT_TRUE(m.allowed.empty());
}

TEST(RouterTest, WrongMethodIs405ListingAllowedMethodsWithHead) {
    Router router;
    router.add(spec("GET", "/api/v1/items"));
    router.add(spec("POST", "/api/v1/items"));
    auto m = route(router, "DELETE", "/api/v1/items");
    EXPECT_EQ(m.kind, RouteMatch::MethodNotAllowed);
    EXPECT_EQ(m.route, nullptr);
    EXPECT_THAT(m.allowed, ElementsAre("GET", "HEAD", "OPTIONS", "POST"));
}

TEST(RouterTest, AllowedMethodsOmitHeadWithoutGet) {
    Router router;
    router.add(spec("POST", "/api/v1/login"));
    auto m = route(router, "GET", "/api/v1/login");
    EXPECT_EQ(m.kind, RouteMatch::MethodNotAllowed);
    EXPECT_THAT(m.allowed, ElementsAre("OPTIONS", "POST"));
}

TEST(RouterTest, LiteralBeatsParamWhateverTheRegistrationOrder) {
    Router router;
    router.add(spec("GET", "/snippets/{id}"));
    router.add(spec("GET", "/snippets/export"));
    auto exportMatch = route(router, "GET", "/snippets/export");
    ASSERT_EQ(exportMatch.kind, RouteMatch::Found);
    EXPECT_EQ(exportMatch.route->spec.path, "/snippets/export");
    EXPECT_TRUE(exportMatch.params.empty());

    auto idMatch = route(router, "GET", "/snippets/42");
    ASSERT_EQ(idMatch.kind, RouteMatch::Found);
    EXPECT_EQ(idMatch.route->spec.path, "/snippets/{id}");
    EXPECT_EQ(idMatch.params.at("id"), "42");
}

TEST(RouterTest, ParamBeatsPathParam) {
    Router router;
    router.add(spec("GET", "/files/{rest:path}"));
    router.add(spec("GET", "/files/{name}"));
    auto m = route(router, "GET", "/files/x");
    ASSERT_EQ(m.kind, RouteMatch::Found);
    EXPECT_EQ(m.route->spec.path, "/files/{name}");
    EXPECT_EQ(route(router, "GET", "/files/x/y").route->spec.path, "/files/{rest:path}");
}

TEST(RouterTest, CatchAllPathRouteIsFound) {
    Router router;
    router.add(spec("GET", "/{rest:path}"));
    auto m = route(router, "GET", "/some/page");
    ASSERT_EQ(m.kind, RouteMatch::Found);
    EXPECT_EQ(m.params.at("rest"), "some/page");
}

TEST(RouterTest, DuplicateRouteThrowsNamingBothOwners) {
    Router router;
    router.add(spec("GET", "/api/v1/items/{id}"), "files");
    try {
        router.add(spec("GET", "/api/v1/items/{name}"), "chat");
        FAIL() << "a duplicate route was accepted";
    } catch (const std::runtime_error& e) {
        EXPECT_THAT(e.what(), AllOf(HasSubstr("duplicate route"), HasSubstr("'files'"),
                                    HasSubstr("'chat'"), HasSubstr("GET")));
    }
    EXPECT_EQ(router.routes().size(), 1u);
}

TEST(RouterTest, TrailingSlashVariantIsADuplicate) {
    Router router;
    router.add(spec("GET", "/api/v1/items"));
    EXPECT_THROW(router.add(spec("GET", "/api/v1/items/")), std::runtime_error);
}

TEST(RouterTest, SamePathWithAnotherMethodIsNotADuplicate) {
    Router router;
    router.add(spec("GET", "/api/v1/items/{id}"));
    EXPECT_NO_THROW(router.add(spec("DELETE", "/api/v1/items/{id}")));
    EXPECT_EQ(router.routes().size(), 2u);
}

TEST(RouterTest, HeadMatchesGetRoutes) {
    Router router;
    router.add(spec("GET", "/api/v1/items/{id}"));
    auto m = route(router, "HEAD", "/api/v1/items/7");
    ASSERT_EQ(m.kind, RouteMatch::Found);
    EXPECT_EQ(m.route->spec.method, "GET");
    EXPECT_EQ(m.params.at("id"), "7");
}

TEST(RouterTest, HeadOnPostOnlyRouteIs405) {
    Router router;
    router.add(spec("POST", "/api/v1/items"));
    EXPECT_EQ(route(router, "HEAD", "/api/v1/items").kind, RouteMatch::MethodNotAllowed);
}

TEST(RouterTest, RemoveOwnerDropsOnlyThatOwnersRoutes) {
    Router router;
    router.add(spec("GET", "/api/v1/health"), "core");
    router.add(spec("GET", "/api/v1/files/{path:path}"), "files");
    router.add(spec("POST", "/api/v1/files/{path:path}"), "files");
    router.removeOwner("files");
    ASSERT_EQ(router.routes().size(), 1u);
    EXPECT_EQ(router.routes()[0]->owner, "core");
    EXPECT_EQ(route(router, "GET", "/api/v1/files/a").kind, RouteMatch::NotFound);
    // The removed routes can be registered again by someone else.
    EXPECT_NO_THROW(router.add(spec("GET", "/api/v1/files/{path:path}"), "files2"));
}

TEST(RouterTest, ClearRemovesEveryRoute) {
    Router router;
    router.add(spec("GET", "/a"));
    router.clear();
    EXPECT_TRUE(router.routes().empty());
    EXPECT_EQ(route(router, "GET", "/a").kind, RouteMatch::NotFound);
}

TEST(RouterTest, UnsupportedMethodIsRejected) {
    Router router;
    EXPECT_THROW(router.add(spec("HEAD", "/a")), std::invalid_argument);
    EXPECT_THROW(router.add(spec("get", "/a")), std::invalid_argument);
    EXPECT_THROW(router.add(spec("TRACE", "/a")), std::invalid_argument);
}

TEST(RouterTest, RouteWithoutHandlerIsRejected) {
    Router router;
    sdk::RouteSpec s = spec("GET", "/a");
    s.handler = nullptr;
    EXPECT_THROW(router.add(s), std::invalid_argument);
}

TEST(RouterTest, BadTemplateIsRejected) {
    Router router;
    EXPECT_THROW(router.add(spec("GET", "/a/{x:int}")), std::invalid_argument);
    EXPECT_TRUE(router.routes().empty());
}

}  // namespace
}  // namespace hub::core
