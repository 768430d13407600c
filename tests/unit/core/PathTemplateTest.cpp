#include "http/PathTemplate.h"

#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace hub::core {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;
using Params = std::map<std::string, std::string>;
using Segments = std::vector<std::string>;

std::optional<Params> matchPath(const std::string& tpl, const Segments& segments) {
    Params params;
    if (!PathTemplate(tpl).match(segments, params)) {
        return std::nullopt;
    }
    return params;
}

TEST(PathTemplateTest, LiteralTemplateMatchesExactSegmentsOnly) {
    EXPECT_TRUE(matchPath("/api/v1/health", {"api", "v1", "health"}).has_value());
    EXPECT_FALSE(matchPath("/api/v1/health", {"api", "v1"}).has_value());
    EXPECT_FALSE(matchPath("/api/v1/health", {"api", "v1", "health", "x"}).has_value());
    EXPECT_FALSE(matchPath("/api/v1/health", {"api", "v1", "Health"}).has_value());
}

TEST(PathTemplateTest, RootTemplateMatchesNoSegments) {
    EXPECT_TRUE(matchPath("/", {}).has_value());
    EXPECT_FALSE(matchPath("/", {"x"}).has_value());
}

TEST(PathTemplateTest, SingleParamMatchesExactlyOneSegment) {
    auto params = matchPath("/snippets/{id}", {"snippets", "42"});
    ASSERT_TRUE(params.has_value());
    EXPECT_EQ(params->at("id"), "42");
    EXPECT_FALSE(matchPath("/snippets/{id}", {"snippets"}).has_value());
    EXPECT_FALSE(matchPath("/snippets/{id}", {"snippets", "4", "2"}).has_value());
}

TEST(PathTemplateTest, SingleParamDoesNotMatchAnEmptySegment) {
    EXPECT_FALSE(matchPath("/snippets/{id}", {"snippets", ""}).has_value());
}

TEST(PathTemplateTest, SeveralParamsAreAllCaptured) {
    auto params = matchPath("/users/{user}/keys/{key}", {"users", "u1", "keys", "k9"});
    ASSERT_TRUE(params.has_value());
    EXPECT_EQ(params->at("user"), "u1");
    EXPECT_EQ(params->at("key"), "k9");
}

TEST(PathTemplateTest, PathParamJoinsSeveralSegmentsWithSlashes) {
    auto params = matchPath("/api/v1/files/{path:path}", {"api", "v1", "files", "a", "b", "c"});
    ASSERT_TRUE(params.has_value());
    EXPECT_EQ(params->at("path"), "a/b/c");
    auto one = matchPath("/api/v1/files/{path:path}", {"api", "v1", "files", "a"});
    ASSERT_TRUE(one.has_value());
    EXPECT_EQ(one->at("path"), "a");
}

TEST(PathTemplateTest, PathParamNeedsAtLeastOneSegment) {
    EXPECT_FALSE(matchPath("/api/v1/files/{path:path}", {"api", "v1", "files"}).has_value());
}

TEST(PathTemplateTest, PathParamFollowedByLiteralSuffix) {
    const std::string tpl = "/api/v1/files/{path:path}/share";
    auto params = matchPath(tpl, {"api", "v1", "files", "a", "b", "c", "share"});
    ASSERT_TRUE(params.has_value());
    EXPECT_EQ(params->at("path"), "a/b/c");

    auto nested = matchPath(tpl, {"api", "v1", "files", "share", "share"});
    ASSERT_TRUE(nested.has_value());
    EXPECT_EQ(nested->at("path"), "share");

    EXPECT_FALSE(matchPath(tpl, {"api", "v1", "files", "share"}).has_value());
    EXPECT_FALSE(matchPath(tpl, {"api", "v1", "files", "a", "b"}).has_value());
}

TEST(PathTemplateTest, PathParamFollowedBySingleParam) {
    auto params = matchPath("/x/{rest:path}/{last}", {"x", "a", "b", "c"});
    ASSERT_TRUE(params.has_value());
    EXPECT_EQ(params->at("rest"), "a/b");
    EXPECT_EQ(params->at("last"), "c");
}

TEST(PathTemplateTest, FailedMatchLeavesNoParams) {
    Params params{{"stale", "value"}};
    EXPECT_FALSE(PathTemplate("/a/{id}/b").match({"a", "1", "c"}, params));
    EXPECT_THAT(params, IsEmpty());
}

