// Advisors and conversations owned by a workspace, over real HTTP: what each role may do with
// them (owner, admin, editor, viewer, a member through a team, a stranger, a removed member),
// chatting with a workspace's advisor through the echo provider, a deleted workspace, and
// the chat activity (created, imported, deleted, links) in the owner's and the workspace's feed.
#include <algorithm>
#include <iostream>
#include <string>
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

std::string advisorBody(const std::string& name, const std::string& model = "m") {
    return R"({"name":")" + name + R"(","model":")" + model + R"(","gateway":"echo","messages":[]})";
}

class WorkspaceChatTest : public ::testing::Test {
protected:
    void SetUp() override {
        ASSERT_TRUE(server_.start(allPluginsArgs({"--set", "access.cache_ms=0"}))) << server_.stderrText();
        alice_ = addUser("alice");  // owner
        bob_ = addUser("bob");      // admin
        carol_ = addUser("carol");  // editor
        dave_ = addUser("dave");    // viewer
        erin_ = addUser("erin");    // viewer through the team "crew"
        frank_ = addUser("frank");  // a stranger
        auto w = server_.postJson("/api/v1/workspaces", R"({"name":"Lab"})", alice_.auth());
        ASSERT_EQ(w.status, 201) << w.body;
        ws_ = w.object()->getValue<std::string>("id");
        ASSERT_EQ(addMember("bob", "admin").status, 201);
        ASSERT_EQ(addMember("carol", "editor").status, 201);
        ASSERT_EQ(addMember("dave", "viewer").status, 201);
        auto team = server_.postJson("/api/v1/teams", R"({"name":"crew"})", alice_.auth());
        ASSERT_EQ(team.status, 201) << team.body;
        std::string teamId = team.object()->getValue<std::string>("id");
        ASSERT_EQ(server_.postJson("/api/v1/teams/" + teamId + "/members", R"({"username":"erin"})", alice_.auth()).status,
                  201);
        ASSERT_EQ(server_.postJson("/api/v1/workspaces/" + ws_ + "/members", R"({"team":"crew","role":"viewer"})",
                                   alice_.auth())
                      .status,
                  201);
    }

    void TearDown() override { printServerLogOnFailure(server_); }

    User addUser(const std::string& name) { return signUp(server_, name); }
    Response addMember(const std::string& username, const std::string& role) const {
        return server_.postJson("/api/v1/workspaces/" + ws_ + "/members",
                                R"({"username":")" + username + R"(","role":")" + role + R"("})", alice_.auth());
    }

    std::string wsAdvisors(const std::string& id = "") const {
        return "/api/v1/workspaces/" + ws_ + "/advisors" + (id.empty() ? "" : "/" + id);
    }
    Response createWsAdvisor(const User& u, const std::string& name) const {
        return server_.postJson(wsAdvisors(), advisorBody(name), u.auth());
    }
    std::string mustWsAdvisor(const User& u, const std::string& name) const {
        auto r = createWsAdvisor(u, name);
        EXPECT_EQ(r.status, 200) << r.body;
        return r.status == 200 ? r.object()->getValue<std::string>("id") : std::string("missing");
    }
    std::string mustAdvisor(const User& u, const std::string& name) const {
        auto r = server_.postJson("/api/v1/advisors", advisorBody(name), u.auth());
        EXPECT_EQ(r.status, 200) << r.body;
        return r.status == 200 ? r.object()->getValue<std::string>("id") : std::string("missing");
    }
    Response wsNew(const User& u, const std::string& advisorId, const std::string& ws = "") const {
        return server_.request("POST", "/api/v1/workspaces/" + (ws.empty() ? ws_ : ws) + "/chat/advisor/" + advisorId + "/new",
                               "", u.auth());
    }
    std::string mustWsConversation(const User& u, const std::string& advisorId) const {
        auto r = wsNew(u, advisorId);
        EXPECT_EQ(r.status, 200) << r.body;
        return r.status == 200 ? r.object()->getValue<std::string>("id") : std::string("missing");
    }
    Response wsHistory(const User& u, const std::string& advisorId) const {
        return server_.get("/api/v1/workspaces/" + ws_ + "/chat/advisor/" + advisorId + "/history", u.auth());
    }
    /// Sends one message; on success the echo reply has streamed to its end.
    Response say(const User& u, const std::string& conversationId, const std::string& text) const {
        auto r = server_.postJson("/api/v1/chat/" + conversationId + "/message", R"({"message":")" + text + R"("})",
                                  u.auth());
        if (r.status == 200) {
            EXPECT_NE(r.body.find("Echo: "), std::string::npos) << r.body;
            EXPECT_NE(r.body.find("\"done\""), std::string::npos) << r.body;
        }
        return r;
    }
    Response getChat(const User& u, const std::string& id) const { return server_.get("/api/v1/chat/" + id, u.auth()); }
    Response deleteChat(const User& u, const std::string& id) const {
        return server_.request("DELETE", "/api/v1/chat/" + id, "", u.auth());
    }

