// The advisors plugin over real HTTP: the Advisor object byte for byte (key order, Python
// float formatting), defaults, PUT as a full replace, per-user names and isolation, 422
// bodies that write nothing, auth, delete, and `hubd import advisors` with legacy files.
#include <filesystem>
#include <fstream>
#include <regex>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>

#include "ServerProcess.h"
#include "hub/sdk/Json.h"

namespace hub::tests {
namespace {

namespace fs = std::filesystem;
using Headers = std::map<std::string, std::string>;

const std::string kUrl = "/api/v1/advisors";

std::vector<std::string> serverArgs(const std::vector<std::string>& extra = {}) {
    std::vector<std::string> args{"--set", "plugin_search_path=[" + ServerProcess::bundledPluginDir() + "]",
                                  "--set", "logging.access_log=false",
                                  "--set", "auth.password.argon2_memory_kib=8192",
                                  "--set", "auth.password.argon2_iterations=1"};
    args.insert(args.end(), extra.begin(), extra.end());
    return args;
}

std::string fixtureDir() { return std::string(HUB_SOURCE_DIR) + "/tests/fixtures/advisors"; }

struct User {
    std::string name;
    std::string password;
    std::string id;
    std::string token;
    Headers auth() const { return ServerProcess::bearer(token); }
    Headers basicAuth() const { return ServerProcess::basic(name, password); }
};

/// The id/created_at/updated_at tail of an Advisor object as the server wrote it.
std::string tail(const Poco::JSON::Object::Ptr& o) {
    return "\"id\":\"" + o->getValue<std::string>("id") + "\",\"created_at\":\"" +
           o->getValue<std::string>("created_at") + "\",\"updated_at\":\"" +
           o->getValue<std::string>("updated_at") + "\"}";
}

class AdvisorsTest : public ::testing::Test {
protected:
    void SetUp() override { startServer(); }

    void startServer(const std::vector<std::string>& extra = {}) {
        ASSERT_TRUE(server_.start(serverArgs(extra))) << server_.stderrText();
        alice_ = addUser("alice");
    }

    User addUser(const std::string& name) {
        User u{name, "correct horse 1", "", ""};
        auto r = server_.registerUser(name, u.password);
        EXPECT_EQ(r.status, 201) << r.body;
        if (r.status == 201) u.id = r.object()->getValue<std::string>("id");
        u.token = server_.login(name, u.password);
        EXPECT_FALSE(u.token.empty()) << "login failed for " << name;
        return u;
    }

    Response post(const Headers& auth, const std::string& body) const {
        return server_.postJson(kUrl, body, auth);
    }
    Response put(const Headers& auth, const std::string& id, const std::string& body) const {
        Headers h = auth;
        h["Content-Type"] = "application/json";
        return server_.request("PUT", kUrl + "/" + id, body, h);
    }
    Response get(const Headers& auth, const std::string& id) const {
        return server_.get(kUrl + "/" + id, auth);
    }
    Response del(const Headers& auth, const std::string& id) const {
        return server_.request("DELETE", kUrl + "/" + id, "", auth);
    }
    Response list(const Headers& auth) const { return server_.get(kUrl, auth); }

    /// POST that must succeed; returns the Advisor object.
    Poco::JSON::Object::Ptr create(const User& u, const std::string& body) {
        auto r = post(u.auth(), body);
        EXPECT_EQ(r.status, 200) << r.body;
        if (r.status != 200) return new Poco::JSON::Object;
        return r.object();
    }
    Poco::JSON::Object::Ptr create(const User& u, const std::string& name, const std::string& model) {
        return create(u, R"({"name":")" + name + R"(","model":")" + model + R"(","messages":[]})");
    }

    long long rows() const { return server_.scalar("SELECT COUNT(*) FROM advisors"); }

