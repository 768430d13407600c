// The one access model (core.access.v1) over real HTTP, with advisors as the shared resource:
// the permission matrix (user and team grants × roles × actions), escalation attempts
// (reshare beyond one's holding, other people's grants, team membership ending, expiry caps,
// revocation chains, expiry, deletion), validation, /api/v1/access/explain and teams.
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

/// What a request is expected to answer: a status and, for errors, error.code.
struct Outcome {
    int status;
    std::string code;
};

const Outcome kOk{200, ""};
const Outcome kCreated{201, ""};

std::vector<std::string> strings(const Poco::JSON::Array::Ptr& a) {
    std::vector<std::string> out;
    if (!a) return out;
    for (std::size_t i = 0; i < a->size(); ++i) out.push_back(a->getElement<std::string>(static_cast<unsigned>(i)));
    return out;
}

Poco::JSON::Array::Ptr arrayOf(const Response& r) {
    try {
        return r.json().extract<Poco::JSON::Array::Ptr>();
    } catch (...) {
        return new Poco::JSON::Array;
    }
}

/// The element of a JSON array of objects whose `key` is `value`, or null.
Poco::JSON::Object::Ptr findIn(const Poco::JSON::Array::Ptr& a, const std::string& key, const std::string& value) {
    for (std::size_t i = 0; i < a->size(); ++i) {
        auto o = a->getObject(static_cast<unsigned>(i));
        if (o && o->has(key) && o->get(key).isString() && o->getValue<std::string>(key) == value) return o;
    }
    return nullptr;
}

/// Epoch seconds `delta` from now, for expires_at.
long long epochIn(long long delta) { return static_cast<long long>(std::time(nullptr)) + delta; }

class AccessTest : public ::testing::Test {
protected:
    void SetUp() override {
        ASSERT_TRUE(server_.start(allPluginsArgs(), {{"API_USERNAME", "root"}, {"API_PASSWORD", "root password 1"}}))
            << server_.stderrText();
        root_.name = "root";
        root_.token = server_.login("root", "root password 1");
        ASSERT_FALSE(root_.token.empty());
        alice_ = addUser("alice");
        bob_ = addUser("bob");
        carol_ = addUser("carol");
        dave_ = addUser("dave");
        eve_ = addUser("eve");
    }

    void TearDown() override { printServerLogOnFailure(server_); }

    User addUser(const std::string& name) { return signUp(server_, name); }

    // ---- advisors and chat ----------------------------------------------------------

    std::string createAdvisor(const User& u, const std::string& name) { return createEchoAdvisor(server_, u, name); }
    Response getAdvisor(const User& u, const std::string& id) const { return server_.get("/api/v1/advisors/" + id, u.auth()); }
    Response putAdvisor(const User& u, const std::string& id, const std::string& name) const {
        return server_.request("PUT", "/api/v1/advisors/" + id,
                               R"({"name":")" + name + R"(","model":"m2","gateway":"echo","messages":[]})", u.json());
    }
    Response deleteAdvisor(const User& u, const std::string& id) const {
        return server_.request("DELETE", "/api/v1/advisors/" + id, "", u.auth());
    }
    /// The caller's entry for the advisor in GET /api/v1/advisors, or null when not listed.
    Poco::JSON::Object::Ptr listed(const User& u, const std::string& id) const {
        auto r = server_.get("/api/v1/advisors", u.auth());
        EXPECT_EQ(r.status, 200) << r.body;
        return findIn(arrayOf(r), "id", id);
    }
    /// Starts a conversation with the advisor and sends one message: the first failure, or
    /// the message's answer (checked to be the echo reply).
    Response chat(const User& u, const std::string& advisorId) const {
        auto started = server_.request("POST", "/api/v1/chat/advisor/" + advisorId + "/new", "", u.auth());
        if (started.status != 200) return started;
        auto sent = server_.postJson("/api/v1/chat/" + started.object()->getValue<std::string>("id") + "/message",
                                     R"({"message":"ping from )" + u.name + R"("})", u.auth());
        if (sent.status == 200) {
            EXPECT_NE(sent.body.find("Echo: "), std::string::npos) << sent.body;
            EXPECT_NE(sent.body.find("\"done\""), std::string::npos) << sent.body;
        }
        return sent;
    }

    // ---- shares -----------------------------------------------------------------------

    static std::string shareBody(const std::string& advisorId, const std::string& principalType,
                                 const std::string& principalName, const std::string& role,
                                 long long expiresAt = 0) {
        auto o = sdk::json::object();
        o->set("resource_type", "advisor");
        o->set("resource_id", advisorId);
        o->set("principal_type", principalType);
        o->set("principal_name", principalName);
        o->set("role", role);
        if (expiresAt != 0) o->set("expires_at", expiresAt);
        return sdk::json::stringify(o);
    }
    static std::string permissionsBody(const std::string& advisorId, const std::string& username,
                                       const std::vector<std::string>& permissions, long long expiresAt = 0) {
        auto o = sdk::json::object();
        o->set("resource_type", "advisor");
        o->set("resource_id", advisorId);
        o->set("principal_type", "user");
        o->set("principal_name", username);
        auto a = sdk::json::array();
        for (const auto& p : permissions) a->add(p);
        o->set("permissions", a);
        if (expiresAt != 0) o->set("expires_at", expiresAt);
        return sdk::json::stringify(o);
    }
    Response share(const User& u, const std::string& body) const { return server_.postJson("/api/v1/shares", body, u.auth()); }
    /// A share that must be created; returns the grant.
    Poco::JSON::Object::Ptr mustShare(const User& u, const std::string& body) {
        auto r = share(u, body);
        EXPECT_EQ(r.status, 201) << body << " -> " << r.body;
        if (r.status != 201) return new Poco::JSON::Object;
        return r.object();
    }
    Response patchShare(const User& u, const std::string& id, const std::string& body) const {
        return server_.request("PATCH", "/api/v1/shares/" + id, body, u.json());
    }
    Response deleteShare(const User& u, const std::string& id) const {
        return server_.request("DELETE", "/api/v1/shares/" + id, "", u.auth());
    }
    Response sharesOn(const User& u, const std::string& advisorId, const std::string& type = "advisor") const {
        return server_.get("/api/v1/shares?resource_type=" + type + "&resource_id=" + advisorId, u.auth());
    }
    Response withMe(const User& u) const { return server_.get("/api/v1/shares/with-me", u.auth()); }
    bool sharedWithMe(const User& u, const std::string& advisorId) const {
        auto r = withMe(u);
        EXPECT_EQ(r.status, 200) << r.body;
        return findIn(arrayOf(r), "resource_id", advisorId) != nullptr;
    }
    Response explain(const User& u, const std::string& advisorId, const std::string& who = "") const {
        std::string path = "/api/v1/access/explain?resource_type=advisor&resource_id=" + advisorId;
        if (!who.empty()) path += "&user=" + percentEncode(who);
        return server_.get(path, u.auth());
    }
    /// The permissions explain gives the user (as the owner asks); empty when invisible.
    std::vector<std::string> permissionsOf(const User& owner, const std::string& advisorId, const User& u) const {
        auto r = explain(owner, advisorId, u.name);
        EXPECT_EQ(r.status, 200) << r.body;
        if (r.status != 200) return {};
        return strings(r.object()->getArray("permissions"));
    }
    long long grantRows(const std::string& advisorId) const {
        return server_.scalar("SELECT COUNT(*) FROM access_grants WHERE resource_id = '" + advisorId + "'");
    }