    /// The items of a feed page (the request must succeed).
    std::vector<Poco::JSON::Object::Ptr> feed(const User& u, const std::string& path) const {
        auto r = server_.get(path, u.auth());
        EXPECT_EQ(r.status, 200) << path << " -> " << r.body;
        std::vector<Poco::JSON::Object::Ptr> out;
        if (r.status != 200) return out;
        auto items = r.object()->getArray("items");
        for (std::size_t i = 0; i < items->size(); ++i) out.push_back(items->getObject(static_cast<unsigned>(i)));
        return out;
    }
    std::vector<Poco::JSON::Object::Ptr> wsFeed(const User& u) const {
        return feed(u, "/api/v1/workspaces/" + ws_ + "/activity?limit=200");
    }
    /// The first (newest) entry of `action` on `resourceId`, or null.
    static Poco::JSON::Object::Ptr find(const std::vector<Poco::JSON::Object::Ptr>& items, const std::string& action,
                                        const std::string& resourceId) {
        for (const auto& o : items) {
            if (o->getValue<std::string>("action") == action && o->getValue<std::string>("resource_id") == resourceId) {
                return o;
            }
        }
        return nullptr;
    }
    static int count(const std::vector<Poco::JSON::Object::Ptr>& items, const std::string& action) {
        return static_cast<int>(std::count_if(items.begin(), items.end(), [&](const Poco::JSON::Object::Ptr& o) {
            return o->getValue<std::string>("action") == action;
        }));
    }

    ServerProcess server_;
    User alice_, bob_, carol_, dave_, erin_, frank_;
    std::string ws_;
};

// ---- advisors ------------------------------------------------------------------------------