TEST(PathTemplateTest, TrailingSlashInTemplateIsIgnored) {
    PathTemplate tpl("/api/v1/snippets/");
    EXPECT_EQ(tpl.canonical(), "/api/v1/snippets");
    EXPECT_TRUE(matchPath("/api/v1/snippets/", {"api", "v1", "snippets"}).has_value());
}

TEST(PathTemplateTest, CanonicalFormRenamesParams) {
    EXPECT_EQ(PathTemplate("/items/{id}").canonical(), "/items/{}");
    EXPECT_EQ(PathTemplate("/items/{other}").canonical(), "/items/{}");
    EXPECT_EQ(PathTemplate("/files/{p:path}/share").canonical(), "/files/{:path}/share");
    EXPECT_EQ(PathTemplate("/").canonical(), "/");
    EXPECT_EQ(PathTemplate("/items/{id}").text(), "/items/{id}");
}

TEST(PathTemplateTest, LiteralsAreMoreSpecificThanParamsThanPathParams) {
    PathTemplate literal("/snippets/export");
    PathTemplate param("/snippets/{id}");
    PathTemplate pathParam("/snippets/{rest:path}");
    PathTemplate catchAll("/{rest:path}");
    EXPECT_GT(literal.specificity(), param.specificity());
    EXPECT_GT(param.specificity(), pathParam.specificity());
    EXPECT_GT(pathParam.specificity(), catchAll.specificity());
}

TEST(PathTemplateTest, MalformedTemplatesAreRejected) {
    for (const char* bad :
         {"", "no/leading/slash", "/a//b", "/{}", "/{:path}", "/{x:int}", "/{x", "/a{b}", "/a}"}) {
        EXPECT_THROW(PathTemplate{bad}, std::invalid_argument) << bad;
    }
}

TEST(PathTemplateSplitTest, SplitsIntoSegments) {
    EXPECT_THAT(PathTemplate::splitRequestPath("/api/v1/items").value(),
                ElementsAre("api", "v1", "items"));
    EXPECT_THAT(PathTemplate::splitRequestPath("/").value(), IsEmpty());
}

TEST(PathTemplateSplitTest, DropsOneTrailingSlash) {
    EXPECT_THAT(PathTemplate::splitRequestPath("/api/v1/items/").value(),
                ElementsAre("api", "v1", "items"));
    EXPECT_THAT(PathTemplate::splitRequestPath("/api//").value(), ElementsAre("api", ""));
}

TEST(PathTemplateSplitTest, PercentDecodesEachSegment) {
    EXPECT_THAT(PathTemplate::splitRequestPath("/files/a%20b/%41%62").value(),
                ElementsAre("files", "a b", "Ab"));
    EXPECT_THAT(PathTemplate::splitRequestPath("/w%C3%b6rld").value(), ElementsAre("wörld"));
}

TEST(PathTemplateSplitTest, EncodedSlashStaysInsideItsSegment) {
    EXPECT_THAT(PathTemplate::splitRequestPath("/files/a%2Fb/share").value(),
                ElementsAre("files", "a/b", "share"));
}

TEST(PathTemplateSplitTest, RejectsControlCharacters) {
    for (const char* bad : {"/a%00b", "/a%0A", "/a%0d", "/a%1F", "/a%7F", "/a\x01", "/a\tb"}) {
        EXPECT_FALSE(PathTemplate::splitRequestPath(bad).has_value()) << bad;
    }
    EXPECT_FALSE(PathTemplate::splitRequestPath(std::string("/a\0b", 4)).has_value());
}

TEST(PathTemplateSplitTest, RejectsBadEscapes) {
    for (const char* bad : {"/a%", "/a%4", "/a%zz", "/a%g1", "/%%41"}) {
        EXPECT_FALSE(PathTemplate::splitRequestPath(bad).has_value()) << bad;
    }
}

TEST(PathTemplateSplitTest, RejectsPathsNotStartingWithSlash) {
    EXPECT_FALSE(PathTemplate::splitRequestPath("").has_value());
    EXPECT_FALSE(PathTemplate::splitRequestPath("api/v1").has_value());
    EXPECT_FALSE(PathTemplate::splitRequestPath("*").has_value());
}

}  // namespace
}  // namespace hub::core