    // ---- teams ------------------------------------------------------------------------

    Response createTeam(const User& u, const std::string& body) const {
        return server_.postJson("/api/v1/teams", body, u.auth());
    }
    std::string mustCreateTeam(const User& u, const std::string& name) {
        auto r = createTeam(u, R"({"name":")" + name + R"("})");
        EXPECT_EQ(r.status, 201) << r.body;
        return r.status == 201 ? r.object()->getValue<std::string>("id") : std::string("missing");
    }
    Response getTeam(const User& u, const std::string& id) const { return server_.get("/api/v1/teams/" + id, u.auth()); }
    Response addMember(const User& u, const std::string& team, const std::string& body) const {
        return server_.postJson("/api/v1/teams/" + team + "/members", body, u.auth());
    }
    Response addMemberNamed(const User& u, const std::string& team, const std::string& username) const {
        return addMember(u, team, R"({"username":")" + username + R"("})");
    }
    Response setRole(const User& u, const std::string& team, const User& member, const std::string& role) const {
        return server_.request("PATCH", "/api/v1/teams/" + team + "/members/" + member.id,
                               R"({"role":")" + role + R"("})", u.json());
    }
    Response removeMember(const User& u, const std::string& team, const User& member) const {
        return server_.request("DELETE", "/api/v1/teams/" + team + "/members/" + member.id, "", u.auth());
    }
    Response renameTeam(const User& u, const std::string& team, const std::string& body) const {
        return server_.request("PATCH", "/api/v1/teams/" + team, body, u.json());
    }
    Response deleteTeam(const User& u, const std::string& team) const {
        return server_.request("DELETE", "/api/v1/teams/" + team, "", u.auth());
    }

    ServerProcess server_;
    User root_, alice_, bob_, carol_, dave_, eve_;
};

#define EXPECT_OUTCOME(response, expected, what)                                                 \
    do {                                                                                         \
        const Response& r_ = (response);                                                         \
        EXPECT_EQ(r_.status, (expected).status) << (what) << ": " << r_.body;                    \
        if (!(expected).code.empty()) {                                                          \
            EXPECT_EQ(r_.errorCode(), (expected).code) << (what) << ": " << r_.body;             \
        }                                                                                        \
    } while (0)

// ---- 1. the permission matrix ------------------------------------------------------------

struct MatrixRow {
    std::string principal;  ///< "user", "team", "stranger" (no grant) or "owner"
    std::string role;
    bool listed;
    std::vector<std::string> access;  ///< `access` in the list and GET for a sharee
    Outcome get, put, chat, listGrants, reshare, revokeOthers, del;
};

const Outcome kNotFound{404, "advisor_not_found"};
const Outcome kDenied{403, "permission_denied"};
const Outcome kReshareDenied{403, "reshare_denied"};
const Outcome kRevokeDenied{403, "revoke_denied"};
const Outcome kOwnerOnly{403, "owner_only"};

const std::vector<std::string> kViewerBits{"view"};
const std::vector<std::string> kUserBits{"view", "use"};
const std::vector<std::string> kEditorBits{"view", "use", "edit"};
const std::vector<std::string> kOwnerBits{"view", "use", "edit", "reshare", "manage"};

// clang-format off
const std::vector<MatrixRow> kMatrix = {
    //  principal    role      listed access       GET  PUT      chat     list grants reshare         revoke others  DELETE
    {"user",     "viewer", true,  kViewerBits, kOk, kDenied, kDenied, kDenied,    kReshareDenied, kRevokeDenied, kOwnerOnly},
    {"user",     "user",   true,  kUserBits,   kOk, kDenied, kOk,     kDenied,    kReshareDenied, kRevokeDenied, kOwnerOnly},
    {"user",     "editor", true,  kEditorBits, kOk, kOk,     kOk,     kDenied,    kReshareDenied, kRevokeDenied, kOwnerOnly},
    {"user",     "owner",  true,  kOwnerBits,  kOk, kOk,     kOk,     kOk,        kCreated,       kOk,           kOwnerOnly},
    {"team",     "viewer", true,  kViewerBits, kOk, kDenied, kDenied, kDenied,    kReshareDenied, kRevokeDenied, kOwnerOnly},
    {"team",     "user",   true,  kUserBits,   kOk, kDenied, kOk,     kDenied,    kReshareDenied, kRevokeDenied, kOwnerOnly},
    {"team",     "editor", true,  kEditorBits, kOk, kOk,     kOk,     kDenied,    kReshareDenied, kRevokeDenied, kOwnerOnly},
    {"team",     "owner",  true,  kOwnerBits,  kOk, kOk,     kOk,     kOk,        kCreated,       kOk,           kOwnerOnly},
    {"stranger", "",       false, {},          kNotFound, kNotFound, kNotFound, kNotFound, kNotFound, {404, "share_not_found"}, kNotFound},
    {"owner",    "",       true,  {},          kOk, kOk,     kOk,     kOk,        kCreated,       kOk,           kOk},
};
// clang-format on