    ServerProcess server_;
    User alice_;
};

TEST_F(AdvisorsTest, CreateGetAndListAnswerTheAdvisorObjectByteForByte) {
    // Request keys in another order than the response's: the response follows contract §4.1.
    auto r = post(
        alice_.auth(),
        R"({"presence_penalty":0.2,"frequency_penalty":0.1,"top_p":0.9,"tools":["t1"],)"
        R"("gateway":"openrouter","messages":[{"role":"system","content":"hi"}],"stream":true,)"
        R"("max_tokens":50,"temperature":0.5,"model":"openai/gpt-4o-mini","description":"d","name":"full"})");
    ASSERT_EQ(r.status, 200) << r.body;  // HubGPT answered 200, not 201
    EXPECT_EQ(r.header("Content-Type"), "application/json");
    auto o = r.object();
    const std::string expected =
        R"({"name":"full","description":"d","model":"openai/gpt-4o-mini","temperature":0.5,"max_tokens":50,)"
        R"("stream":true,"messages":[{"role":"system","content":"hi"}],"gateway":"openrouter","tools":["t1"],)"
        R"("top_p":0.9,"frequency_penalty":0.1,"presence_penalty":0.2,)" +
        tail(o);
    EXPECT_EQ(r.body, expected);

    std::string id = o->getValue<std::string>("id");
    EXPECT_TRUE(std::regex_match(
        id, std::regex("^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")))
        << id;
    const std::regex wholeSeconds("^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}$");
    EXPECT_TRUE(std::regex_match(o->getValue<std::string>("created_at"), wholeSeconds)) << r.body;
    EXPECT_EQ(o->getValue<std::string>("created_at"), o->getValue<std::string>("updated_at"));

    auto g = get(alice_.auth(), id);
    ASSERT_EQ(g.status, 200) << g.body;
    EXPECT_EQ(g.body, expected);

    auto second = create(alice_, R"({"name":"plain","model":"m","temperature":1.0,"messages":[]})");
    const std::string plain =
        R"({"name":"plain","description":null,"model":"m","temperature":1.0,"max_tokens":1000,"stream":true,)"
        R"("messages":[],"gateway":"echo","tools":null,"top_p":null,"frequency_penalty":null,)"
        R"("presence_penalty":null,)" +
        tail(second);
    EXPECT_EQ(get(alice_.auth(), second->getValue<std::string>("id")).body, plain);

    // Insertion order; both trailing-slash forms.
    EXPECT_EQ(list(alice_.auth()).body, "[" + expected + "," + plain + "]");
    EXPECT_EQ(server_.get(kUrl + "/", alice_.auth()).body, "[" + expected + "," + plain + "]");
}

TEST_F(AdvisorsTest, FloatFieldsAreWrittenAsPythonFloats) {
    struct Case {
        std::string in;
        std::string out;
    };
    const std::vector<Case> cases{{"1", "1.0"},       {"0", "0.0"},
                                  {"2.0", "2.0"},     {"0.1", "0.1"},
                                  {"1.25", "1.25"},   {"-0.5", "-0.5"},
                                  {"1e-05", "1e-05"}, {"0.0001", "0.0001"},
                                  {"100", "100.0"},   {"0.30000000000000004", "0.30000000000000004"}};
    int n = 0;
    for (const auto& c : cases) {
        SCOPED_TRACE(c.in);
        std::string body = R"({"name":"f)" + std::to_string(n++) +
                           R"(","model":"m","messages":[],"temperature":)" + c.in + R"(,"top_p":)" + c.in +
                           R"(,"frequency_penalty":)" + c.in + R"(,"presence_penalty":)" + c.in + "}";
        auto r = post(alice_.auth(), body);
        ASSERT_EQ(r.status, 200) << r.body;
        EXPECT_NE(r.body.find("\"temperature\":" + c.out + ",\"max_tokens\":"), std::string::npos) << r.body;
        EXPECT_NE(r.body.find("\"top_p\":" + c.out + ",\"frequency_penalty\":" + c.out +
                              ",\"presence_penalty\":" + c.out + ",\"id\":"),
                  std::string::npos)
            << r.body;
        // The stored value reads back the same way.
        EXPECT_EQ(get(alice_.auth(), r.object()->getValue<std::string>("id")).body, r.body);
    }
    // max_tokens is an integer field: 7.0 is accepted as 7, as pydantic did.
    auto r = post(alice_.auth(), R"({"name":"ints","model":"m","messages":[],"max_tokens":7.0})");
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_NE(r.body.find("\"max_tokens\":7,"), std::string::npos) << r.body;
}

TEST_F(AdvisorsTest, OmittedFieldsTakeTheirDefaults) {
    auto o = create(alice_, R"({"name":"Coach","model":"openai/gpt-4o-mini","messages":[]})");
    EXPECT_TRUE(o->isNull("description"));
    EXPECT_EQ(o->getValue<double>("temperature"), 1.0);
    EXPECT_EQ(o->getValue<int64_t>("max_tokens"), 1000);
    EXPECT_TRUE(o->getValue<bool>("stream"));
    EXPECT_EQ(o->getValue<std::string>("gateway"), "echo");  // HubGPT left null, breaking every chat
    EXPECT_TRUE(o->isNull("tools"));
    EXPECT_TRUE(o->isNull("top_p"));
    EXPECT_TRUE(o->isNull("frequency_penalty"));
    EXPECT_TRUE(o->isNull("presence_penalty"));

    // Explicit nulls where null is allowed mean the same; gateway null is the default gateway too.
    auto n = create(alice_, R"({"name":"Nulls","model":"m","messages":[],"description":null,"gateway":null,)"
                            R"("tools":null,"top_p":null,"frequency_penalty":null,"presence_penalty":null})");
    EXPECT_TRUE(n->isNull("description"));
    EXPECT_EQ(n->getValue<std::string>("gateway"), "echo");
    EXPECT_TRUE(n->isNull("tools"));
    EXPECT_TRUE(n->isNull("top_p"));

    // Unknown keys are ignored, as HubGPT did.
    auto u =
        create(alice_, R"({"name":"Extra","model":"m","messages":[],"tool_choice":"auto","colour":"red"})");
    EXPECT_FALSE(u->has("tool_choice"));
    EXPECT_EQ(u->size(), 15u);
}

