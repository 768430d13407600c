// Conversations on the access model and snapshot links (core.links.v1) over real HTTP: live
// shares (view vs use vs stranger vs team member), revocation on the next request, deletion
// dropping grants and links, link creation/listing/revocation, expiry, passwords (header only),
// exact view limits under concurrent reads, snapshots without later messages, continuing a
// snapshot as one's own copy, and tokens that cannot be probed.
#include <atomic>
#include <chrono>
#include <ctime>
#include <iostream>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>

#include "ServerProcess.h"
#include "SignedInUser.h"
#include "hub/sdk/Json.h"

namespace hub::tests {
namespace {

using Headers = std::map<std::string, std::string>;

using User = SignedInUser;

Poco::JSON::Array::Ptr arrayOf(const Response& r) {
    try {
        return r.json().extract<Poco::JSON::Array::Ptr>();
    } catch (...) {
        return new Poco::JSON::Array;
    }
}

/// A token of the right shape that no link has.
const std::string kUnknownToken = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";

class ChatSharingTest : public ::testing::Test {
protected:
    void SetUp() override {
        ASSERT_TRUE(server_.start(allPluginsArgs())) << server_.stderrText();
        alice_ = addUser("alice");
        bob_ = addUser("bob");
        carol_ = addUser("carol");
        dave_ = addUser("dave");
        advisor_ = createAdvisor(alice_, "Guide");
        conversation_ = newConversation(alice_, advisor_);
        EXPECT_EQ(say(alice_, conversation_, "first question").status, 200);
    }

    void TearDown() override { printServerLogOnFailure(server_); }

    User addUser(const std::string& name) { return signUp(server_, name); }

    std::string createAdvisor(const User& u, const std::string& name) { return createEchoAdvisor(server_, u, name); }
    std::string newConversation(const User& u, const std::string& advisorId) {
        auto r = server_.request("POST", "/api/v1/chat/advisor/" + advisorId + "/new", "", u.auth());
        EXPECT_EQ(r.status, 200) << r.body;
        return r.status == 200 ? r.object()->getValue<std::string>("id") : std::string("missing");
    }
    /// Sends one message; on success the echo reply has streamed to its end.
    Response say(const User& u, const std::string& conversationId, const std::string& text) {
        auto r = server_.postJson("/api/v1/chat/" + conversationId + "/message", R"({"message":")" + text + R"("})",
                                  u.auth());
        if (r.status == 200) {
            EXPECT_NE(r.body.find("Echo: "), std::string::npos) << r.body;
            EXPECT_NE(r.body.find("\"done\""), std::string::npos) << r.body;
        }
        return r;
    }
    Response getChat(const User& u, const std::string& id) const { return server_.get("/api/v1/chat/" + id, u.auth()); }
    Response getMessages(const User& u, const std::string& id) const {
        return server_.get("/api/v1/chat/messages/" + id, u.auth());
    }
    Response cancel(const User& u, const std::string& id) const {
        return server_.request("POST", "/api/v1/chat/" + id + "/cancel", "", u.auth());
    }
    Response deleteChat(const User& u, const std::string& id) const {
        return server_.request("DELETE", "/api/v1/chat/" + id, "", u.auth());
    }
    std::size_t messageCount(const User& u, const std::string& id) const {
        auto r = getMessages(u, id);
        EXPECT_EQ(r.status, 200) << r.body;
        return arrayOf(r)->size();
    }

    Response share(const User& u, const std::string& principalType, const std::string& principalName,
                   const std::string& roleOrPermissions) const {
        auto o = sdk::json::object();
        o->set("resource_type", "conversation");
        o->set("resource_id", conversation_);
        o->set("principal_type", principalType);
        o->set("principal_name", principalName);
        if (roleOrPermissions.find(',') != std::string::npos) {
            auto a = sdk::json::array();
            std::size_t start = 0;
            while (start <= roleOrPermissions.size()) {
                std::size_t end = roleOrPermissions.find(',', start);
                if (end == std::string::npos) end = roleOrPermissions.size();
                a->add(roleOrPermissions.substr(start, end - start));
                start = end + 1;
            }
            o->set("permissions", a);
        } else {
            o->set("role", roleOrPermissions);
        }
        return server_.postJson("/api/v1/shares", sdk::json::stringify(o), u.auth());
    }
    std::string mustShare(const User& u, const std::string& type, const std::string& name, const std::string& role) {
        auto r = share(u, type, name, role);
        EXPECT_EQ(r.status, 201) << r.body;
        return r.status == 201 ? r.object()->getValue<std::string>("id") : std::string("missing");
    }