TEST_F(WorkspaceChatTest, WorkspaceAdvisorsFollowTheMembersRoles) {
    // Creating needs edit: owner and editor yes, viewers no, strangers learn nothing.
    std::string guide = mustWsAdvisor(alice_, "Guide");
    std::string coach = mustWsAdvisor(carol_, "Coach");
    EXPECT_EQ(createWsAdvisor(dave_, "Nope").status, 403);
    EXPECT_EQ(createWsAdvisor(erin_, "Nope").status, 403);
    EXPECT_EQ(createWsAdvisor(frank_, "Nope").errorCode(), "workspace_not_found");
    EXPECT_EQ(server_.postJson("/api/v1/workspaces/not-a-uuid/advisors", advisorBody("X"), alice_.auth()).status, 404);
    EXPECT_EQ(createWsAdvisor(bob_, "Guide").status, 409);  // names are unique per owner: the workspace
    auto bad = server_.postJson(wsAdvisors(), R"({"name":"","model":"m","messages":[]})", carol_.auth());
    EXPECT_EQ(bad.status, 422) << bad.body;
    EXPECT_EQ(server_.postJson(wsAdvisors(), "{not json", carol_.auth()).status / 100, 4);
    // Nobody's own list shows the workspace's advisors, and a personal name does not clash.
    EXPECT_EQ(arrayOf(server_.get("/api/v1/advisors", alice_.auth()))->size(), 0u);
    mustAdvisor(alice_, "Guide");
    EXPECT_EQ(arrayOf(server_.get("/api/v1/advisors", carol_.auth()))->size(), 0u);

    // Every member lists and reads them; the answer says whose and what the reader may do.
    for (const User* u : {&alice_, &bob_, &carol_, &dave_, &erin_}) {
        auto list = server_.get(wsAdvisors(), u->auth());
        ASSERT_EQ(list.status, 200) << u->name << ": " << list.body;
        EXPECT_EQ(arrayOf(list)->size(), 2u) << u->name;
        auto one = server_.get(wsAdvisors(guide), u->auth());
        ASSERT_EQ(one.status, 200) << u->name << ": " << one.body;
        EXPECT_EQ(one.object()->getValue<std::string>("workspace_id"), ws_);
        // ... and by id, through the same access check.
        EXPECT_EQ(server_.get("/api/v1/advisors/" + guide, u->auth()).status, 200) << u->name;
    }
    auto asViewer = server_.get(wsAdvisors(guide), dave_.auth()).object();
    EXPECT_EQ(sdk::json::stringify(asViewer->get("access")), R"(["view","use"])");
    EXPECT_EQ(server_.get(wsAdvisors(), frank_.auth()).status, 404);
    EXPECT_EQ(server_.get(wsAdvisors(guide), frank_.auth()).status, 404);
    EXPECT_EQ(server_.get("/api/v1/advisors/" + guide, frank_.auth()).status, 404);
    // A personal advisor is not the workspace's.
    std::string own = mustAdvisor(carol_, "Mine");
    EXPECT_EQ(server_.get(wsAdvisors(own), carol_.auth()).status, 404);

    // Changing needs edit, on either route; a bad body changes nothing.
    Headers ch = carol_.json(), dh = dave_.json();
    EXPECT_EQ(server_.request("PUT", wsAdvisors(guide), advisorBody("Guide", "m2"), dh).status, 403);
    EXPECT_EQ(server_.request("PUT", "/api/v1/advisors/" + guide, advisorBody("Guide", "m2"), dh).status, 403);
    EXPECT_EQ(server_.request("PUT", wsAdvisors(guide), R"({"name":"Guide"})", ch).status, 422);
    EXPECT_EQ(server_.request("PUT", wsAdvisors(guide), advisorBody("Coach"), ch).status, 409);
    auto put = server_.request("PUT", wsAdvisors(guide), advisorBody("Guide", "m2"), ch);
    ASSERT_EQ(put.status, 200) << put.body;
    EXPECT_EQ(put.object()->getValue<std::string>("model"), "m2");
    EXPECT_EQ(server_.request("PUT", "/api/v1/advisors/" + guide, advisorBody("Guide", "m3"), ch).status, 200);
    EXPECT_EQ(server_.get(wsAdvisors(guide), dave_.auth()).object()->getValue<std::string>("model"), "m3");
    EXPECT_EQ(server_.request("PUT", wsAdvisors(guide), advisorBody("Guide"), frank_.json()).status, 404);

    // Shares work on them unchanged: an editor (reshare) shares one with a stranger.
    auto share = server_.postJson("/api/v1/shares",
                                  R"({"resource_type":"advisor","resource_id":")" + coach +
                                      R"(","principal_type":"user","principal_name":"frank","role":"viewer"})",
                                  carol_.auth());
    ASSERT_EQ(share.status, 201) << share.body;
    EXPECT_EQ(server_.get("/api/v1/advisors/" + coach, frank_.auth()).status, 200);
    EXPECT_EQ(arrayOf(server_.get("/api/v1/advisors", frank_.auth()))->size(), 1u);  // shared with him
    EXPECT_EQ(server_.get(wsAdvisors(coach), frank_.auth()).status, 404);            // still no member

    // Deleting needs manage: admins and owners.
    EXPECT_EQ(server_.request("DELETE", wsAdvisors(coach), "", carol_.auth()).status, 403);
    EXPECT_EQ(server_.request("DELETE", "/api/v1/advisors/" + coach, "", carol_.auth()).status, 403);
    EXPECT_EQ(server_.request("DELETE", "/api/v1/advisors/" + coach, "", frank_.auth()).status, 403);
    EXPECT_EQ(server_.request("DELETE", wsAdvisors(coach), "", dave_.auth()).status, 403);
    EXPECT_EQ(server_.request("DELETE", wsAdvisors(coach), "", bob_.auth()).status, 200);
    EXPECT_EQ(server_.get("/api/v1/advisors/" + coach, frank_.auth()).status, 404);
    EXPECT_EQ(server_.request("DELETE", wsAdvisors(coach), "", bob_.auth()).status, 404);
    EXPECT_EQ(server_.request("DELETE", "/api/v1/advisors/" + guide, "", alice_.auth()).status, 200);
    EXPECT_EQ(arrayOf(server_.get(wsAdvisors(), dave_.auth()))->size(), 0u);

    // A removed member loses them on the next request.
    std::string kept = mustWsAdvisor(carol_, "Kept");
    EXPECT_EQ(server_.get("/api/v1/advisors/" + kept, dave_.auth()).status, 200);
    ASSERT_EQ(server_.request("DELETE", "/api/v1/workspaces/" + ws_ + "/members/" + dave_.id, "", alice_.auth()).status, 200);
    EXPECT_EQ(server_.get(wsAdvisors(), dave_.auth()).status, 404);
    EXPECT_EQ(server_.get("/api/v1/advisors/" + kept, dave_.auth()).status, 404);
}