TEST_F(AccessTest, PermissionMatrixOverUserAndTeamGrantsRolesAndActions) {
    // bob acts in every row: directly, through team "crew" (as a plain member), as a stranger
    // or as the advisor's owner. carol is the third user he reshares to; dave holds a grant
    // alice gave (someone else's grant, for the revoke action). eve runs the team.
    std::string crew = mustCreateTeam(eve_, "crew");
    ASSERT_EQ(addMemberNamed(eve_, crew, "bob").status, 201);
    int n = 0;
    for (const auto& row : kMatrix) {
        const std::string what = row.principal + "/" + row.role;
        SCOPED_TRACE(what);
        const User& owner = row.principal == "owner" ? bob_ : alice_;
        const User& third = row.principal == "owner" ? alice_ : carol_;
        const std::string name = "matrix " + std::to_string(++n);
        std::string id = createAdvisor(owner, name);
        auto others = mustShare(owner, shareBody(id, "user", "dave", "viewer"));
        std::string othersGrant = others->optValue<std::string>("id", "");
        if (row.principal == "user" || row.principal == "team") {
            auto g = mustShare(owner, shareBody(id, row.principal, row.principal == "user" ? "bob" : "crew", row.role));
            EXPECT_EQ(g->optValue<std::string>("role", ""), row.role);
            EXPECT_EQ(strings(g->getArray("permissions")), row.access);
        }

        // It is listed (with owner and access for a sharee), or not at all.
        auto entry = listed(bob_, id);
        ASSERT_EQ(entry != nullptr, row.listed) << what;
        if (entry && row.principal != "owner") {
            EXPECT_EQ(entry->optValue<std::string>("owner", ""), "alice");
            EXPECT_EQ(strings(entry->getArray("access")), row.access);
        } else if (entry) {
            EXPECT_FALSE(entry->has("owner")) << "the owner's own advisor carries no owner/access";
            EXPECT_FALSE(entry->has("access"));
        }

        auto got = getAdvisor(bob_, id);
        EXPECT_OUTCOME(got, row.get, what + " GET");
        if (got.status == 200) {
            EXPECT_EQ(got.object()->getValue<std::string>("name"), name);
            if (row.principal != "owner") {
                EXPECT_EQ(strings(got.object()->getArray("access")), row.access);
            }
        }

        auto put = putAdvisor(bob_, id, name);
        EXPECT_OUTCOME(put, row.put, what + " PUT");
        // A refused PUT changed nothing; an allowed one changed the owner's advisor.
        auto afterPut = getAdvisor(owner, id);
        ASSERT_EQ(afterPut.status, 200) << afterPut.body;
        EXPECT_EQ(afterPut.object()->getValue<std::string>("model"), put.status == 200 ? "m2" : "m") << what;
        if (put.status == 200 && row.principal != "owner") {
            EXPECT_EQ(put.object()->optValue<std::string>("owner", ""), "alice");
            EXPECT_EQ(listed(bob_, id) != nullptr, true);
            EXPECT_EQ(listed(alice_, id) != nullptr, true) << "still the owner's advisor";
        }

        EXPECT_OUTCOME(chat(bob_, id), row.chat, what + " chat");

        auto grants = sharesOn(bob_, id);
        EXPECT_OUTCOME(grants, row.listGrants, what + " list grants");
        if (grants.status == 200) {
            auto dave = findIn(arrayOf(grants), "principal_name", "dave");
            ASSERT_NE(dave, nullptr) << grants.body;
            EXPECT_EQ(dave->getValue<std::string>("role"), "viewer");
            EXPECT_EQ(dave->getValue<std::string>("granted_by_name"), owner.name);
        }

        auto reshared = share(bob_, shareBody(id, "user", third.name, "viewer"));
        EXPECT_OUTCOME(reshared, row.reshare, what + " reshare");
        EXPECT_EQ(getAdvisor(third, id).status, reshared.status == 201 ? 200 : 404) << what;

        auto revoked = deleteShare(bob_, othersGrant);
        EXPECT_OUTCOME(revoked, row.revokeOthers, what + " revoke someone else's grant");
        EXPECT_EQ(getAdvisor(dave_, id).status, revoked.status == 200 ? 404 : 200) << what;

        auto deleted = deleteAdvisor(bob_, id);
        EXPECT_OUTCOME(deleted, row.del, what + " DELETE");
        EXPECT_EQ(getAdvisor(owner, id).status, deleted.status == 200 ? 404 : 200) << what;
    }
}

TEST_F(AccessTest, AStrangerLearnsNothingAndTheOwnerSeesEveryGrant) {
    std::string id = createAdvisor(alice_, "private");
    mustShare(alice_, shareBody(id, "user", "bob", "editor"));
    // eve: not listed, 404 everywhere, including the grants and the explanation.
    EXPECT_EQ(listed(eve_, id), nullptr);
    EXPECT_FALSE(sharedWithMe(eve_, id));
    EXPECT_OUTCOME(getAdvisor(eve_, id), kNotFound, "GET");
    EXPECT_OUTCOME(sharesOn(eve_, id), kNotFound, "grants");
    EXPECT_OUTCOME(explain(eve_, id, "bob"), kNotFound, "explain");
    EXPECT_OUTCOME(explain(eve_, id), kNotFound, "explain self");
    // An id that is no advisor at all answers the same.
    EXPECT_OUTCOME(getAdvisor(eve_, "00000000-0000-4000-8000-000000000000"), kNotFound, "unknown id");
    // The owner's view of the grants.
    auto grants = sharesOn(alice_, id);
    ASSERT_EQ(grants.status, 200) << grants.body;
    auto all = arrayOf(grants);
    ASSERT_EQ(all->size(), 1u) << grants.body;
    auto g = all->getObject(0);
    EXPECT_EQ(g->getValue<std::string>("resource_type"), "advisor");
    EXPECT_EQ(g->getValue<std::string>("resource_id"), id);
    EXPECT_EQ(g->getValue<std::string>("resource_name"), "private");
    EXPECT_EQ(g->getValue<std::string>("owner"), "alice");
    EXPECT_EQ(g->getValue<std::string>("principal_type"), "user");
    EXPECT_EQ(g->getValue<std::string>("principal_id"), bob_.id);
    EXPECT_EQ(g->getValue<std::string>("principal_name"), "bob");
    EXPECT_EQ(g->getValue<std::string>("role"), "editor");
    EXPECT_TRUE(g->isNull("expires_at"));
    EXPECT_EQ(g->getValue<std::string>("granted_by"), alice_.id);
    // bob sees the same grant under with-me.
    auto mine = arrayOf(withMe(bob_));
    ASSERT_EQ(mine->size(), 1u);
    EXPECT_EQ(mine->getObject(0)->getValue<std::string>("id"), g->getValue<std::string>("id"));
}

// ---- 2. escalation attempts --------------------------------------------------------------