    Response createLink(const User& u, const std::string& body, const std::string& id = "") const {
        return server_.postJson("/api/v1/chat/" + (id.empty() ? conversation_ : id) + "/links", body, u.auth());
    }
    Poco::JSON::Object::Ptr mustLink(const std::string& body = "{}") {
        auto r = createLink(alice_, body);
        EXPECT_EQ(r.status, 201) << body << " -> " << r.body;
        return r.status == 201 ? r.object() : Poco::JSON::Object::Ptr(new Poco::JSON::Object);
    }
    Response listLinks(const User& u) const { return server_.get("/api/v1/chat/" + conversation_ + "/links", u.auth()); }
    Response revokeLink(const User& u, const std::string& which) const {
        return server_.request("DELETE", "/api/v1/chat/" + conversation_ + "/links/" + which, "", u.auth());
    }
    /// The public snapshot, signed out.
    Response open(const std::string& token, const Headers& headers = {}) const {
        return server_.get("/api/v1/shared/chats/" + token, headers);
    }
    long long views(const std::string& linkId) const {
        return server_.scalar("SELECT use_count FROM share_links WHERE id = '" + linkId + "'");
    }

    ServerProcess server_;
    User alice_, bob_, carol_, dave_;
    std::string advisor_, conversation_;
};

// ---- live shares ---------------------------------------------------------------------------

TEST_F(ChatSharingTest, ViewLetsReadUseLetsContinueAndStrangersSeeNothing) {
    mustShare(alice_, "user", "bob", "viewer");

    // view: the conversation and its messages, with whose it is and what the sharee may do.
    auto got = getChat(bob_, conversation_);
    ASSERT_EQ(got.status, 200) << got.body;
    EXPECT_EQ(got.object()->getValue<std::string>("owner"), "alice");
    EXPECT_EQ(got.object()->getArray("access")->size(), 1u);
    EXPECT_EQ(got.object()->getArray("messages")->size(), 2u);
    EXPECT_EQ(messageCount(bob_, conversation_), 2u);
    // ... but not continue it, cancel its reply or delete it.
    auto said = say(bob_, conversation_, "may I?");
    EXPECT_EQ(said.status, 403) << said.body;
    EXPECT_EQ(said.errorCode(), "permission_denied");
    EXPECT_EQ(cancel(bob_, conversation_).status, 403);
    auto del = deleteChat(bob_, conversation_);
    EXPECT_EQ(del.status, 403) << del.body;
    EXPECT_EQ(del.errorCode(), "owner_only");
    EXPECT_EQ(messageCount(alice_, conversation_), 2u);

    // A stranger gets 404 for everything, the same as for a conversation that does not exist.
    for (const auto& r : {getChat(carol_, conversation_), getMessages(carol_, conversation_),
                          say(carol_, conversation_, "hello"), cancel(carol_, conversation_),
                          deleteChat(carol_, conversation_), listLinks(carol_), createLink(carol_, "{}")}) {
        EXPECT_EQ(r.status, 404) << r.body;
        EXPECT_EQ(r.errorCode(), "conversation_not_found") << r.body;
    }

    // use: the sharee continues the owner's conversation with its advisor, which they cannot
    // see themselves.
    mustShare(alice_, "user", "bob", "user");
    EXPECT_EQ(server_.get("/api/v1/advisors/" + advisor_, bob_.auth()).status, 404);
    ASSERT_EQ(say(bob_, conversation_, "continuing").status, 200);
    EXPECT_EQ(cancel(bob_, conversation_).status, 200);
    auto history = getChat(alice_, conversation_);
    ASSERT_EQ(history.status, 200);
    auto messages = history.object()->getArray("messages");
    ASSERT_EQ(messages->size(), 4u);
    EXPECT_EQ(messages->getObject(2)->getValue<std::string>("content"), "continuing");
    EXPECT_EQ(deleteChat(bob_, conversation_).status, 403);
    // The owner role means every bit a conversation has (it has no edit).
    auto owner = share(alice_, "user", "carol", "owner");
    EXPECT_EQ(owner.status, 201) << owner.body;
}

TEST_F(ChatSharingTest, ATeamGrantWorksForMembersAndRevocationCountsOnTheNextRequest) {
    auto team = server_.postJson("/api/v1/teams", R"({"name":"crew"})", alice_.auth());
    ASSERT_EQ(team.status, 201) << team.body;
    std::string teamId = team.object()->getValue<std::string>("id");
    ASSERT_EQ(server_.postJson("/api/v1/teams/" + teamId + "/members", R"({"username":"dave"})", alice_.auth()).status,
              201);
    std::string grant = mustShare(alice_, "team", "crew", "user");

    EXPECT_EQ(getChat(dave_, conversation_).status, 200);
    EXPECT_EQ(say(dave_, conversation_, "from the team").status, 200);
    EXPECT_EQ(getChat(carol_, conversation_).status, 404);  // not a member

    auto revoked = server_.request("DELETE", "/api/v1/shares/" + grant, "", alice_.auth());
    ASSERT_EQ(revoked.status, 200) << revoked.body;
    EXPECT_EQ(getChat(dave_, conversation_).status, 404);
    EXPECT_EQ(say(dave_, conversation_, "still here?").status, 404);
    EXPECT_EQ(messageCount(alice_, conversation_), 4u);
}

TEST_F(ChatSharingTest, DeletingTheConversationDropsItsGrantsAndLinksAtOnce) {
    mustShare(alice_, "user", "bob", "viewer");
    auto link = mustLink();
    std::string token = link->getValue<std::string>("token");
    ASSERT_EQ(open(token).status, 200);
    EXPECT_EQ(server_.scalar("SELECT COUNT(*) FROM access_grants WHERE resource_id = '" + conversation_ + "'"), 1);
    EXPECT_EQ(server_.scalar("SELECT COUNT(*) FROM share_links WHERE resource_id = '" + conversation_ + "'"), 1);

    auto del = deleteChat(alice_, conversation_);
    ASSERT_EQ(del.status, 200) << del.body;
    EXPECT_EQ(server_.scalar("SELECT COUNT(*) FROM access_grants WHERE resource_id = '" + conversation_ + "'"), 0);
    EXPECT_EQ(server_.scalar("SELECT COUNT(*) FROM share_links WHERE resource_id = '" + conversation_ + "'"), 0);
    EXPECT_EQ(getChat(bob_, conversation_).status, 404);
    EXPECT_EQ(open(token).status, 404);

    // Deleting the advisor deletes its conversations, and with them their links.
    std::string other = newConversation(alice_, advisor_);
    auto otherLink = createLink(alice_, "{}", other);
    ASSERT_EQ(otherLink.status, 201) << otherLink.body;
    ASSERT_EQ(server_.request("DELETE", "/api/v1/advisors/" + advisor_, "", alice_.auth()).status, 200);
    EXPECT_EQ(open(otherLink.object()->getValue<std::string>("token")).status, 404);
    EXPECT_EQ(server_.scalar("SELECT COUNT(*) FROM share_links WHERE resource_id = '" + other + "'"), 0);
}

// ---- links ---------------------------------------------------------------------------------

TEST_F(ChatSharingTest, LinksAreCreatedListedWithoutTokensAndRevokedByTokenOrId) {
    auto first = mustLink(R"({"max_views": 5, "password": "pw 1"})");
    std::string token = first->getValue<std::string>("token");
    EXPECT_EQ(token.size(), 43u);
    EXPECT_EQ(first->getValue<std::string>("url"), "/api/v1/shared/chats/" + token);
    EXPECT_EQ(first->getValue<int>("max_views"), 5);
    EXPECT_EQ(first->getValue<int>("views"), 0);
    EXPECT_TRUE(first->getValue<bool>("has_password"));
    EXPECT_TRUE(first->isNull("expires_at"));
    EXPECT_FALSE(first->getValue<std::string>("created_at").empty());
    auto second = mustLink();
    EXPECT_FALSE(second->getValue<bool>("has_password"));
    EXPECT_TRUE(second->isNull("max_views"));

    // Only a hash of the token is stored; the list names links by id.
    EXPECT_EQ(server_.scalar("SELECT COUNT(*) FROM share_links WHERE token_hash = '" + token + "'"), 0);
    auto list = listLinks(alice_);
    ASSERT_EQ(list.status, 200) << list.body;
    auto links = arrayOf(list);
    ASSERT_EQ(links->size(), 2u);
    EXPECT_EQ(links->getObject(0)->getValue<std::string>("id"), first->getValue<std::string>("id"));
    EXPECT_FALSE(links->getObject(0)->has("token"));
    EXPECT_EQ(list.body.find(token), std::string::npos);

    // Revoke by token, then by id; effective at once; a second revoke is 404.
    auto byToken = revokeLink(alice_, token);
    EXPECT_EQ(byToken.status, 200) << byToken.body;
    EXPECT_EQ(open(token, {{"X-Share-Password", "pw 1"}}).status, 404);
    std::string secondToken = second->getValue<std::string>("token");
    EXPECT_EQ(open(secondToken).status, 200);
    EXPECT_EQ(revokeLink(alice_, second->getValue<std::string>("id")).status, 200);
    EXPECT_EQ(open(secondToken).status, 404);
    auto again = revokeLink(alice_, token);
    EXPECT_EQ(again.status, 404);
    EXPECT_EQ(again.errorCode(), "share_link_not_found");
    EXPECT_EQ(arrayOf(listLinks(alice_))->size(), 0u);
}

TEST_F(ChatSharingTest, OnlyTheOwnerAndResharersMakeLinksAndALinkEndsWithItsCreatorsRight) {
    mustShare(alice_, "user", "bob", "user");
    auto denied = createLink(bob_, "{}");
    EXPECT_EQ(denied.status, 403) << denied.body;
    EXPECT_EQ(denied.errorCode(), "reshare_denied");
    EXPECT_EQ(listLinks(bob_).status, 403);

    std::string grant = mustShare(alice_, "user", "bob", "view,reshare");
    auto byBob = createLink(bob_, "{}");
    ASSERT_EQ(byBob.status, 201) << byBob.body;
    std::string token = byBob.object()->getValue<std::string>("token");
    EXPECT_EQ(open(token).status, 200);
    EXPECT_EQ(arrayOf(listLinks(alice_))->size(), 1u);
    // Bob losing his grant ends the link he made.
    ASSERT_EQ(server_.request("DELETE", "/api/v1/shares/" + grant, "", alice_.auth()).status, 200);
    EXPECT_EQ(open(token).status, 404);
}

TEST_F(ChatSharingTest, InvalidLinkRequestsAreRefusedAndCreateNothing) {
    const std::vector<std::string> bad = {
        R"({"max_views": 0})",         R"({"max_views": -1})",      R"({"max_views": "3"})",
        R"({"max_views": 1.5})",       R"({"password": ""})",       R"({"password": 5})",
        R"({"expires_at": "2001-01-01T00:00:00Z"})",                R"({"expires_at": "tomorrow"})",
        R"({"expires_at": true})",     R"([1])",                    R"(not json)",
    };
    for (const auto& body : bad) {
        auto r = createLink(alice_, body);
        EXPECT_EQ(r.status, 422) << body << " -> " << r.body;
        EXPECT_FALSE(r.errorCode().empty()) << body;
    }
    EXPECT_EQ(server_.scalar("SELECT COUNT(*) FROM share_links"), 0);
    EXPECT_EQ(createLink(alice_, "{}", "not-a-uuid").status, 404);
    EXPECT_EQ(revokeLink(alice_, "nonsense").status, 404);
    EXPECT_EQ(server_.request("POST", "/api/v1/shared/chats/" + kUnknownToken + "/continue", "", {}).status, 401);
}

TEST_F(ChatSharingTest, TheSnapshotShowsTheConversationAsItWasWhenTheLinkWasMade) {
    auto link = mustLink();
    ASSERT_EQ(say(alice_, conversation_, "after the link").status, 200);
    ASSERT_EQ(messageCount(alice_, conversation_), 4u);

    auto r = open(link->getValue<std::string>("token"));
    ASSERT_EQ(r.status, 200) << r.body;
    auto snap = r.object();
    EXPECT_EQ(snap->getValue<std::string>("advisor_name"), "Guide");
    EXPECT_TRUE(snap->has("title"));
    EXPECT_FALSE(snap->getValue<std::string>("created_at").empty());
    auto messages = snap->getArray("messages");
    ASSERT_EQ(messages->size(), 2u);
    EXPECT_EQ(messages->getObject(0)->getValue<std::string>("role"), "user");
    EXPECT_EQ(messages->getObject(0)->getValue<std::string>("content"), "first question");
    EXPECT_EQ(messages->getObject(1)->getValue<std::string>("role"), "assistant");
    EXPECT_EQ(r.body.find("after the link"), std::string::npos);
    EXPECT_EQ(views(link->getValue<std::string>("id")), 1);

    // A browser is sent to the page, and that counts no view.
    auto page = open(link->getValue<std::string>("token"), {{"Accept", "text/html,application/xhtml+xml"}});
    EXPECT_EQ(page.status, 303);
    EXPECT_EQ(page.header("Location"), "/#/shared/chats/" + link->getValue<std::string>("token"));
    EXPECT_EQ(views(link->getValue<std::string>("id")), 1);
    // A path that is no token is not echoed into a redirect (no header injection; the core
    // already refuses control characters in a path).
    auto crlf = server_.get("/api/v1/shared/chats/x%0d%0aX-Injected:%201", {{"Accept", "text/html"}});
    EXPECT_EQ(crlf.status, 400) << crlf.body;
    EXPECT_EQ(crlf.header("X-Injected"), "");
    auto odd = server_.get("/api/v1/shared/chats/x%20y%3Cz%3E", {{"Accept", "text/html"}});
    EXPECT_EQ(odd.status, 404) << odd.body;
    EXPECT_EQ(odd.header("Location"), "");
}

TEST_F(ChatSharingTest, APasswordTravelsOnlyInTheHeader) {
    auto link = mustLink(R"({"password": "open sesame"})");
    std::string token = link->getValue<std::string>("token");

    auto none = open(token);
    EXPECT_EQ(none.status, 401) << none.body;
    EXPECT_EQ(none.errorCode(), "share_password_required");
    auto wrong = open(token, {{"X-Share-Password", "open barley"}});
    EXPECT_EQ(wrong.status, 401);
    EXPECT_EQ(wrong.errorCode(), "share_password_invalid");
    auto query = server_.get("/api/v1/shared/chats/" + token + "?password=open%20sesame&X-Share-Password=open%20sesame");
    EXPECT_EQ(query.status, 401) << query.body;
    EXPECT_EQ(query.errorCode(), "share_password_required");
    EXPECT_EQ(views(link->getValue<std::string>("id")), 0);  // failures count nothing

    auto right = open(token, {{"X-Share-Password", "open sesame"}});
    ASSERT_EQ(right.status, 200) << right.body;
    EXPECT_EQ(right.object()->getArray("messages")->size(), 2u);
    EXPECT_EQ(views(link->getValue<std::string>("id")), 1);
    // Continuing needs it as well.
    EXPECT_EQ(server_.request("POST", "/api/v1/shared/chats/" + token + "/continue", "", bob_.auth()).status, 401);
}

TEST_F(ChatSharingTest, MaxViewsIsExactUnderConcurrentReads) {
    auto link = mustLink(R"({"max_views": 3, "password": "pw"})");
    std::string token = link->getValue<std::string>("token");
    std::atomic<int> ok{0}, gone{0}, other{0};
    std::vector<std::thread> threads;
    for (int i = 0; i < 8; ++i) {
        threads.emplace_back([&] {
            int status = open(token, {{"X-Share-Password", "pw"}}).status;
            (status == 200 ? ok : status == 404 ? gone : other).fetch_add(1);
        });
    }
    for (auto& t : threads) t.join();
    EXPECT_EQ(ok.load(), 3);
    EXPECT_EQ(gone.load(), 5);
    EXPECT_EQ(other.load(), 0);
    EXPECT_EQ(views(link->getValue<std::string>("id")), 3);
    EXPECT_EQ(open(token, {{"X-Share-Password", "pw"}}).status, 404);
    auto listed = arrayOf(listLinks(alice_));
    ASSERT_EQ(listed->size(), 1u);
    EXPECT_EQ(listed->getObject(0)->getValue<int>("views"), 3);
    EXPECT_FALSE(listed->getObject(0)->getValue<bool>("active"));
}

TEST_F(ChatSharingTest, ExpiredUnknownAndMalformedTokensAnswerTheSame) {
    std::time_t soon = std::time(nullptr) + 2;
    auto link = mustLink(R"({"expires_at": )" + std::to_string(soon) + "}");
    std::string token = link->getValue<std::string>("token");
    EXPECT_EQ(open(token).status, 200);
    std::this_thread::sleep_for(std::chrono::milliseconds(static_cast<long long>(soon - std::time(nullptr)) * 1000 + 1200));

    auto expired = open(token);
    auto unknown = open(kUnknownToken);
    auto malformed = open("short");
    for (const auto* r : {&expired, &unknown, &malformed}) {
        EXPECT_EQ(r->status, 404) << r->body;
        EXPECT_EQ(r->body, expired.body);
    }
    EXPECT_EQ(expired.errorCode(), "share_link_not_found");
    // A wrong password on an unknown token says nothing about passwords either.
    EXPECT_EQ(open(kUnknownToken, {{"X-Share-Password", "x"}}).body, expired.body);
}

TEST_F(ChatSharingTest, ASignedInReaderContinuesTheSnapshotAsTheirOwnCopy) {
    auto link = mustLink(R"({"max_views": 2})");
    std::string token = link->getValue<std::string>("token");
    ASSERT_EQ(say(alice_, conversation_, "later").status, 200);

    auto copy = server_.request("POST", "/api/v1/shared/chats/" + token + "/continue", "", bob_.auth());
    ASSERT_EQ(copy.status, 201) << copy.body;
    std::string copyId = copy.object()->getValue<std::string>("id");
    EXPECT_NE(copyId, conversation_);
    EXPECT_EQ(copy.object()->getArray("messages")->size(), 2u);
    EXPECT_EQ(views(link->getValue<std::string>("id")), 1);

    // Bob owns the copy; Alice does not see it; Alice's conversation is unchanged.
    auto mine = getChat(bob_, copyId);
    ASSERT_EQ(mine.status, 200) << mine.body;
    EXPECT_FALSE(mine.object()->has("owner"));
    EXPECT_EQ(getChat(alice_, copyId).status, 404);
    EXPECT_EQ(messageCount(alice_, conversation_), 4u);
    // Alice's advisor is not Bob's to use: he continues with his own one.
    EXPECT_EQ(say(bob_, copyId, "go on").status, 404);
    std::string bobsAdvisor = createAdvisor(bob_, "Mine");
    auto withMine = server_.postJson("/api/v1/shared/chats/" + token + "/continue",
                                     R"({"advisor_id":")" + bobsAdvisor + R"("})", bob_.auth());
    ASSERT_EQ(withMine.status, 201) << withMine.body;
    std::string second = withMine.object()->getValue<std::string>("id");
    EXPECT_EQ(withMine.object()->getValue<std::string>("advisor_id"), bobsAdvisor);
    ASSERT_EQ(say(bob_, second, "go on").status, 200);
    EXPECT_EQ(messageCount(bob_, second), 4u);
    // That was the second and last view.
    EXPECT_EQ(open(token).status, 404);
    EXPECT_EQ(server_.request("POST", "/api/v1/shared/chats/" + token + "/continue", "", carol_.auth()).status, 404);
    // An advisor the caller may not use is refused before a view is spent.
    auto link2 = mustLink(R"({"max_views": 1})");
    auto refused = server_.postJson("/api/v1/shared/chats/" + link2->getValue<std::string>("token") + "/continue",
                                    R"({"advisor_id":")" + advisor_ + R"("})", carol_.auth());
    EXPECT_EQ(refused.status, 404) << refused.body;
    EXPECT_EQ(refused.errorCode(), "advisor_not_found");
    EXPECT_EQ(views(link2->getValue<std::string>("id")), 0);
}

}  // namespace
}  // namespace hub::tests