TEST_F(AdvisorsTest, DefaultGatewayComesFromThePluginConfig) {
    server_.stop();
    ServerProcess other;
    ASSERT_TRUE(other.start(serverArgs({"--set", "plugins.advisors.config.default_gateway=openrouter"})))
        << other.stderrText();
    ASSERT_EQ(other.registerUser("carol").status, 201);
    auto r = other.postJson(kUrl, R"({"name":"x","model":"m","messages":[]})",
                            ServerProcess::bearer(other.login("carol")));
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(r.object()->getValue<std::string>("gateway"), "openrouter");
}

TEST_F(AdvisorsTest, MessagesAreStoredAsGivenWithAnyKeys) {
    auto o = create(
        alice_,
        R"({"name":"m","model":"m","messages":[)"
        R"({"role":"system","content":"Use <$file:me/aboutme.md$> and <$datetime$>","name":"sys"},)"
        R"({"role":"user","content":"wörld / \"quoted\"\n","meta":{"n":1,"x":1.0,"list":[true,null,1e-05]}},)"
        R"({"role":"assistant"}]})");
    auto r = get(alice_.auth(), o->getValue<std::string>("id"));
    ASSERT_EQ(r.status, 200) << r.body;
    auto messages = r.object()->getArray("messages");
    ASSERT_EQ(messages->size(), 3u);
    auto first = messages->getObject(0);
    EXPECT_EQ(first->getValue<std::string>("content"), "Use <$file:me/aboutme.md$> and <$datetime$>");
    EXPECT_EQ(first->getValue<std::string>("name"), "sys");
    auto second = messages->getObject(1);
    EXPECT_EQ(second->getValue<std::string>("content"), "wörld / \"quoted\"\n");
    EXPECT_NE(r.body.find("\"list\":[true,null,1e-05]"), std::string::npos) << r.body;
    EXPECT_NE(r.body.find("\"x\":1.0"), std::string::npos) << r.body;  // a float inside stays a float
    EXPECT_NE(r.body.find("wörld"), std::string::npos) << "UTF-8 is not escaped";
    EXPECT_FALSE(messages->getObject(2)->has("content"));
}

TEST_F(AdvisorsTest, PutIsAFullReplaceThatResetsOmittedFields) {
    auto o = create(alice_,
                    R"({"name":"full","description":"d","model":"a","temperature":0.5,"max_tokens":50,)"
                    R"("stream":false,"messages":[{"role":"system","content":"hi"}],"gateway":"openrouter",)"
                    R"("tools":["t1"],"top_p":0.9,"frequency_penalty":0.1,"presence_penalty":0.2})");
    std::string id = o->getValue<std::string>("id");
    auto r = put(alice_.auth(), id,
                 R"({"name":"renamed","model":"b","messages":[{"role":"user","content":"x"}]})");
    ASSERT_EQ(r.status, 200) << r.body;
    auto p = r.object();
    const std::string expected =
        R"({"name":"renamed","description":null,"model":"b","temperature":1.0,"max_tokens":1000,"stream":true,)"
        R"("messages":[{"role":"user","content":"x"}],"gateway":"echo","tools":null,"top_p":null,)"
        R"("frequency_penalty":null,"presence_penalty":null,)" +
        tail(p);
    EXPECT_EQ(r.body, expected);
    EXPECT_EQ(p->getValue<std::string>("id"), id);
    EXPECT_EQ(p->getValue<std::string>("created_at"), o->getValue<std::string>("created_at"));
    EXPECT_GE(p->getValue<std::string>("updated_at"), o->getValue<std::string>("updated_at"));
    EXPECT_EQ(get(alice_.auth(), id).body, expected);
    EXPECT_EQ(rows(), 1);

    // Keeping one's own name is not a conflict.
    auto same = put(alice_.auth(), id, R"({"name":"renamed","model":"c","messages":[],"temperature":0.25})");
    ASSERT_EQ(same.status, 200) << same.body;
    EXPECT_NE(same.body.find("\"model\":\"c\",\"temperature\":0.25,"), std::string::npos) << same.body;
}