TEST_F(AccessTest, NobodyGrantsMoreThanTheyHoldOrChangesOtherPeoplesGrants) {
    std::string id = createAdvisor(alice_, "guarded");
    auto bobs = mustShare(alice_, permissionsBody(id, "bob", {"view", "use", "reshare"}));
    auto daves = mustShare(alice_, shareBody(id, "user", "dave", "viewer"));
    mustShare(alice_, shareBody(id, "user", "eve", "editor"));  // editor, no reshare

    // bob holds view+use+reshare: edit or manage are beyond him.
    EXPECT_OUTCOME(share(bob_, shareBody(id, "user", "carol", "editor")), (Outcome{403, "grant_exceeds_holding"}), "role");
    EXPECT_OUTCOME(share(bob_, permissionsBody(id, "carol", {"view", "manage"})), (Outcome{403, "grant_exceeds_holding"}),
                   "manage");
    EXPECT_OUTCOME(share(bob_, shareBody(id, "user", "carol", "owner")), (Outcome{403, "grant_exceeds_holding"}), "owner");
    EXPECT_EQ(getAdvisor(carol_, id).status, 404);
    // Nor can he raise his own grant.
    EXPECT_OUTCOME(patchShare(bob_, bobs->getValue<std::string>("id"), R"({"role":"editor"})"),
                   (Outcome{403, "grant_exceeds_holding"}), "own grant");
    EXPECT_EQ(permissionsOf(alice_, id, bob_), (std::vector<std::string>{"view", "use", "reshare"}));
    // What he holds he may pass on.
    auto carols = mustShare(bob_, permissionsBody(id, "carol", {"view", "use"}));
    EXPECT_EQ(carols->getValue<std::string>("granted_by_name"), "bob");
    EXPECT_EQ(chat(carol_, id).status, 200);

    // eve (editor) and carol (view+use) hold no reshare: they share nothing.
    EXPECT_OUTCOME(share(eve_, shareBody(id, "user", "carol", "viewer")), kReshareDenied, "editor shares");
    EXPECT_OUTCOME(share(carol_, shareBody(id, "user", "eve", "viewer")), kReshareDenied, "user shares");
    EXPECT_OUTCOME(patchShare(carol_, carols->getValue<std::string>("id"), R"({"role":"editor"})"), kReshareDenied,
                   "carol raises her own grant");

    // dave's grant is alice's: bob may not change or revoke it, eve neither; strangers get 404.
    const std::string daveGrant = daves->getValue<std::string>("id");
    EXPECT_OUTCOME(patchShare(bob_, daveGrant, R"({"role":"user"})"), (Outcome{403, "share_not_yours"}), "bob patch");
    EXPECT_OUTCOME(share(bob_, shareBody(id, "user", "dave", "user")), (Outcome{403, "share_not_yours"}), "bob re-share");
    EXPECT_OUTCOME(deleteShare(bob_, daveGrant), kRevokeDenied, "bob revoke");
    EXPECT_OUTCOME(patchShare(eve_, daveGrant, R"({"role":"user"})"), kReshareDenied, "eve patch");
    EXPECT_OUTCOME(deleteShare(eve_, daveGrant), kRevokeDenied, "eve revoke");
    User stranger = addUser("frank");
    EXPECT_OUTCOME(patchShare(stranger, daveGrant, R"({"role":"viewer"})"), (Outcome{404, "share_not_found"}), "stranger");
    EXPECT_OUTCOME(deleteShare(stranger, daveGrant), (Outcome{404, "share_not_found"}), "stranger revoke");
    EXPECT_EQ(permissionsOf(alice_, id, dave_), kViewerBits) << "dave's grant is untouched";

    // bob's own reshare is his to change (within his holding) and to revoke.
    const std::string carolGrant = carols->getValue<std::string>("id");
    EXPECT_OUTCOME(patchShare(bob_, carolGrant, R"({"permissions":["view","edit"]})"),
                   (Outcome{403, "grant_exceeds_holding"}), "bob widens carol");
    auto narrowed = patchShare(bob_, carolGrant, R"({"role":"viewer"})");
    ASSERT_EQ(narrowed.status, 200) << narrowed.body;
    EXPECT_EQ(narrowed.object()->getValue<std::string>("role"), "viewer");
    EXPECT_EQ(chat(carol_, id).status, 403) << "carol lost use on the next request";
    // A grant of alice's manager (role owner) may change anyone's grant.
    mustShare(alice_, shareBody(id, "user", "carol", "viewer"));  // alice takes over carol's grant
    EXPECT_OUTCOME(deleteShare(bob_, carolGrant), kRevokeDenied, "no longer bob's");
    EXPECT_EQ(deleteShare(alice_, carolGrant).status, 200);
    EXPECT_EQ(getAdvisor(carol_, id).status, 404);
    // Giving up one's own grant is always allowed.
    EXPECT_EQ(deleteShare(dave_, daveGrant).status, 200);
    EXPECT_EQ(getAdvisor(dave_, id).status, 404);
}

TEST_F(AccessTest, ATeamGrantEndsOnTheNextRequestWhenMembershipOrTheTeamEnds) {
    std::string id = createAdvisor(alice_, "team tool");
    std::string team = mustCreateTeam(carol_, "squad");
    ASSERT_EQ(addMemberNamed(carol_, team, "bob").status, 201);
    auto g = mustShare(alice_, shareBody(id, "team", "squad", "user"));
    EXPECT_EQ(g->getValue<std::string>("principal_id"), team);
    EXPECT_EQ(g->getValue<std::string>("principal_name"), "squad");
    ASSERT_EQ(getAdvisor(bob_, id).status, 200);
    ASSERT_EQ(chat(bob_, id).status, 200);
    EXPECT_TRUE(sharedWithMe(bob_, id));

    // Removed by the team admin: gone on the next request.
    ASSERT_EQ(removeMember(carol_, team, bob_).status, 200);
    EXPECT_EQ(getAdvisor(bob_, id).status, 404);
    EXPECT_EQ(chat(bob_, id).status, 404);
    EXPECT_EQ(listed(bob_, id), nullptr);
    EXPECT_FALSE(sharedWithMe(bob_, id));
    EXPECT_EQ(getAdvisor(carol_, id).status, 200) << "the team keeps it";

    // Back in, then leaving on his own.
    ASSERT_EQ(addMemberNamed(carol_, team, "bob").status, 201);
    EXPECT_EQ(getAdvisor(bob_, id).status, 200);
    ASSERT_EQ(removeMember(bob_, team, bob_).status, 200);
    EXPECT_EQ(getAdvisor(bob_, id).status, 404);

    // Back in, then the team is deleted: its grants go with it.
    ASSERT_EQ(addMemberNamed(carol_, team, "bob").status, 201);
    EXPECT_EQ(getAdvisor(bob_, id).status, 200);
    ASSERT_EQ(deleteTeam(carol_, team).status, 200);
    EXPECT_EQ(getAdvisor(bob_, id).status, 404);
    EXPECT_EQ(getAdvisor(carol_, id).status, 404);
    EXPECT_FALSE(sharedWithMe(bob_, id));
    auto grants = sharesOn(alice_, id);
    ASSERT_EQ(grants.status, 200);
    EXPECT_EQ(arrayOf(grants)->size(), 0u) << grants.body;
    EXPECT_EQ(grantRows(id), 0);
    EXPECT_OUTCOME(patchShare(alice_, g->getValue<std::string>("id"), R"({"role":"viewer"})"),
                   (Outcome{404, "share_not_found"}), "the team's grant");
}