// ---- conversations -------------------------------------------------------------------------

TEST_F(WorkspaceChatTest, MembersChatWithTheWorkspacesAdvisorsInTheWorkspacesConversations) {
    std::string guide = mustWsAdvisor(carol_, "Guide");
    // A viewer starts one: it belongs to the workspace, not to them.
    auto created = wsNew(dave_, guide);
    ASSERT_EQ(created.status, 200) << created.body;
    std::string chat = created.object()->getValue<std::string>("id");
    ASSERT_EQ(say(dave_, chat, "hello from dave").status, 200);
    EXPECT_EQ(arrayOf(server_.get("/api/v1/chat/advisor/" + guide + "/history", dave_.auth()))->size(), 0u);
    for (const User* u : {&alice_, &bob_, &carol_, &dave_, &erin_}) {
        auto h = wsHistory(*u, guide);
        ASSERT_EQ(h.status, 200) << u->name << ": " << h.body;
        ASSERT_EQ(arrayOf(h)->size(), 1u) << u->name;
        EXPECT_EQ(arrayOf(h)->getObject(0)->getValue<Poco::Int64>("message_count"), 2);
        auto c = getChat(*u, chat);
        ASSERT_EQ(c.status, 200) << u->name << ": " << c.body;
        EXPECT_EQ(c.object()->getArray("messages")->size(), 2u);
        EXPECT_EQ(c.object()->getValue<std::string>("workspace_id"), ws_);
        EXPECT_EQ(server_.get("/api/v1/chat/messages/" + chat, u->auth()).status, 200);
    }
    // Every role may continue it (viewer has use), also through a team.
    ASSERT_EQ(say(erin_, chat, "hello from erin").status, 200);
    ASSERT_EQ(say(carol_, chat, "hello from carol").status, 200);
    EXPECT_EQ(getChat(alice_, chat).object()->getArray("messages")->size(), 6u);
    EXPECT_EQ(server_.request("POST", "/api/v1/chat/" + chat + "/cancel", "", dave_.auth()).object()->getValue<std::string>(
                  "status"),
              "no_active_stream");

    // A stranger learns nothing.
    EXPECT_EQ(getChat(frank_, chat).status, 404);
    EXPECT_EQ(say(frank_, chat, "hi").status, 404);
    EXPECT_EQ(wsHistory(frank_, guide).status, 404);
    EXPECT_EQ(wsNew(frank_, guide).errorCode(), "workspace_not_found");
    EXPECT_EQ(deleteChat(frank_, chat).status, 404);

    // Only the workspace's advisors talk in its conversations.
    std::string own = mustAdvisor(dave_, "Mine");
    EXPECT_EQ(wsNew(dave_, own).errorCode(), "advisor_not_in_workspace");
    EXPECT_EQ(wsNew(frank_, own).status, 404);
    EXPECT_EQ(wsNew(dave_, "00000000-0000-4000-8000-000000000000").errorCode(), "advisor_not_found");
    EXPECT_EQ(wsNew(dave_, "junk").status, 404);
    EXPECT_EQ(wsNew(dave_, guide, "00000000-0000-4000-8000-000000000000").errorCode(), "workspace_not_found");
    EXPECT_EQ(server_.postJson("/api/v1/chat/" + chat + "/message", R"({"nope":1})", dave_.auth()).status, 422);

    // Links need reshare: editors and up.
    EXPECT_EQ(server_.postJson("/api/v1/chat/" + chat + "/links", "{}", dave_.auth()).status, 403);
    auto link = server_.postJson("/api/v1/chat/" + chat + "/links", "{}", carol_.auth());
    ASSERT_EQ(link.status, 201) << link.body;
    EXPECT_EQ(server_.get("/api/v1/shared/chats/" + link.object()->getValue<std::string>("token")).status, 200);

    // Deleting needs manage: admins and owners.
    EXPECT_EQ(deleteChat(dave_, chat).status, 403);
    EXPECT_EQ(deleteChat(carol_, chat).status, 403);
    auto gone = deleteChat(bob_, chat);
    ASSERT_EQ(gone.status, 200) << gone.body;
    EXPECT_EQ(getChat(alice_, chat).status, 404);
    EXPECT_EQ(server_.get("/api/v1/shared/chats/" + link.object()->getValue<std::string>("token")).status, 404);

    // A removed member loses the workspace's conversations on the next request.
    std::string next = mustWsConversation(alice_, guide);
    ASSERT_EQ(say(dave_, next, "still here").status, 200);
    ASSERT_EQ(server_.request("DELETE", "/api/v1/workspaces/" + ws_ + "/members/" + dave_.id, "", alice_.auth()).status, 200);
    EXPECT_EQ(getChat(dave_, next).status, 404);
    EXPECT_EQ(say(dave_, next, "am I?").status, 404);
    EXPECT_EQ(wsHistory(dave_, guide).status, 404);

    // Deleting the advisor (an admin) takes its conversations with it.
    ASSERT_EQ(server_.request("DELETE", wsAdvisors(guide), "", bob_.auth()).status, 200);
    EXPECT_EQ(getChat(alice_, next).status, 404);
    EXPECT_EQ(server_.scalar("SELECT COUNT(*) FROM conversations"), 0);
}