TEST_F(AdvisorsTest, NamesAreUniquePerUser) {
    create(alice_, "Coach", "m");
    auto dup = post(alice_.auth(), R"({"name":"Coach","model":"other","messages":[]})");
    EXPECT_EQ(dup.status, 409) << dup.body;
    EXPECT_EQ(dup.detail(), "Advisor with name 'Coach' already exists");
    EXPECT_EQ(dup.header("Content-Type"), "application/json");
    EXPECT_EQ(rows(), 1);

    // Another user may use the same name.
    User bob = addUser("bob");
    create(bob, "Coach", "m");
    EXPECT_EQ(rows(), 2);

    // Renaming onto an existing name is a 409 too (HubGPT: text/plain 500), and changes nothing.
    auto other = create(alice_, "Other", "m");
    std::string otherId = other->getValue<std::string>("id");
    std::string before = get(alice_.auth(), otherId).body;
    auto rename = put(alice_.auth(), otherId, R"({"name":"Coach","model":"m2","messages":[]})");
    EXPECT_EQ(rename.status, 409) << rename.body;
    EXPECT_EQ(rename.detail(), "Advisor with name 'Coach' already exists");
    EXPECT_EQ(get(alice_.auth(), otherId).body, before);

    // Names are compared exactly; 200 bytes is the longest name, UTF-8 is fine.
    create(alice_, "coach", "m");
    create(alice_, "Coach ", "m");
    create(alice_, std::string(200, 'n'), "m");
    create(alice_, "Conseillère fiscale", "m");
    EXPECT_EQ(rows(), 7);
}

TEST_F(AdvisorsTest, AnotherUsersAdvisorIsNotFoundOnEveryRoute) {
    auto mine =
        create(alice_, R"({"name":"Private","model":"m","messages":[{"role":"system","content":"secret"}]})");
    std::string id = mine->getValue<std::string>("id");
    std::string before = get(alice_.auth(), id).body;
    User bob = addUser("bob");
    create(bob, "Bob's", "m");

    auto g = get(bob.auth(), id);
    EXPECT_EQ(g.status, 404);
    EXPECT_EQ(g.detail(), "Advisor not found");
    auto p = put(bob.auth(), id, R"({"name":"Stolen","model":"m","messages":[]})");
    EXPECT_EQ(p.status, 404);
    EXPECT_EQ(p.detail(), "Advisor not found");
    auto d = del(bob.auth(), id);
    EXPECT_EQ(d.status, 404);
    EXPECT_EQ(d.detail(), "Advisor not found");

    auto bobs = list(bob.auth()).json().extract<Poco::JSON::Array::Ptr>();
    ASSERT_EQ(bobs->size(), 1u);
    EXPECT_EQ(bobs->getObject(0)->getValue<std::string>("name"), "Bob's");
    auto alices = list(alice_.auth()).json().extract<Poco::JSON::Array::Ptr>();
    ASSERT_EQ(alices->size(), 1u);
    EXPECT_EQ(alices->getObject(0)->getValue<std::string>("name"), "Private");

    EXPECT_EQ(get(alice_.auth(), id).body, before);  // bob's PUT and DELETE changed nothing
    EXPECT_EQ(rows(), 2);
}