TEST_F(AccessTest, AReshareNeverOutlivesTheResharersExpiringGrantAndExpiredGrantsAreInvisible) {
    std::string id = createAdvisor(alice_, "short lived");
    std::string other = createAdvisor(alice_, "long lived");
    // bob's grant lasts 3 s; alice's grant to dave on the other advisor 3 s as well.
    long long soon = epochIn(3);
    auto bobs = mustShare(alice_, permissionsBody(id, "bob", {"view", "use", "reshare"}, soon));
    auto daves = mustShare(alice_, shareBody(other, "user", "dave", "viewer", soon));
    const std::string bobExpiry = bobs->getValue<std::string>("expires_at");
    EXPECT_EQ(daves->getValue<std::string>("expires_at"), bobExpiry);

    // Without expiry, or beyond bob's: capped at bob's expiry. Earlier: kept.
    auto carols = mustShare(bob_, shareBody(id, "user", "carol", "viewer"));
    EXPECT_EQ(carols->getValue<std::string>("expires_at"), bobExpiry) << "no expiry is capped";
    auto daveOnId = mustShare(bob_, shareBody(id, "user", "dave", "user", epochIn(7200)));
    EXPECT_EQ(daveOnId->getValue<std::string>("expires_at"), bobExpiry) << "a later expiry is capped";
    // PATCH cannot lift the cap either (clearing or extending the expiry).
    auto cleared = patchShare(bob_, carols->getValue<std::string>("id"), R"({"expires_at":null})");
    ASSERT_EQ(cleared.status, 200) << cleared.body;
    EXPECT_EQ(cleared.object()->getValue<std::string>("expires_at"), bobExpiry);
    auto extended = patchShare(bob_, daveOnId->getValue<std::string>("id"),
                               R"({"expires_at":)" + std::to_string(epochIn(86400)) + "}");
    ASSERT_EQ(extended.status, 200) << extended.body;
    EXPECT_EQ(extended.object()->getValue<std::string>("expires_at"), bobExpiry);
    // A manager's grant is not capped: alice may give eve an open-ended one.
    auto eves = mustShare(alice_, shareBody(id, "user", "eve", "viewer"));
    EXPECT_TRUE(eves->isNull("expires_at"));
    // An expiry in the past is refused.
    EXPECT_EQ(share(alice_, shareBody(other, "user", "carol", "viewer", epochIn(-10))).status, 422);
    // A manager whose grant expires (role owner until `soon`) cannot mint open-ended grants.
    mustShare(alice_, shareBody(other, "user", "bob", "owner", soon));
    auto minted = mustShare(bob_, shareBody(other, "user", "carol", "owner"));
    EXPECT_EQ(minted->getValue<std::string>("expires_at"), bobExpiry) << "a manager's grant is capped too";
    // Shortening a resharer's grant later shortens what they reshared, down the chain.
    std::string third = createAdvisor(alice_, "shortened");
    auto eves3 = mustShare(alice_, permissionsBody(third, "eve", {"view", "reshare"}));
    auto daves3 = mustShare(eve_, permissionsBody(third, "dave", {"view", "reshare"}));
    mustShare(dave_, shareBody(third, "user", "carol", "viewer", epochIn(86400)));
    EXPECT_TRUE(daves3->isNull("expires_at"));
    auto shortened = patchShare(alice_, eves3->getValue<std::string>("id"), "{\"expires_at\":" + std::to_string(soon) + "}");
    ASSERT_EQ(shortened.status, 200) << shortened.body;
    auto chain = arrayOf(sharesOn(alice_, third));
    ASSERT_EQ(chain->size(), 3u);
    for (const std::string who : {"eve", "dave", "carol"}) {
        auto g = findIn(chain, "principal_name", who);
        ASSERT_NE(g, nullptr) << who;
        EXPECT_EQ(g->optValue<std::string>("expires_at", "null"), bobExpiry) << who;
    }
    EXPECT_EQ(getAdvisor(carol_, third).status, 200);

    // Live now.
    EXPECT_EQ(getAdvisor(bob_, id).status, 200);
    EXPECT_EQ(getAdvisor(carol_, id).status, 200);
    EXPECT_EQ(getAdvisor(dave_, other).status, 200);
    EXPECT_TRUE(sharedWithMe(dave_, other));
    EXPECT_NE(listed(dave_, other), nullptr);
    EXPECT_EQ(arrayOf(sharesOn(alice_, id))->size(), 4u);

    // After the expiry everything that came from it is gone, on every route.
    std::this_thread::sleep_for(std::chrono::milliseconds(static_cast<long long>(soon - std::time(nullptr)) * 1000 + 1200));
    for (const User* u : {&bob_, &carol_}) {
        SCOPED_TRACE(u->name);
        EXPECT_OUTCOME(getAdvisor(*u, id), kNotFound, "GET");
        EXPECT_EQ(listed(*u, id), nullptr);
        EXPECT_FALSE(sharedWithMe(*u, id));
    }
    EXPECT_OUTCOME(getAdvisor(dave_, other), kNotFound, "expired GET");
    EXPECT_OUTCOME(getAdvisor(bob_, other), kNotFound, "the temporary manager");
    EXPECT_OUTCOME(getAdvisor(carol_, other), kNotFound, "what the temporary manager minted");
    for (const User* u : {&eve_, &dave_, &carol_}) {
        EXPECT_OUTCOME(getAdvisor(*u, third), kNotFound, u->name + " after the shortened chain ended");
    }
    EXPECT_OUTCOME(chat(dave_, id), kNotFound, "expired chat");
    EXPECT_FALSE(sharedWithMe(dave_, other));
    EXPECT_FALSE(sharedWithMe(dave_, id));
    EXPECT_EQ(listed(dave_, other), nullptr);
    EXPECT_EQ(getAdvisor(eve_, id).status, 200) << "eve's grant had no expiry";
    auto grants = arrayOf(sharesOn(alice_, id));
    ASSERT_EQ(grants->size(), 1u);
    EXPECT_EQ(grants->getObject(0)->getValue<std::string>("principal_name"), "eve");
    auto why = explain(alice_, other, "dave");
    ASSERT_EQ(why.status, 200) << why.body;
    EXPECT_FALSE(why.object()->getValue<bool>("visible"));
    EXPECT_EQ(why.object()->getValue<std::string>("reason"), "no access");
    EXPECT_EQ(why.object()->getArray("grants")->size(), 0u);
    // An expired reshare holder shares nothing.
    EXPECT_OUTCOME(share(bob_, shareBody(id, "user", "carol", "viewer")), kNotFound, "expired resharer");
}

TEST_F(AccessTest, RevokingAGrantRevokesWhatItsHolderResharedDownTheChain) {
    std::string id = createAdvisor(alice_, "chained");
    std::string other = createAdvisor(alice_, "unrelated");
    auto bobs = mustShare(alice_, permissionsBody(id, "bob", {"view", "reshare"}));
    mustShare(bob_, permissionsBody(id, "carol", {"view", "reshare"}));
    mustShare(carol_, shareBody(id, "user", "dave", "viewer"));
    mustShare(alice_, shareBody(id, "user", "eve", "viewer"));  // not from bob
    // carol's reshare on another advisor alice gave her survives.
    mustShare(alice_, permissionsBody(other, "carol", {"view", "reshare"}));
    mustShare(carol_, shareBody(other, "user", "dave", "viewer"));
    for (const User* u : {&bob_, &carol_, &dave_, &eve_}) ASSERT_EQ(getAdvisor(*u, id).status, 200) << u->name;

    ASSERT_EQ(deleteShare(alice_, bobs->getValue<std::string>("id")).status, 200);
    for (const User* u : {&bob_, &carol_, &dave_}) {
        EXPECT_EQ(getAdvisor(*u, id).status, 404) << u->name;
        EXPECT_FALSE(sharedWithMe(*u, id)) << u->name;
    }
    EXPECT_EQ(getAdvisor(eve_, id).status, 200);
    EXPECT_EQ(getAdvisor(dave_, other).status, 200) << "the chain is per resource";
    auto left = arrayOf(sharesOn(alice_, id));
    ASSERT_EQ(left->size(), 1u);
    EXPECT_EQ(left->getObject(0)->getValue<std::string>("principal_name"), "eve");

    // Giving up one's own grant takes one's reshares along too.
    auto carols = mustShare(alice_, permissionsBody(id, "carol", {"view", "reshare"}));
    mustShare(carol_, shareBody(id, "user", "dave", "viewer"));
    ASSERT_EQ(getAdvisor(dave_, id).status, 200);
    ASSERT_EQ(deleteShare(carol_, carols->getValue<std::string>("id")).status, 200);
    EXPECT_EQ(getAdvisor(carol_, id).status, 404);
    EXPECT_EQ(getAdvisor(dave_, id).status, 404);
}