TEST_F(WorkspaceChatTest, ADeletedWorkspacesAdvisorsAndConversationsAreGoneForItsMembers) {
    std::string guide = mustWsAdvisor(alice_, "Guide");
    std::string chat = mustWsConversation(bob_, guide);
    ASSERT_EQ(say(bob_, chat, "before").status, 200);
    ASSERT_EQ(server_.request("DELETE", "/api/v1/workspaces/" + ws_, "", alice_.auth()).status, 200);
    for (const User* u : {&alice_, &bob_, &dave_}) {
        EXPECT_EQ(server_.get(wsAdvisors(), u->auth()).status, 404) << u->name;
        EXPECT_EQ(server_.get("/api/v1/advisors/" + guide, u->auth()).status, 404) << u->name;
        EXPECT_EQ(getChat(*u, chat).status, 404) << u->name;
        EXPECT_EQ(say(*u, chat, "after").status, 404) << u->name;
        EXPECT_EQ(wsHistory(*u, guide).status, 404) << u->name;
        EXPECT_EQ(wsNew(*u, guide).status, 404) << u->name;
    }
}

// ---- activity ------------------------------------------------------------------------------

TEST_F(WorkspaceChatTest, ChatActivityIsRecordedForTheOwnerAndTheWorkspace) {
    // A personal conversation: the owner's feed tells its story, never a link's token.
    std::string mine = mustAdvisor(alice_, "Mine");
    auto r = server_.request("POST", "/api/v1/chat/advisor/" + mine + "/new", "", alice_.auth());
    ASSERT_EQ(r.status, 200) << r.body;
    std::string chat = r.object()->getValue<std::string>("id");
    ASSERT_EQ(say(alice_, chat, "one").status, 200);
    ASSERT_EQ(say(alice_, chat, "two").status, 200);
    auto link = server_.postJson("/api/v1/chat/" + chat + "/links", R"({"password":"pw pw pw","max_views":3})",
                                 alice_.auth());
    ASSERT_EQ(link.status, 201) << link.body;
    std::string linkId = link.object()->getValue<std::string>("id");
    std::string token = link.object()->getValue<std::string>("token");
    // bob copies the snapshot as his own conversation.
    Headers pw = bob_.auth();
    pw["X-Share-Password"] = "pw pw pw";
    auto copy = server_.request("POST", "/api/v1/shared/chats/" + token + "/continue", "", pw);
    ASSERT_EQ(copy.status, 201) << copy.body;
    std::string copied = copy.object()->getValue<std::string>("id");
    ASSERT_EQ(server_.request("DELETE", "/api/v1/chat/" + chat + "/links/" + token, "", alice_.auth()).status, 200);

    auto items = feed(alice_, "/api/v1/activity?type=conversation&limit=200");
    auto created = find(items, "conversation.created", chat);
    ASSERT_TRUE(created) << "no conversation.created";
    EXPECT_EQ(created->getValue<std::string>("actor"), "alice");
    EXPECT_EQ(created->getObject("details")->getValue<std::string>("advisor_id"), mine);
    EXPECT_TRUE(created->isNull("workspace_id"));
    auto linked = find(items, "conversation.link_created", chat);
    ASSERT_TRUE(linked) << "no conversation.link_created";
    EXPECT_EQ(linked->getObject("details")->getValue<std::string>("link_id"), linkId);
    EXPECT_TRUE(linked->getObject("details")->getValue<bool>("has_password"));
    EXPECT_EQ(linked->getObject("details")->getValue<int>("max_views"), 3);
    EXPECT_TRUE(linked->getObject("details")->isNull("expires_at"));
    auto revoked = find(items, "conversation.link_revoked", chat);
    ASSERT_TRUE(revoked) << "no conversation.link_revoked";
    EXPECT_EQ(revoked->getObject("details")->getValue<std::string>("link_id"), linkId);
    // Messages are not activity; the token and the password appear nowhere.
    EXPECT_EQ(count(items, "conversation.created"), 1);
    auto all = server_.get("/api/v1/activity?limit=200", alice_.auth());
    EXPECT_EQ(all.body.find(token), std::string::npos);
    EXPECT_EQ(all.body.find("pw pw pw"), std::string::npos);
    EXPECT_EQ(all.body.find("message."), std::string::npos);
    // bob's copy is his, recorded as imported from a link; alice's feed does not show it.
    auto imported = find(feed(bob_, "/api/v1/activity?type=conversation.imported"), "conversation.imported", copied);
    ASSERT_TRUE(imported) << "no conversation.imported";
    EXPECT_EQ(imported->getObject("details")->getValue<std::string>("source"), "link");
    EXPECT_FALSE(find(items, "conversation.imported", copied));

    // Deleting it, and deleting an advisor with conversations left.
    ASSERT_EQ(deleteChat(alice_, chat).status, 200);
    auto other = server_.request("POST", "/api/v1/chat/advisor/" + mine + "/new", "", alice_.auth());
    ASSERT_EQ(other.status, 200);
    std::string otherChat = other.object()->getValue<std::string>("id");
    ASSERT_EQ(server_.request("DELETE", "/api/v1/advisors/" + mine, "", alice_.auth()).status, 200);
    items = feed(alice_, "/api/v1/activity?type=conversation.deleted");
    auto deleted = find(items, "conversation.deleted", chat);
    ASSERT_TRUE(deleted) << "no conversation.deleted";
    EXPECT_EQ(deleted->getValue<std::string>("actor"), "alice");
    EXPECT_FALSE(deleted->getObject("details")->has("reason"));
    auto cascaded = find(items, "conversation.deleted", otherChat);
    ASSERT_TRUE(cascaded) << "no conversation.deleted for the advisor's conversation";
    EXPECT_EQ(cascaded->getObject("details")->getValue<std::string>("reason"), "advisor_deleted");
    EXPECT_EQ(cascaded->getValue<std::string>("actor"), "alice");
    // The history of a deleted conversation stays with its owner.
    auto history = server_.get("/api/v1/activity?resource_type=conversation&resource_id=" + chat, alice_.auth());
    ASSERT_EQ(history.status, 200) << history.body;
    EXPECT_EQ(server_.get("/api/v1/activity?resource_type=conversation&resource_id=" + chat, frank_.auth()).status, 404);

    // A workspace's conversation: recorded under the workspace, read by its members only.
    std::string guide = mustWsAdvisor(carol_, "Guide");
    std::string wsChat = mustWsConversation(dave_, guide);
    ASSERT_EQ(say(dave_, wsChat, "hello").status, 200);
    for (const User* u : {&alice_, &bob_, &carol_, &dave_, &erin_}) {
        auto w = wsFeed(*u);
        auto e = find(w, "conversation.created", wsChat);
        ASSERT_TRUE(e) << u->name << " misses conversation.created";
        EXPECT_EQ(e->getValue<std::string>("actor"), "dave");
        EXPECT_EQ(e->getValue<std::string>("workspace_id"), ws_);
        EXPECT_TRUE(find(w, "advisor.created", guide)) << u->name << " misses advisor.created";
        // ... and in their own feed, as something their workspace owns.
        EXPECT_TRUE(find(feed(*u, "/api/v1/activity?limit=200"), "conversation.created", wsChat)) << u->name;
    }
    EXPECT_EQ(server_.get("/api/v1/workspaces/" + ws_ + "/activity", frank_.auth()).status, 404);
    EXPECT_FALSE(find(feed(frank_, "/api/v1/activity?limit=200"), "conversation.created", wsChat));
    auto wsLink = server_.postJson("/api/v1/chat/" + wsChat + "/links", R"({"expires_at":"2999-01-01T00:00:00Z"})",
                                   carol_.auth());
    ASSERT_EQ(wsLink.status, 201) << wsLink.body;
    auto linkEntry = find(wsFeed(dave_), "conversation.link_created", wsChat);
    ASSERT_TRUE(linkEntry);
    EXPECT_EQ(linkEntry->getValue<std::string>("actor"), "carol");
    EXPECT_FALSE(linkEntry->getObject("details")->getValue<bool>("has_password"));
    EXPECT_FALSE(linkEntry->getObject("details")->isNull("expires_at"));

    // Deleted by an admin: current members still read that it happened; a removed one does not.
    ASSERT_EQ(deleteChat(bob_, wsChat).status, 200);
    auto e = find(wsFeed(dave_), "conversation.deleted", wsChat);
    ASSERT_TRUE(e) << "a member misses conversation.deleted";
    EXPECT_EQ(e->getValue<std::string>("actor"), "bob");
    std::string wsHistoryUrl = "/api/v1/activity?resource_type=conversation&resource_id=" + wsChat;
    auto lines = server_.get(wsHistoryUrl, carol_.auth());
    ASSERT_EQ(lines.status, 200) << lines.body;
    EXPECT_EQ(lines.object()->getArray("items")->size(), 3u) << lines.body;  // created, link_created, deleted
    EXPECT_EQ(server_.get(wsHistoryUrl, frank_.auth()).status, 404);
    ASSERT_EQ(server_.request("DELETE", "/api/v1/workspaces/" + ws_ + "/members/" + dave_.id, "", alice_.auth()).status, 200);
    EXPECT_EQ(server_.get("/api/v1/workspaces/" + ws_ + "/activity", dave_.auth()).status, 404);
    EXPECT_FALSE(find(feed(dave_, "/api/v1/activity?limit=200"), "conversation.deleted", wsChat));
}

}  // namespace
}  // namespace hub::tests