TEST_F(AdvisorsTest, IdsThatAreNotAdvisorsAreNotFound) {
    auto o = create(alice_, "Coach", "m");
    std::string id = o->getValue<std::string>("id");
    for (const std::string& bad :
         {std::string("Coach"), std::string("not-a-uuid"), std::string("1"),
          std::string("00000000-0000-0000-0000-000000000000"), id + "0", id.substr(1),
          std::string("zzzzzzzz-zzzz-zzzz-zzzz-zzzzzzzzzzzz"), std::string("%27%20OR%201%3D1")}) {
        SCOPED_TRACE(bad);
        auto g = get(alice_.auth(), bad);
        EXPECT_EQ(g.status, 404) << g.body;  // never a PostgreSQL error
        EXPECT_EQ(g.detail(), "Advisor not found");
        EXPECT_EQ(put(alice_.auth(), bad, R"({"name":"x","model":"m","messages":[]})").status, 404);
        EXPECT_EQ(del(alice_.auth(), bad).status, 404);
    }
    // UUIDs are case-insensitive.
    std::string upper = id;
    for (auto& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    EXPECT_EQ(get(alice_.auth(), upper).status, 200);
    EXPECT_EQ(rows(), 1);
}

TEST_F(AdvisorsTest, BadBodiesAre422WithTheFieldListAndWriteNothing) {
    auto existing =
        create(alice_, R"({"name":"Keep","model":"m","messages":[{"role":"system","content":"k"}]})");
    std::string id = existing->getValue<std::string>("id");
    std::string before = get(alice_.auth(), id).body;
    const std::string ok = R"("model":"m","messages":[])";
    struct Case {
        std::string body;
        std::vector<std::string> fields;  ///< loc[1] of each error item, in order
    };
    const std::vector<Case> cases{
        {"{}", {"name", "model", "messages"}},
        {R"({"name":"","model":"m","messages":[]})", {"name"}},
        {R"({"name":")" + std::string(201, 'n') + R"(",)" + ok + "}", {"name"}},
        {R"({"name":"a\nb",)" + ok + "}", {"name"}},
        {R"({"name":"tab\there",)" + ok + "}", {"name"}},
        {R"({"name":5,)" + ok + "}", {"name"}},
        {R"({"name":null,)" + ok + "}", {"name"}},
        {R"({"name":"x","messages":[]})", {"model"}},
        {R"({"name":"x","model":5,"messages":[]})", {"model"}},
        {R"({"name":"x","model":""})", {"model", "messages"}},
        {R"({"name":"x","model":"m","messages":"hi"})", {"messages"}},
        {R"({"name":"x","model":"m","messages":null})", {"messages"}},
        {R"({"name":"x","model":"m","messages":{"role":"system"}})", {"messages"}},
        {R"({"name":"x","model":"m","messages":[1]})", {"messages"}},
        {R"({"name":"x","model":"m","messages":[{"role":"system"},"x"]})", {"messages"}},
        {R"({"name":"x","model":"m","messages":[{"content":"no role"}]})", {"messages"}},
        {R"({"name":"x","model":"m","messages":[{"role":5}]})", {"messages"}},
        {R"({"name":"x","model":"m","messages":[{"role":null}]})", {"messages"}},
        {R"({"name":"x","model":"m","messages":[{"role":"system","n":[1e300]}]})", {"messages"}},
        {R"({"name":"x",)" + ok + R"(,"temperature":null})", {"temperature"}},
        {R"({"name":"x",)" + ok + R"(,"temperature":"hot"})", {"temperature"}},
        {R"({"name":"x",)" + ok + R"(,"temperature":true})", {"temperature"}},
        {R"({"name":"x",)" + ok + R"(,"max_tokens":0})", {"max_tokens"}},
        {R"({"name":"x",)" + ok + R"(,"max_tokens":-5})", {"max_tokens"}},
        {R"({"name":"x",)" + ok + R"(,"max_tokens":1.5})", {"max_tokens"}},
        {R"({"name":"x",)" + ok + R"(,"max_tokens":"10"})", {"max_tokens"}},
        {R"({"name":"x",)" + ok + R"(,"max_tokens":null})", {"max_tokens"}},
        {R"({"name":"x",)" + ok + R"(,"max_tokens":99999999999})", {"max_tokens"}},
        {R"({"name":"x",)" + ok + R"(,"stream":"yes"})", {"stream"}},
        {R"({"name":"x",)" + ok + R"(,"stream":null})", {"stream"}},
        {R"({"name":"x",)" + ok + R"(,"stream":1})", {"stream"}},
        {R"({"name":"x",)" + ok + R"(,"tools":"t1"})", {"tools"}},
        {R"({"name":"x",)" + ok + R"(,"tools":[1]})", {"tools"}},
        {R"({"name":"x",)" + ok + R"(,"tools":["a",null]})", {"tools"}},
        {R"({"name":"x",)" + ok + R"(,"tools":{"a":1}})", {"tools"}},
        {R"({"name":"x",)" + ok + R"(,"top_p":"0.9"})", {"top_p"}},
        {R"({"name":"x",)" + ok + R"(,"frequency_penalty":[]})", {"frequency_penalty"}},
        {R"({"name":"x",)" + ok + R"(,"presence_penalty":false})", {"presence_penalty"}},
        {R"({"name":"x",)" + ok + R"(,"description":5})", {"description"}},
        {R"({"name":"x",)" + ok + R"(,"gateway":5})", {"gateway"}},
        {R"({"name":"x",)" + ok + R"(,"gateway":""})", {"gateway"}},
        {R"({"name":"","model":5,"messages":[1],"temperature":null,"max_tokens":0,"stream":"x","tools":[2]})",
         {"name", "model", "temperature", "max_tokens", "stream", "messages", "tools"}},
    };
    for (const auto& c : cases) {
        SCOPED_TRACE(c.body);
        for (const std::string method : {"POST", "PUT"}) {
            SCOPED_TRACE(method);
            auto r = method == "POST" ? post(alice_.auth(), c.body) : put(alice_.auth(), id, c.body);
            ASSERT_EQ(r.status, 422) << r.body;
            auto detail = r.object()->getArray("detail");
            ASSERT_TRUE(detail) << r.body;
            std::vector<std::string> fields;
            for (std::size_t i = 0; i < detail->size(); ++i) {
                auto item = detail->getObject(static_cast<unsigned>(i));
                EXPECT_TRUE(item->has("type") && item->has("msg") && item->has("input")) << r.body;
                auto loc = item->getArray("loc");
                EXPECT_EQ(loc->getElement<std::string>(0), "body");
                fields.push_back(loc->getElement<std::string>(1));
            }
            EXPECT_EQ(fields, c.fields) << r.body;
        }
    }
    // Bodies that are not a JSON object at all.
    for (const std::string& body :
         {std::string("[]"), std::string("{"), std::string("\"x\""), std::string(""),
          std::string(R"({"name":"x","name":"y","model":"m","messages":[]})")}) {
        SCOPED_TRACE(body);
        EXPECT_EQ(post(alice_.auth(), body).status, 422);
        EXPECT_EQ(put(alice_.auth(), id, body).status, 422);
    }
    EXPECT_EQ(rows(), 1);
    EXPECT_EQ(get(alice_.auth(), id).body, before);
    // 422 wins over 404 for PUT, as with FastAPI's body validation.
    EXPECT_EQ(put(alice_.auth(), "00000000-0000-4000-8000-000000000000", "{}").status, 422);
}

TEST_F(AdvisorsTest, EveryRouteNeedsAuthenticationAndBasicWorks) {
    auto o = create(alice_, "Coach", "m");
    std::string id = o->getValue<std::string>("id");
    const std::string body = R"({"name":"New","model":"m","messages":[]})";
    for (const Headers& h :
         {Headers{}, ServerProcess::bearer("not-a-token"), ServerProcess::basic("alice", "wrong password"),
          Headers{{"Authorization", "Token x"}}}) {
        SCOPED_TRACE(h.empty() ? "none" : h.at("Authorization"));
        EXPECT_EQ(list(h).status, 401);
        EXPECT_EQ(post(h, body).status, 401);
        EXPECT_EQ(get(h, id).status, 401);
        EXPECT_EQ(put(h, id, body).status, 401);
        EXPECT_EQ(del(h, id).status, 401);
    }
    EXPECT_EQ(list({}).detail(), "Not authenticated");
    EXPECT_EQ(post({}, "{").status, 401);  // auth runs before body parsing
    EXPECT_EQ(rows(), 1);

    // Basic with the user's own password works on every route.
    Headers basic = alice_.basicAuth();
    auto created = post(basic, body);
    ASSERT_EQ(created.status, 200) << created.body;
    std::string newId = created.object()->getValue<std::string>("id");
    EXPECT_EQ(list(basic).json().extract<Poco::JSON::Array::Ptr>()->size(), 2u);
    EXPECT_EQ(get(basic, id).status, 200);
    EXPECT_EQ(put(basic, newId, R"({"name":"Newer","model":"m","messages":[]})").status, 200);
    EXPECT_EQ(del(basic, newId).status, 200);
    EXPECT_EQ(rows(), 1);
}

TEST_F(AdvisorsTest, DeleteRemovesTheAdvisor) {
    auto o = create(alice_, "Coach", "m");
    auto keep = create(alice_, "Keep", "m");
    std::string id = o->getValue<std::string>("id");
    auto d = del(alice_.auth(), id);
    ASSERT_EQ(d.status, 200) << d.body;
    EXPECT_EQ(d.body, R"({"status":"success"})");
    EXPECT_EQ(get(alice_.auth(), id).status, 404);
    EXPECT_EQ(put(alice_.auth(), id, R"({"name":"Coach","model":"m","messages":[]})").status, 404);
    auto again = del(alice_.auth(), id);
    EXPECT_EQ(again.status, 404);
    EXPECT_EQ(again.detail(), "Advisor not found");
    auto all = list(alice_.auth()).json().extract<Poco::JSON::Array::Ptr>();
    ASSERT_EQ(all->size(), 1u);
    EXPECT_EQ(all->getObject(0)->getValue<std::string>("name"), "Keep");
    EXPECT_EQ(rows(), 1);
    // The name is free again.
    create(alice_, "Coach", "m");
}

// ---------------------------------------------------------------------------------------
// hubd import advisors DIR --user NAME

class AdvisorsImportTest : public AdvisorsTest {
protected:
    void TearDown() override {
        std::error_code ec;
        if (!scratch_.empty()) fs::remove_all(scratch_, ec);
    }

    int runImport(const std::vector<std::string>& args) {
        std::vector<std::string> argv{"import", "advisors"};
        argv.insert(argv.end(), args.begin(), args.end());
        argv.push_back("--set");
        argv.push_back("plugin_search_path=[" + ServerProcess::bundledPluginDir() + "]");
        return server_.runToExit(argv);
    }

    /// A fresh directory for hand-made legacy files.
    fs::path scratchDir() {
        scratch_ = server_.dataDir() + "-legacy";
        fs::remove_all(scratch_);
        fs::create_directories(scratch_);
        return scratch_;
    }
    static void write(const fs::path& p, const std::string& text) {
        std::ofstream out(p, std::ios::binary);
        out << text;
    }

    Poco::JSON::Object::Ptr byName(const User& u, const std::string& name) {
        auto all = list(u.auth()).json().extract<Poco::JSON::Array::Ptr>();
        for (std::size_t i = 0; i < all->size(); ++i) {
            auto o = all->getObject(static_cast<unsigned>(i));
            if (o->getValue<std::string>("name") == name) return o;
        }
        return nullptr;
    }

    std::string scratch_;
};

TEST_F(AdvisorsImportTest, ImportsHubGptAdvisorFilesAndSkipsTheRest) {
    ASSERT_EQ(runImport({fixtureDir(), "--user", "alice"}), 0) << server_.stderrText();
    std::string out = server_.stdoutText();
    // Files in byte order of their names; notes.txt is not an advisor file and is ignored.
    EXPECT_TRUE(std::regex_match(out, std::regex("imported Code Reviewer\n"
                                                 "imported Naval Ravikant\n"
                                                 "skipped broken\\.json: malformed JSON \\([^\n]+\\)\n"
                                                 "imported 2, skipped 1\n")))
        << out;
    EXPECT_EQ(rows(), 2);

    // The JSON advisor: display name from the stem, max_output_tokens honoured, include tags
    // verbatim, penalties kept, gateway from the config default, tool_choice dropped.
    auto naval = byName(alice_, "Naval Ravikant");
    ASSERT_TRUE(naval);
    auto g = get(alice_.auth(), naval->getValue<std::string>("id"));
    const std::string expected =
        R"({"name":"Naval Ravikant","description":null,"model":"anthropic/claude-3.5-sonnet","temperature":0.8,)"
        R"("max_tokens":4000,"stream":true,"messages":[{"role":"system","content":"You are Naval Ravikant. )"
        R"(Answer in his voice: short, precise, first principles.\n\nAbout the user:\n<$file:me/aboutme.md$>\n\n)"
        R"(Your collected writing:\n<$content/naval/navalmanack.json$>"},{"role":"assistant","content":"What are )"
        R"(you trying to build, and why now?"}],"gateway":"echo","tools":["get_current_weather","web_search"],)"
        R"("top_p":1.0,"frequency_penalty":0.0,"presence_penalty":0.1,)" +
        tail(naval);
    EXPECT_EQ(g.body, expected);

    // The markdown advisor: front matter fields, the whole body as one system message.
    auto reviewer = byName(alice_, "Code Reviewer");
    ASSERT_TRUE(reviewer);
    EXPECT_EQ(reviewer->getValue<std::string>("model"), "openai/gpt-4o");
    EXPECT_EQ(reviewer->getValue<double>("temperature"), 0.2);
    EXPECT_EQ(reviewer->getValue<int64_t>("max_tokens"), 2000);
    EXPECT_FALSE(reviewer->getValue<bool>("stream"));
    EXPECT_EQ(reviewer->getValue<std::string>("gateway"), "openrouter");
    EXPECT_EQ(sdk::json::stringify(reviewer->getArray("tools")), R"(["read_file"])");
    EXPECT_TRUE(reviewer->isNull("description"));
    EXPECT_TRUE(reviewer->isNull("top_p"));
    auto messages = reviewer->getArray("messages");
    ASSERT_EQ(messages->size(), 1u);
    EXPECT_EQ(messages->getObject(0)->getValue<std::string>("role"), "system");
    EXPECT_EQ(messages->getObject(0)->getValue<std::string>("content"),
              "# Code reviewer\n\nYou review pull requests for a small team. Be direct and kind.\n\n"
              "- Point out bugs before style.\n- Quote the line you mean.\n\nHouse rules: "
              "<$file:me/style-guide.md$>");

    // A re-run changes nothing.
    ASSERT_EQ(runImport({fixtureDir(), "--user", "alice"}), 0) << server_.stderrText();
    out = server_.stdoutText();
    EXPECT_TRUE(std::regex_match(
        out, std::regex("skipped Code_Reviewer\\.md: advisor 'Code Reviewer' already exists\n"
                        "skipped Naval_Ravikant\\.json: advisor 'Naval Ravikant' already "
                        "exists\n"
                        "skipped broken\\.json: malformed JSON \\([^\n]+\\)\n"
                        "imported 0, skipped 3\n")))
        << out;
    EXPECT_EQ(rows(), 2);
    EXPECT_EQ(get(alice_.auth(), naval->getValue<std::string>("id")).body, expected);

    // Another user gets their own copies; alice's are untouched.
    User bob = addUser("bob");
    ASSERT_EQ(runImport({fixtureDir(), "--user", "bob"}), 0) << server_.stderrText();
    EXPECT_NE(server_.stdoutText().find("imported 2, skipped 1\n"), std::string::npos)
        << server_.stdoutText();
    EXPECT_EQ(rows(), 4);
    EXPECT_EQ(list(bob.auth()).json().extract<Poco::JSON::Array::Ptr>()->size(), 2u);
    EXPECT_EQ(list(alice_.auth()).json().extract<Poco::JSON::Array::Ptr>()->size(), 2u);
}