TEST_F(AccessTest, DeletingTheAdvisorRemovesItsGrants) {
    std::string id = createAdvisor(alice_, "doomed");
    std::string team = mustCreateTeam(carol_, "watchers");
    auto bobs = mustShare(alice_, shareBody(id, "user", "bob", "user"));
    mustShare(alice_, shareBody(id, "team", "watchers", "viewer"));
    ASSERT_TRUE(sharedWithMe(bob_, id));
    ASSERT_TRUE(sharedWithMe(carol_, id));
    ASSERT_EQ(grantRows(id), 2);

    ASSERT_EQ(deleteAdvisor(alice_, id).status, 200);
    EXPECT_FALSE(sharedWithMe(bob_, id));
    EXPECT_FALSE(sharedWithMe(carol_, id));
    EXPECT_EQ(grantRows(id), 0);
    EXPECT_EQ(listed(bob_, id), nullptr);
    EXPECT_OUTCOME(getAdvisor(bob_, id), kNotFound, "GET");
    EXPECT_OUTCOME(patchShare(alice_, bobs->getValue<std::string>("id"), R"({"role":"viewer"})"),
                   (Outcome{404, "share_not_found"}), "PATCH");
    EXPECT_OUTCOME(deleteShare(bob_, bobs->getValue<std::string>("id")), (Outcome{404, "share_not_found"}), "DELETE");
    EXPECT_OUTCOME(share(alice_, shareBody(id, "user", "bob", "viewer")), kNotFound, "share a deleted advisor");
}

TEST_F(AccessTest, InvalidSharesAreRefusedWithTheRightStatus) {
    std::string id = createAdvisor(alice_, "strict");
    mustShare(alice_, permissionsBody(id, "bob", {"view", "reshare"}));
    const Outcome self{422, "share_with_self"};
    EXPECT_OUTCOME(share(alice_, shareBody(id, "user", "alice", "viewer")), self, "owner to herself");
    EXPECT_OUTCOME(share(bob_, shareBody(id, "user", "alice", "viewer")), self, "to the owner");
    EXPECT_OUTCOME(share(bob_, shareBody(id, "user", "bob", "viewer")), self, "bob to himself");

    auto body = [&](const std::string& fields) {
        return R"({"resource_type":"advisor","resource_id":")" + id + "\"" + (fields.empty() ? "" : "," + fields) + "}";
    };
    const std::vector<std::pair<std::string, std::string>> invalid = {
        {R"({"resource_type":"spaceship","resource_id":")" + id + R"(","principal_name":"bob","role":"viewer"})",
         "unknown_resource_type"},
        {R"({"resource_id":")" + id + R"(","principal_name":"bob","role":"viewer"})", ""},
        {R"({"resource_type":"advisor","principal_name":"bob","role":"viewer"})", ""},
        {body(R"("principal_name":"bob","role":"admin")"), ""},
        {body(R"("principal_name":"bob","role":"")"), ""},
        {body(R"("principal_name":"bob","role":7)"), ""},
        {body(R"("principal_name":"bob")"), ""},
        {body(R"("principal_name":"bob","permissions":["view","fly"])"), ""},
        {body(R"("principal_name":"bob","permissions":[])"), ""},
        {body(R"("principal_name":"bob","permissions":"view")"), ""},
        {body(R"("principal_name":"bob","permissions":[1])"), ""},
        {body(R"("principal_name":"bob","role":"viewer","permissions":["view"])"), ""},
        {body(R"("principal_name":"bob","permissions":["use"])"), "grant_without_view"},
        {body(R"("principal_name":"bob","role":"viewer","expires_at":"tomorrow")"), ""},
        {body(R"("principal_name":"bob","role":"viewer","expires_at":"2020-01-01T00:00:00Z")"), ""},
        {body(R"("principal_name":"bob","role":"viewer","expires_at":-5)"), ""},
        {body(R"("principal_name":"bob","role":"viewer","expires_at":true)"), ""},
        {body(R"("principal_type":"group","principal_name":"bob","role":"viewer")"), ""},
        {body(R"("principal_type":"user","role":"viewer")"), ""},
        {body(R"("principal_type":7,"principal_name":"bob","role":"viewer")"), ""},
        {"[1,2]", ""},
        {"not json", ""},
    };
    for (const auto& [b, code] : invalid) {
        auto r = share(alice_, b);
        EXPECT_EQ(r.status, 422) << b << " -> " << r.body;
        if (!code.empty()) {
            EXPECT_EQ(r.errorCode(), code) << b << " -> " << r.body;
        }
    }
    EXPECT_EQ(grantRows(id), 1) << "nothing was written";

    // Unknown principals and resources: 404.
    EXPECT_OUTCOME(share(alice_, shareBody(id, "user", "nobody", "viewer")), (Outcome{404, "user_not_found"}), "user");
    EXPECT_OUTCOME(share(alice_, shareBody(id, "team", "no such team", "viewer")), (Outcome{404, "team_not_found"}),
                   "team");
    EXPECT_OUTCOME(share(alice_, body(R"("principal_id":"00000000-0000-4000-8000-000000000000","role":"viewer")")),
                   (Outcome{404, "user_not_found"}), "user id");
    EXPECT_OUTCOME(share(alice_, body(R"("principal_type":"team","principal_id":"not-a-uuid","role":"viewer")")),
                   (Outcome{404, "team_not_found"}), "team id");
    EXPECT_OUTCOME(share(alice_, shareBody("00000000-0000-4000-8000-000000000000", "user", "bob", "viewer")), kNotFound,
                   "advisor");
    EXPECT_OUTCOME(share(alice_, shareBody("not-an-id", "user", "bob", "viewer")), kNotFound, "advisor garbage id");
    // principal_id works like principal_name.
    auto byId = share(alice_, body(R"("principal_id":")" + carol_.id + R"(","permissions":["view","write"])"));
    ASSERT_EQ(byId.status, 201) << byId.body;
    EXPECT_EQ(byId.object()->getValue<std::string>("principal_name"), "carol");
    EXPECT_EQ(strings(byId.object()->getArray("permissions")), (std::vector<std::string>{"view", "edit"}));
    EXPECT_TRUE(byId.object()->isNull("role")) << "view+edit is no preset";

    // Garbage and unknown grant ids: 404 on PATCH and DELETE.
    for (const std::string bad : {"not-a-uuid", "00000000-0000-4000-8000-000000000000", "%20", "1"}) {
        EXPECT_OUTCOME(patchShare(alice_, bad, R"({"role":"viewer"})"), (Outcome{404, "share_not_found"}), bad);
        EXPECT_OUTCOME(deleteShare(alice_, bad), (Outcome{404, "share_not_found"}), bad);
    }
    // A PATCH with a bad body changes nothing.
    std::string carolGrant = byId.object()->getValue<std::string>("id");
    for (const std::string b : {R"({"role":"king"})", R"({"permissions":[]})", R"({"expires_at":"soon"})",
                                R"({"permissions":["use"]})", R"({"expires_at":1})"}) {
        EXPECT_EQ(patchShare(alice_, carolGrant, b).status, 422) << b;
    }
    EXPECT_EQ(permissionsOf(alice_, id, carol_), (std::vector<std::string>{"view", "edit"}));

    // The grants list needs both query parameters and a known type.
    EXPECT_EQ(server_.get("/api/v1/shares?resource_type=advisor", alice_.auth()).status, 422);
    EXPECT_OUTCOME(sharesOn(alice_, id, "spaceship"), (Outcome{422, "unknown_resource_type"}), "grants type");
    EXPECT_EQ(server_.get("/api/v1/shares/with-me").status, 401);
}

// ---- 3. explain --------------------------------------------------------------------------

TEST_F(AccessTest, ExplainNamesTheTeamGrantForTheOwnerTheUserAndAdminsOnly) {
    std::string id = createAdvisor(alice_, "explained");
    std::string team = mustCreateTeam(dave_, "analysts");
    ASSERT_EQ(addMemberNamed(dave_, team, "bob").status, 201);
    auto teamGrant = mustShare(alice_, shareBody(id, "team", "analysts", "user"));
    mustShare(alice_, shareBody(id, "user", "carol", "viewer"));

    auto checkBob = [&](const Response& r, const std::string& who) {
        SCOPED_TRACE(who);
        ASSERT_EQ(r.status, 200) << r.body;
        auto o = r.object();
        EXPECT_EQ(o->getValue<std::string>("username"), "bob");
        EXPECT_EQ(o->getValue<std::string>("user_id"), bob_.id);
        EXPECT_EQ(o->getValue<std::string>("resource_name"), "explained");
        EXPECT_EQ(o->getValue<std::string>("owner"), "alice");
        EXPECT_TRUE(o->getValue<bool>("visible"));
        EXPECT_FALSE(o->getValue<bool>("is_owner"));
        EXPECT_EQ(o->getValue<std::string>("reason"), "grants");
        EXPECT_EQ(strings(o->getArray("permissions")), kUserBits);
        auto grants = o->getArray("grants");
        ASSERT_EQ(grants->size(), 1u) << r.body;
        auto g = grants->getObject(0);
        EXPECT_EQ(g->getValue<std::string>("id"), teamGrant->getValue<std::string>("id"));
        EXPECT_EQ(g->getValue<std::string>("principal_type"), "team");
        EXPECT_EQ(g->getValue<std::string>("principal_name"), "analysts");
        EXPECT_EQ(g->getValue<std::string>("reason"), "granted to team analysts");
    };
    checkBob(explain(alice_, id, "bob"), "the owner by name");
    checkBob(explain(alice_, id, bob_.id), "the owner by id");
    checkBob(explain(bob_, id), "bob about himself");
    checkBob(explain(bob_, id, "bob"), "bob naming himself");
    checkBob(explain(root_, id, "bob"), "a server admin");
    EXPECT_OUTCOME(explain(carol_, id, "bob"), kDenied, "a viewer asking about someone else");
    EXPECT_OUTCOME(explain(eve_, id, "bob"), kNotFound, "a stranger");
    EXPECT_OUTCOME(explain(eve_, id), kNotFound, "a stranger about herself");
    EXPECT_OUTCOME(explain(alice_, id, "nobody"), (Outcome{404, "user_not_found"}), "unknown user");
    EXPECT_OUTCOME(explain(root_, "00000000-0000-4000-8000-000000000000", "bob"), kNotFound, "unknown advisor");
    EXPECT_EQ(server_.get("/api/v1/access/explain?resource_type=advisor", alice_.auth()).status, 422);
    EXPECT_OUTCOME(server_.get("/api/v1/access/explain?resource_type=spaceship&resource_id=" + id, alice_.auth()),
                   (Outcome{422, "unknown_resource_type"}), "unknown type");

    // Direct and team grants together; the owner; someone without access.
    mustShare(alice_, shareBody(id, "user", "bob", "editor"));
    auto both = explain(alice_, id, "bob");
    ASSERT_EQ(both.status, 200);
    EXPECT_EQ(strings(both.object()->getArray("permissions")), kEditorBits);
    EXPECT_EQ(both.object()->getArray("grants")->size(), 2u);
    auto owner = explain(alice_, id);
    ASSERT_EQ(owner.status, 200);
    EXPECT_TRUE(owner.object()->getValue<bool>("is_owner"));
    EXPECT_EQ(owner.object()->getValue<std::string>("reason"), "owner");
    EXPECT_EQ(strings(owner.object()->getArray("permissions")), kOwnerBits);
    auto none = explain(root_, id, "eve");
    ASSERT_EQ(none.status, 200) << none.body;
    EXPECT_FALSE(none.object()->getValue<bool>("visible"));
    EXPECT_EQ(none.object()->getValue<std::string>("reason"), "no access");
}

// ---- 4. teams ----------------------------------------------------------------------------