TEST_F(AdvisorsImportTest, SkipsFilesItCannotUseWithTheReason) {
    fs::path dir = scratchDir();
    write(dir / "No_Messages.json", R"({"model":"m","temperature":0.5})");
    write(dir / "Bad_Field.json", R"({"model":"m","temperature":"hot","messages":[]})");
    write(dir / "Not_Object.json", "[1,2]");
    write(dir / "Plain.md", "Just a prompt without front matter.\n");
    write(dir / "Bad_Yaml.md", "---\nmodel: [unclosed\n---\nPrompt\n");
    write(dir / "Bad_Type.md", "---\ntemperature: warm\n---\nPrompt\n");
    write(dir / "Empty_Body.md", "---\nmodel: m\n---\n\n");
    write(dir / "Legacy_Keys.md",
          "---\r\nmax_output_tokens: 300\r\nmax_tokens: 400\r\ntools:\r\n---\r\n"
          "::user::\r\nHello <$me/aboutme.md$>\r\n");
    write(dir / "Defaults.json", R"({"messages":[{"role":"system","content":"x"}],"tools":null})");
    fs::create_directories(dir / "chats");
    write(dir / "chats" / "Nested.json", R"({"messages":[]})");  // conversations, not advisors

    ASSERT_EQ(runImport({dir.string(), "--user", "alice"}), 0) << server_.stderrText();
    std::string out = server_.stdoutText();
    std::vector<std::string> lines;
    for (std::size_t pos = 0; pos < out.size();) {
        auto nl = out.find('\n', pos);
        lines.push_back(out.substr(pos, nl - pos));
        pos = nl == std::string::npos ? out.size() : nl + 1;
    }
    ASSERT_EQ(lines.size(), 10u) << out;
    EXPECT_EQ(lines[0],
              "skipped Bad_Field.json: invalid advisor: temperature: Input should be a valid number");
    EXPECT_EQ(lines[1].rfind("skipped Bad_Type.md: front matter: temperature should be a number", 0), 0u)
        << out;
    EXPECT_EQ(lines[2].rfind("skipped Bad_Yaml.md: malformed YAML front matter", 0), 0u) << out;
    EXPECT_EQ(lines[3], "imported Defaults");
    EXPECT_EQ(lines[4].rfind("skipped Empty_Body.md: missing messages", 0), 0u) << out;
    EXPECT_EQ(lines[5], "imported Legacy Keys");
    EXPECT_EQ(lines[6], "skipped No_Messages.json: missing messages");
    EXPECT_EQ(lines[7], "skipped Not_Object.json: not a JSON object");
    EXPECT_EQ(lines[8], "skipped Plain.md: no YAML front matter (--- lines)");
    EXPECT_EQ(lines[9], "imported 2, skipped 7");
    EXPECT_EQ(rows(), 2);

    auto defaults = byName(alice_, "Defaults");
    ASSERT_TRUE(defaults);
    EXPECT_EQ(defaults->getValue<std::string>("model"), "openai/gpt-4o-mini");
    EXPECT_EQ(defaults->getValue<double>("temperature"), 1.0);
    EXPECT_EQ(defaults->getValue<int64_t>("max_tokens"), 1000);
    EXPECT_TRUE(defaults->getValue<bool>("stream"));
    EXPECT_EQ(defaults->getValue<std::string>("gateway"), "echo");
    EXPECT_EQ(sdk::json::stringify(defaults->getArray("tools")), "[]");

    auto legacy = byName(alice_, "Legacy Keys");
    ASSERT_TRUE(legacy);
    EXPECT_EQ(legacy->getValue<int64_t>("max_tokens"), 400);
    EXPECT_EQ(sdk::json::stringify(legacy->getArray("tools")), "[]");
    // CRLF read as LF; `::role::` lines are kept in the one system message, like HubGPT's migration.
    EXPECT_EQ(legacy->getArray("messages")->getObject(0)->getValue<std::string>("content"),
              "::user::\nHello <$me/aboutme.md$>");
}

TEST_F(AdvisorsImportTest, ExitCodesForUsageAndUnknownUsersOrDirectories) {
    EXPECT_EQ(runImport({fixtureDir(), "--user", "nobody"}), 1);
    EXPECT_NE(server_.stderrText().find("no user named 'nobody'"), std::string::npos) << server_.stderrText();
    EXPECT_EQ(runImport({fixtureDir()}), 64);
    EXPECT_NE(server_.stderrText().find("usage: hubd import advisors DIR --user NAME"), std::string::npos)
        << server_.stderrText();
    EXPECT_EQ(runImport({"--user", "alice"}), 64);
    EXPECT_EQ(runImport({fixtureDir(), fixtureDir(), "--user", "alice"}), 64);
    EXPECT_EQ(runImport({fixtureDir() + "/does-not-exist", "--user", "alice"}), 1);
    EXPECT_NE(server_.stderrText().find("is not a directory"), std::string::npos) << server_.stderrText();
    EXPECT_EQ(runImport({fixtureDir() + "/notes.txt", "--user", "alice"}), 1);
    EXPECT_EQ(rows(), 0);
}

}  // namespace
}  // namespace hub::tests