TEST_F(AccessTest, TeamsCreateListMembershipRolesAndTheLastAdmin) {
    auto created = createTeam(bob_, R"({"name":"crew"})");
    ASSERT_EQ(created.status, 201) << created.body;
    std::string team = created.object()->getValue<std::string>("id");
    EXPECT_EQ(created.object()->getValue<std::string>("name"), "crew");
    auto members = created.object()->getArray("members");
    ASSERT_EQ(members->size(), 1u);
    EXPECT_EQ(members->getObject(0)->getValue<std::string>("user_id"), bob_.id);
    EXPECT_EQ(members->getObject(0)->getValue<std::string>("username"), "bob");
    EXPECT_EQ(members->getObject(0)->getValue<std::string>("role"), "admin");
    EXPECT_OUTCOME(createTeam(carol_, R"({"name":"crew"})"), (Outcome{409, "team_exists"}), "duplicate");
    std::string other = mustCreateTeam(carol_, "other crew");

    // Lists: one's own teams; every team for server admins only.
    auto bobs = arrayOf(server_.get("/api/v1/teams", bob_.auth()));
    ASSERT_EQ(bobs->size(), 1u);
    EXPECT_EQ(bobs->getObject(0)->getValue<std::string>("id"), team);
    EXPECT_EQ(arrayOf(server_.get("/api/v1/teams", eve_.auth()))->size(), 0u);
    EXPECT_OUTCOME(server_.get("/api/v1/teams?all=true", bob_.auth()), (Outcome{403, "admin_required"}), "all");
    EXPECT_EQ(arrayOf(server_.get("/api/v1/teams?all=true", root_.auth()))->size(), 2u);

    // Non-members do not see it; server admins do.
    EXPECT_OUTCOME(getTeam(carol_, team), (Outcome{404, "team_not_found"}), "non-member");
    EXPECT_OUTCOME(getTeam(bob_, "not-a-uuid"), (Outcome{404, "team_not_found"}), "garbage id");
    EXPECT_OUTCOME(addMemberNamed(carol_, team, "dave"), (Outcome{404, "team_not_found"}), "non-member adds");
    EXPECT_OUTCOME(deleteTeam(carol_, team), (Outcome{404, "team_not_found"}), "non-member deletes");
    EXPECT_EQ(getTeam(root_, team).status, 200);

    // The admin adds members by username.
    auto added = addMemberNamed(bob_, team, "carol");
    ASSERT_EQ(added.status, 201) << added.body;
    auto carol = findIn(added.object()->getArray("members"), "username", "carol");
    ASSERT_NE(carol, nullptr);
    EXPECT_EQ(carol->getValue<std::string>("role"), "member");
    EXPECT_EQ(carol->getValue<std::string>("user_id"), carol_.id);
    EXPECT_OUTCOME(addMemberNamed(bob_, team, "nobody"), (Outcome{404, "user_not_found"}), "unknown user");
    EXPECT_EQ(addMember(bob_, team, R"({"username":"dave","role":"boss"})").status, 422);
    EXPECT_EQ(addMember(bob_, team, R"({"role":"member"})").status, 422);
    EXPECT_EQ(getTeam(carol_, team).status, 200);
    EXPECT_EQ(arrayOf(server_.get("/api/v1/teams", carol_.auth()))->size(), 2u);

    // A plain member cannot administer.
    const Outcome adminRequired{403, "team_admin_required"};
    EXPECT_OUTCOME(addMemberNamed(carol_, team, "dave"), adminRequired, "member adds");
    EXPECT_OUTCOME(renameTeam(carol_, team, R"({"name":"mine now"})"), adminRequired, "member renames");
    EXPECT_OUTCOME(deleteTeam(carol_, team), adminRequired, "member deletes");
    EXPECT_OUTCOME(setRole(carol_, team, carol_, "admin"), adminRequired, "member promotes herself");
    EXPECT_OUTCOME(setRole(carol_, team, bob_, "member"), adminRequired, "member demotes the admin");
    EXPECT_OUTCOME(removeMember(carol_, team, bob_), adminRequired, "member removes the admin");
    EXPECT_EQ(getTeam(bob_, team).object()->getValue<std::string>("name"), "crew");

    // The last admin can neither be demoted nor leave.
    const Outcome lastAdmin{409, "last_team_admin"};
    EXPECT_OUTCOME(setRole(bob_, team, bob_, "member"), lastAdmin, "demote the last admin");
    EXPECT_OUTCOME(addMember(bob_, team, R"({"username":"bob","role":"member"})"), lastAdmin, "demote through POST");
    EXPECT_OUTCOME(removeMember(bob_, team, bob_), lastAdmin, "the last admin leaves");
    EXPECT_OUTCOME(setRole(bob_, team, dave_, "admin"), (Outcome{404, "member_not_found"}), "not a member");
    EXPECT_EQ(setRole(bob_, team, carol_, "owner").status, 422);

    // With a second admin, the first may step down and leave.
    auto promoted = setRole(bob_, team, carol_, "admin");
    ASSERT_EQ(promoted.status, 200) << promoted.body;
    EXPECT_EQ(findIn(promoted.object()->getArray("members"), "username", "carol")->getValue<std::string>("role"), "admin");
    auto demoted = setRole(carol_, team, bob_, "member");
    ASSERT_EQ(demoted.status, 200) << demoted.body;
    EXPECT_EQ(findIn(demoted.object()->getArray("members"), "username", "bob")->getValue<std::string>("role"), "member");
    EXPECT_OUTCOME(removeMember(carol_, team, carol_), lastAdmin, "carol is now the last admin");
    ASSERT_EQ(removeMember(bob_, team, bob_).status, 200);
    EXPECT_OUTCOME(getTeam(bob_, team), (Outcome{404, "team_not_found"}), "after leaving");
    EXPECT_EQ(arrayOf(server_.get("/api/v1/teams", bob_.auth()))->size(), 0u);
    EXPECT_OUTCOME(removeMember(carol_, team, bob_), (Outcome{404, "member_not_found"}), "already gone");

    // Renames: checked, unique.
    auto renamed = renameTeam(carol_, team, R"({"name":"new crew"})");
    ASSERT_EQ(renamed.status, 200) << renamed.body;
    EXPECT_EQ(renamed.object()->getValue<std::string>("name"), "new crew");
    EXPECT_OUTCOME(renameTeam(carol_, team, R"({"name":"other crew"})"), (Outcome{409, "team_exists"}), "rename taken");
    EXPECT_EQ(createTeam(dave_, R"({"name":"crew"})").status, 201) << "the old name is free again";

    // Invalid names.
    const std::string tooLong(65, 'x');
    for (const std::string& b : {std::string(R"({"name":""})"), std::string(R"({"name":" lead"})"),
                                std::string(R"({"name":"trail "})"), R"({"name":")" + tooLong + R"("})",
                                std::string(R"({"name":"a\nb"})"), std::string(R"({"name":"tab\there"})"),
                                std::string(R"({"name":42})"), std::string(R"({})"), std::string("not json")}) {
        EXPECT_EQ(createTeam(eve_, b).status, 422) << b;
        EXPECT_EQ(renameTeam(carol_, team, b).status, 422) << b;
    }
    EXPECT_EQ(createTeam(eve_, R"({"name":")" + std::string(64, 'y') + R"("})").status, 201);

    // Deleting: the admin only; then nobody sees it.
    ASSERT_EQ(deleteTeam(carol_, team).status, 200);
    EXPECT_OUTCOME(getTeam(carol_, team), (Outcome{404, "team_not_found"}), "deleted");
    EXPECT_OUTCOME(getTeam(root_, team), (Outcome{404, "team_not_found"}), "deleted, admin");
    EXPECT_EQ(getTeam(carol_, other).status, 200);
}

}  // namespace
}  // namespace hub::tests
