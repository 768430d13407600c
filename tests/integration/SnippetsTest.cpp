// The snippets plugin over real HTTP: the HubGPT routes of contract §4.5 (exact response shape
// and key order), the update and export routes, title and hashtag rules (§9), safe markdown
// rendering, list filters, per-user isolation, validation that writes nothing, and auth.
#include <atomic>
#include <chrono>
#include <regex>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/String.h>

#include "ServerProcess.h"
#include "hub/sdk/Json.h"

namespace hub::tests {
namespace {

using Headers = std::map<std::string, std::string>;

constexpr std::size_t kMiB = 1024 * 1024;
const std::string kBase = "/api/v1/snippets";

struct User {
    std::string name;
    std::string password;
    std::string id;
    std::string token;
    Headers auth() const { return ServerProcess::bearer(token); }
    Headers basicAuth() const { return ServerProcess::basic(name, password); }
};

/// Percent-encodes a query value.
std::string enc(const std::string& s) { return percentEncode(s); }

std::string str(const Poco::JSON::Object::Ptr& o, const std::string& key) {
    return o->getValue<std::string>(key);
}

std::vector<std::string> strings(const Poco::JSON::Array::Ptr& a) {
    std::vector<std::string> out;
    for (std::size_t i = 0; i < a->size(); ++i) {
        out.push_back(a->getElement<std::string>(static_cast<unsigned>(i)));
    }
    return out;
}

Poco::JSON::Array::Ptr arr(const Response& r) { return r.json().extract<Poco::JSON::Array::Ptr>(); }

/// A create/update body; `tags` and `metadata` are inserted verbatim as JSON when given.
std::string body(const std::string& sourceType, const std::string& sourceName, const std::string& content,
                 const std::string& tags = "", const std::string& metadata = "") {
    std::string b = "{\"source_type\":" + sdk::json::quote(sourceType) + ",\"source_name\":" +
                    sdk::json::quote(sourceName) + ",\"content\":" + sdk::json::quote(content);
    if (!tags.empty()) b += ",\"tags\":" + tags;
    if (!metadata.empty()) b += ",\"snippet_metadata\":" + metadata;
    return b + "}";
}

class SnippetsTest : public ::testing::Test {
protected:
    void SetUp() override {
        std::vector<std::string> args{
            "--set", "plugin_search_path=[" + ServerProcess::bundledPluginDir() + "]",
            "--set", "logging.access_log=false",
            "--set", "auth.password.argon2_memory_kib=8192",
            "--set", "auth.password.argon2_iterations=1"};
        ASSERT_TRUE(server_.start(args)) << server_.stderrText();
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

    Response create(const User& u, const std::string& b, const std::string& path = kBase) const {
        return server_.postJson(path, b, u.auth());
    }
    Poco::JSON::Object::Ptr createOk(const User& u, const std::string& b) const {
        Response r = create(u, b);
        EXPECT_EQ(r.status, 200) << r.body;
        if (r.status != 200) return new Poco::JSON::Object;
        return r.object();
    }
    Response put(const User& u, const std::string& id, const std::string& b) const {
        Headers h = u.auth();
        h["Content-Type"] = "application/json";
        return server_.request("PUT", kBase + "/" + id, b, h);
    }
    Response get(const User& u, const std::string& id, const std::string& query = "") const {
        return server_.get(kBase + "/" + id + query, u.auth());
    }
    Response del(const User& u, const std::string& id) const {
        return server_.request("DELETE", kBase + "/" + id, "", u.auth());
    }
    Response list(const User& u, const std::string& query = "") const {
        return server_.get(kBase + query, u.auth());
    }
    /// Contents of the caller's snippets listed with `query`, in list order.
    std::vector<std::string> listed(const User& u, const std::string& query) const {
        Response r = list(u, query);
        EXPECT_EQ(r.status, 200) << query << ": " << r.body;
        std::vector<std::string> out;
        if (r.status != 200) return out;
        auto a = arr(r);
        for (std::size_t i = 0; i < a->size(); ++i) {
            out.push_back(str(a->getObject(static_cast<unsigned>(i)), "content"));
        }
        return out;
    }
    long long rows() const { return server_.scalar("SELECT COUNT(*) FROM snippets"); }

    ServerProcess server_;
    User alice_;
};

const std::regex kIsoSeconds("^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}$");

TEST_F(SnippetsTest, CreateGetPutDeleteRoundTripWithHubGptShapeAndKeyOrder) {
    auto r = create(alice_, body("notepad", "np", "# H1 title\nplain", "[]", "{}"));
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(r.header("Content-Type"), "application/json");
    auto o = r.object();
    std::string id = str(o, "id");
    std::string created = str(o, "created_at");
    EXPECT_EQ(id.size(), 36u);
    EXPECT_TRUE(std::regex_match(created, kIsoSeconds)) << created;
    EXPECT_EQ(str(o, "updated_at"), created);
    // The whole body, byte for byte: keys in SnippetResponse order, compact, HubGPT's HTML.
    const std::string expected =
        "{\"source_type\":\"notepad\",\"source_name\":\"np\",\"content\":\"# H1 title\\nplain\",\"tags\":[],"
        "\"snippet_metadata\":{},\"id\":\"" + id + "\",\"user_id\":\"" + alice_.id +
        "\",\"title\":\"H1 title\",\"content_html\":\"<h1 id=\\\"h1-title\\\">H1 title</h1>\\n<p>plain</p>\","
        "\"created_at\":\"" + created + "\",\"updated_at\":\"" + created + "\"}";
    EXPECT_EQ(r.body, expected);
    EXPECT_EQ(rows(), 1);

    // GET by id (both slash forms) answers the same document.
    EXPECT_EQ(get(alice_, id).body, expected);
    EXPECT_EQ(get(alice_, id + "/").body, expected);
    EXPECT_EQ(get(alice_, id, "?format=md").body, expected);
    // The list holds it, in both slash forms.
    for (const std::string& path : {kBase, kBase + "/"}) {
        auto l = server_.get(path, alice_.auth());
        ASSERT_EQ(l.status, 200) << path << ": " << l.body;
        EXPECT_EQ(l.body, "[" + expected + "]");
    }

    // PUT replaces the body fields and recomputes title, tags and HTML; id and created_at stay.
    auto u = put(alice_, id, body("advisor", "Naval", "## Updated\nnew #idea", "[\"x1\"]", "{\"k\":\"v\"}"));
    ASSERT_EQ(u.status, 200) << u.body;
    auto uo = u.object();
    EXPECT_EQ(str(uo, "id"), id);
    EXPECT_EQ(str(uo, "user_id"), alice_.id);
    EXPECT_EQ(str(uo, "source_type"), "advisor");
    EXPECT_EQ(str(uo, "source_name"), "Naval");
    EXPECT_EQ(str(uo, "title"), "Updated");
    EXPECT_EQ(strings(uo->getArray("tags")), (std::vector<std::string>{"x1", "idea"}));
    EXPECT_EQ(str(uo->getObject("snippet_metadata"), "k"), "v");
    EXPECT_EQ(str(uo, "content_html"), "<h2 id=\"updated\">Updated</h2>\n<p>new #idea</p>");
    EXPECT_EQ(str(uo, "created_at"), created);
    EXPECT_TRUE(std::regex_match(str(uo, "updated_at"), kIsoSeconds));
    EXPECT_GE(str(uo, "updated_at"), created);
    EXPECT_EQ(server_.scalar("SELECT COUNT(*) FROM snippets WHERE updated_at > created_at"), 1);
    auto keysInOrder = [](const std::string& text) {
        std::size_t last = 0;
        for (const char* k : {"source_type", "source_name", "content", "tags", "snippet_metadata", "id",
                              "user_id", "title", "content_html", "created_at", "updated_at"}) {
            std::size_t at = text.find("\"" + std::string(k) + "\":");
            if (at == std::string::npos || at < last) return false;
            last = at;
        }
        return true;
    };
    EXPECT_TRUE(keysInOrder(u.body)) << u.body;
    auto g = get(alice_, id);
    EXPECT_EQ(str(g.object(), "content"), "## Updated\nnew #idea");
    EXPECT_TRUE(keysInOrder(g.body)) << g.body;
    EXPECT_EQ(rows(), 1);

    // DELETE, then the id is gone everywhere.
    auto d = del(alice_, id);
    ASSERT_EQ(d.status, 200) << d.body;
    EXPECT_EQ(d.body, "{\"message\":\"Snippet deleted successfully\"}");
    EXPECT_EQ(rows(), 0);
    for (const Response& gone : {get(alice_, id), del(alice_, id), put(alice_, id, body("a", "b", "c"))}) {
        EXPECT_EQ(gone.status, 404) << gone.body;
        EXPECT_EQ(gone.detail(), "Snippet not found");
        EXPECT_EQ(gone.errorCode(), "snippet_not_found");
    }
    EXPECT_EQ(list(alice_).body, "[]");
}

TEST_F(SnippetsTest, CreateAcceptsTrailingSlashNullTagsAndIgnoresThePrdMetadataKey) {
    auto r = create(alice_,
                    "{\"source_type\":\"advisor\",\"source_name\":\"Naval\",\"content\":\"x\",\"tags\":null,"
                    "\"snippet_metadata\":null,\"metadata\":{\"ignored\":true},\"unknown\":1}",
                    kBase + "/");
    ASSERT_EQ(r.status, 200) << r.body;
    auto o = r.object();
    EXPECT_EQ(o->getArray("tags")->size(), 0u);
    EXPECT_EQ(o->getObject("snippet_metadata")->size(), 0u);
    EXPECT_TRUE(o->isNull("title"));
    EXPECT_EQ(str(o, "content_html"), "<p>x</p>");

    // The bundled web app's body: metadata round-trips with its values.
    const std::string appMeta =
        "{\"conversation_id\":\"c-1\",\"advisor_id\":\"a-1\",\"n\":3,\"ok\":true,"
        "\"nested\":{\"list\":[1,\"two\",null]}}";
    auto app = createOk(alice_, body("advisor", "Naval", "An answer", "[\"chat\"]", appMeta));
    auto meta = app->getObject("snippet_metadata");
    EXPECT_EQ(str(meta, "conversation_id"), "c-1");
    EXPECT_EQ(str(meta, "advisor_id"), "a-1");
    EXPECT_EQ(meta->getValue<int>("n"), 3);
    EXPECT_TRUE(meta->getValue<bool>("ok"));
    auto nested = meta->getObject("nested")->getArray("list");
    ASSERT_EQ(nested->size(), 3u);
    EXPECT_EQ(nested->getElement<int>(0), 1);
    EXPECT_EQ(nested->getElement<std::string>(1), "two");
    EXPECT_TRUE(nested->isNull(2));
    auto again = get(alice_, str(app, "id")).object()->getObject("snippet_metadata");
    EXPECT_EQ(sdk::json::stringify(again->getObject("nested")), "{\"list\":[1,\"two\",null]}");
    EXPECT_EQ(strings(app->getArray("tags")), (std::vector<std::string>{"chat"}));
}

TEST_F(SnippetsTest, TitleIsTheFirstH1OrH2Line) {
    struct Case {
        std::string content;
        std::optional<std::string> title;
    };
    const std::vector<Case> cases = {
        {"# H1 title\nplain", "H1 title"},
        {"## h2\n# later h1", "h2"},
        {"### not a title\ntext", std::nullopt},
        {"intro\n### three\n## Two  \nbody", "Two"},
        {"plain text only", std::nullopt},
        {"#hashtag is not a heading", std::nullopt},
        {"Setext title\n============", std::nullopt},
        {"  # indented", std::nullopt},
        {"#### four\n#\tTabbed title", "Tabbed title"},
        {"", std::nullopt},
    };
    for (const auto& c : cases) {
        SCOPED_TRACE(c.content);
        auto o = createOk(alice_, body("notepad", "np", c.content));
        if (c.title) {
            ASSERT_FALSE(o->isNull("title"));
            EXPECT_EQ(str(o, "title"), *c.title);
        } else {
            EXPECT_TRUE(o->isNull("title")) << sdk::json::stringify(o);
        }
    }
}

TEST_F(SnippetsTest, HashtagsAreFoundAnywhereAndMergedAfterGivenTagsOnce) {
    const std::string content =
        "Thinking about #idea and #chat, see http://example.com/a/b#frag and #Go2 again #idea.\n"
        "#x is too short, ##double is not a tag, word#inside counts, #1abc and #_x do not, #é neither,\n"
        "#naïve keeps its letters, #snake_case-stops at the hyphen.";
    auto o = createOk(alice_, body("notepad", "np", content, "[\"chat\",\"mine\",\"mine\"]"));
    const std::vector<std::string> expected{"chat", "mine", "idea", "frag",
                                            "Go2", "inside", "naïve", "snake_case"};
    EXPECT_EQ(strings(o->getArray("tags")), expected);
    // Stored as given, and the list filter sees the merged tags.
    auto stored = get(alice_, str(o, "id")).object();
    EXPECT_EQ(strings(stored->getArray("tags")), strings(o->getArray("tags")));
    EXPECT_EQ(listed(alice_, "?tags=frag").size(), 1u);
}

TEST_F(SnippetsTest, MarkdownRendersGfmAndNeverPassesScriptsThrough) {
    const std::string content =
        "# Report\n\n"
        "| a | b |\n|---|---|\n| 1 | 2 |\n\n"
        "~~gone~~ and https://example.com/page\n\n"
        "<script>alert(1)</script>\n\n"
        "inline <img src=x onerror=alert(2)> here\n\n"
        "[x](javascript:alert(3)) and <javascript:alert(4)>\n\n"
        "```python\nprint('<b>')\n```\n\n"
        "line one\nline two\n\n"
        "## Report\n";
    auto o = createOk(alice_, body("notepad", "np", content));
    std::string html = str(o, "content_html");
    EXPECT_NE(html.find("<table>"), std::string::npos) << html;
    EXPECT_NE(html.find("<th>a</th>"), std::string::npos) << html;
    EXPECT_NE(html.find("<td>2</td>"), std::string::npos) << html;
    EXPECT_NE(html.find("<del>gone</del>"), std::string::npos) << html;
    EXPECT_NE(html.find("<a href=\"https://example.com/page\">"), std::string::npos) << html;
    // Raw HTML is shown as text, never executed.
    EXPECT_EQ(html.find("<script"), std::string::npos) << html;
    EXPECT_NE(html.find("&lt;script&gt;alert(1)&lt;/script&gt;"), std::string::npos) << html;
    EXPECT_EQ(html.find("<img"), std::string::npos) << html;
    // Dangerous URLs lose their target (the text of an autolink stays visible, inert).
    EXPECT_EQ(Poco::toLower(html).find("href=\"javascript"), std::string::npos) << html;
    EXPECT_NE(html.find("<a href=\"\">x</a>"), std::string::npos) << html;
    const std::string code = "<pre><code class=\"language-python\">print('&lt;b&gt;')";
    EXPECT_NE(html.find(code), std::string::npos) << html;
    EXPECT_NE(html.find("line one<br />\nline two"), std::string::npos) << html;  // nl2br, as HubGPT
    // Heading ids as Python-Markdown's toc made them, unique within the document.
    EXPECT_EQ(html.rfind("<h1 id=\"report\">Report</h1>", 0), 0u) << html;
    EXPECT_NE(html.find("<h2 id=\"report_1\">Report</h2>"), std::string::npos) << html;
    EXPECT_EQ(html.back(), '>');  // no trailing newline
}

TEST_F(SnippetsTest, ConcurrentRendersAllGetTheirExtensions) {
    // cmark-gfm keeps its inline special characters in process-global tables that every parse
    // changes; without the plugin's lock, parallel renders of long documents lose `~~` now
    // and then (about half of them did in a standalone trial).
    std::string content;
    for (int i = 0; i < 2000; ++i) content += "~~struck~~ text\n\n";
    const std::string expected = str(createOk(alice_, body("notepad", "np", content)), "content_html");
    ASSERT_NE(expected.find("<del>struck</del>"), std::string::npos);
    std::vector<std::thread> threads;
    std::atomic<int> good{0};
    std::atomic<int> total{0};
    for (int t = 0; t < 6; ++t) {
        threads.emplace_back([&] {
            for (int i = 0; i < 10; ++i) {
                auto r = create(alice_, body("notepad", "np", content));
                ++total;
                if (r.status == 200 && str(r.object(), "content_html") == expected) ++good;
            }
        });
    }
    for (auto& th : threads) th.join();
    EXPECT_EQ(good.load(), total.load());
    EXPECT_EQ(rows(), total.load() + 1);
}

TEST_F(SnippetsTest, GetFormatsTextHtmlAndRejectsOthers) {
    auto o = createOk(alice_, body("notepad", "np", "# T\n**bold**"));
    std::string id = str(o, "id");
    std::string html = str(o, "content_html");
    EXPECT_EQ(html, "<h1 id=\"t\">T</h1>\n<p><strong>bold</strong></p>");

    auto text = get(alice_, id, "?format=text");
    ASSERT_EQ(text.status, 200) << text.body;
    EXPECT_EQ(str(text.object(), "content"), html);  // HubGPT's "text" is rendered HTML
    EXPECT_EQ(str(get(alice_, id).object(), "content"), "# T\n**bold**");  // nothing saved

    auto bad = get(alice_, id, "?format=pdf");
    ASSERT_EQ(bad.status, 422) << bad.body;
    auto item = bad.object()->getArray("detail")->getObject(0);
    EXPECT_EQ(strings(item->getArray("loc")), (std::vector<std::string>{"query", "format"}));
    EXPECT_EQ(str(item, "input"), "pdf");

    // A row without HTML (written by an older version) is rendered and saved by format=html.
    server_.execute("UPDATE snippets SET content_html = NULL");
    EXPECT_EQ(str(get(alice_, id).object(), "content_html"), "");
    auto h = get(alice_, id, "?format=html");
    ASSERT_EQ(h.status, 200) << h.body;
    EXPECT_EQ(str(h.object(), "content_html"), html);
    EXPECT_EQ(server_.scalar("SELECT COUNT(*) FROM snippets WHERE content_html IS NOT NULL"), 1);
}

TEST_F(SnippetsTest, ListFiltersBySourceTagsAndCaseInsensitiveText) {
    createOk(alice_, body("notepad", "np", "Alpha Content", "[\"a\",\"b\"]"));
    createOk(alice_, body("advisor", "Naval", "# Beta Title\nbody text", "[\"a\"]"));
    createOk(alice_, body("notepad", "other", "Gamma 100% sure", "[\"b\",\"a_\"]"));
    const std::string A = "Alpha Content", B = "# Beta Title\nbody text", C = "Gamma 100% sure";
    using V = std::vector<std::string>;

    EXPECT_EQ(listed(alice_, ""), (V{A, B, C}));  // creation order
    EXPECT_EQ(listed(alice_, "?source_type=notepad"), (V{A, C}));
    EXPECT_EQ(listed(alice_, "?source_name=Naval"), (V{B}));
    EXPECT_EQ(listed(alice_, "?source_name=nav"), V{});  // exact, not a substring
    EXPECT_EQ(listed(alice_, "?source_type="), (V{A, B, C}));  // empty filter = no filter
    EXPECT_EQ(listed(alice_, "?tags=a"), (V{A, B}));
    EXPECT_EQ(listed(alice_, "?tags=a,b"), (V{A}));  // AND
    EXPECT_EQ(listed(alice_, "?tags=" + enc(" a , b ")), (V{A}));  // trimmed
    EXPECT_EQ(listed(alice_, "?tags=a_"), (V{C}));  // exact: no LIKE wildcards
    EXPECT_EQ(listed(alice_, "?tags=A"), V{});  // exact case
    EXPECT_EQ(listed(alice_, "?tags=" + enc("%")), V{});
    EXPECT_EQ(listed(alice_, "?q=beta"), (V{B}));  // title and content
    EXPECT_EQ(listed(alice_, "?q=ALPHA"), (V{A}));
    EXPECT_EQ(listed(alice_, "?q=" + enc("100%")), (V{C}));
    EXPECT_EQ(listed(alice_, "?q=" + enc("%")), (V{C}));  // literal, not a wildcard
    EXPECT_EQ(listed(alice_, "?q=" + enc("y_t")), V{});
    EXPECT_EQ(listed(alice_, "?source_type=notepad&tags=b&q=gamma"), (V{C}));
}

TEST_F(SnippetsTest, ExportMarkdownAndHtmlContainEverySnippetWithEscapedTitles) {
    createOk(alice_, body("notepad", "np", "# Fish & <Chips>\nfirst body", "[\"food\"]"));
    createOk(alice_, body("advisor", "Naval", "no heading here\n\n- item"));

    for (const std::string& path : {kBase + "/export", kBase + "/export/", kBase + "/export?format=md"}) {
        SCOPED_TRACE(path);
        auto md = server_.get(path, alice_.auth());
        ASSERT_EQ(md.status, 200) << md.body;  // not captured by {id}
        EXPECT_EQ(md.header("Content-Type"), "text/markdown; charset=utf-8");
        EXPECT_EQ(md.header("Content-Disposition"), "attachment; filename=\"snippets.md\"");
        EXPECT_EQ(md.body.rfind("# Snippets\n", 0), 0u) << md.body;
        EXPECT_NE(md.body.find("## Fish & <Chips>\n"), std::string::npos) << md.body;
        EXPECT_NE(md.body.find("# Fish & <Chips>\nfirst body\n"), std::string::npos) << md.body;
        EXPECT_NE(md.body.find("## advisor: Naval\n"), std::string::npos) << md.body;
        EXPECT_NE(md.body.find("no heading here\n\n- item\n"), std::string::npos) << md.body;
        EXPECT_LT(md.body.find("first body"), md.body.find("no heading here"));
    }

    auto html = server_.get(kBase + "/export?format=html", alice_.auth());
    ASSERT_EQ(html.status, 200) << html.body;
    EXPECT_EQ(html.header("Content-Type"), "text/html; charset=utf-8");
    EXPECT_EQ(html.header("Content-Disposition"), "attachment; filename=\"snippets.html\"");
    EXPECT_EQ(html.body.rfind("<!DOCTYPE html>", 0), 0u);
    EXPECT_NE(html.body.find("<meta charset=\"utf-8\">"), std::string::npos);
    EXPECT_NE(html.body.find("</html>"), std::string::npos);
    EXPECT_NE(html.body.find("<h2>Fish &amp; &lt;Chips&gt;</h2>"), std::string::npos) << html.body;
    EXPECT_EQ(html.body.find("<Chips>"), std::string::npos) << html.body;
    EXPECT_NE(html.body.find("<p>first body</p>"), std::string::npos) << html.body;
    EXPECT_NE(html.body.find("<li>item</li>"), std::string::npos) << html.body;
    EXPECT_EQ(html.body.find("<script"), std::string::npos);

    // Filters apply to the export too; other formats are 422 (HubGPT's pdf was a 501 stub).
    auto food = server_.get(kBase + "/export?tags=food", alice_.auth());
    EXPECT_NE(food.body.find("first body"), std::string::npos);
    EXPECT_EQ(food.body.find("no heading here"), std::string::npos);
    auto pdf = server_.get(kBase + "/export?format=pdf", alice_.auth());
    EXPECT_EQ(pdf.status, 422) << pdf.body;
    EXPECT_EQ(server_.get(kBase + "/export", Headers{}).status, 401);
    // HEAD is served on the GET routes; other methods on /export are 405.
    EXPECT_EQ(server_.request("HEAD", kBase + "/export", "", alice_.auth()).status, 200);
    auto patch = server_.request("PATCH", kBase + "/export", "{}", alice_.auth());
    EXPECT_EQ(patch.status, 405);
}

TEST_F(SnippetsTest, EachUserSeesOnlyTheirOwnSnippetsOnEveryRoute) {
    auto mine = createOk(alice_, body("notepad", "np", "alice secret #private"));
    std::string id = str(mine, "id");
    User bob = addUser("bob");

    for (const Response& r :
         {get(bob, id), get(bob, id, "?format=text"), put(bob, id, body("x", "y", "hijacked")), del(bob, id)}) {
        EXPECT_EQ(r.status, 404) << r.body;
        EXPECT_EQ(r.detail(), "Snippet not found");
    }
    EXPECT_EQ(list(bob).body, "[]");
    EXPECT_EQ(list(bob, "?tags=private").body, "[]");
    EXPECT_EQ(server_.get(kBase + "/export", bob.auth()).body.find("alice secret"), std::string::npos);
    auto bobsHtml = server_.get(kBase + "/export?format=html", bob.auth());
    EXPECT_EQ(bobsHtml.body.find("alice secret"), std::string::npos);

    // Alice's snippet is untouched; bob's own snippet is his alone.
    auto still = get(alice_, id);
    ASSERT_EQ(still.status, 200);
    EXPECT_EQ(str(still.object(), "content"), "alice secret #private");
    createOk(bob, body("notepad", "np", "bob's"));
    EXPECT_EQ(listed(alice_, ""), (std::vector<std::string>{"alice secret #private"}));
    EXPECT_EQ(listed(bob, ""), (std::vector<std::string>{"bob's"}));
    EXPECT_EQ(rows(), 2);

    // Ids that are not UUIDs are 404 (never handed to PostgreSQL as a uuid); case is ignored.
    for (const std::string& bad : {std::string("not-a-uuid"), std::string("1"), std::string("' OR 1=1 --"),
                                   id.substr(0, 35) + "g"}) {
        EXPECT_EQ(get(alice_, enc(bad)).status, 404) << bad;
        EXPECT_EQ(del(alice_, enc(bad)).status, 404) << bad;
        EXPECT_EQ(put(alice_, enc(bad), body("a", "b", "c")).status, 404) << bad;
    }
    EXPECT_EQ(put(alice_, "export", body("a", "b", "c")).status, 404);
    EXPECT_EQ(get(alice_, Poco::toUpper(id)).status, 200);
    EXPECT_EQ(rows(), 2);
}

TEST_F(SnippetsTest, BadBodiesAre422WithTheListDetailAndWriteNothing) {
    auto keep = createOk(alice_, body("notepad", "np", "original #keep", "[\"t\"]"));
    std::string id = str(keep, "id");
    const std::string original = get(alice_, id).body;
    std::string hundredTags = "[";
    for (int i = 0; i < 101; ++i) hundredTags += std::string(i ? "," : "") + "\"t" + std::to_string(i) + "\"";
    hundredTags += "]";

    const std::vector<std::pair<std::string, std::string>> bad = {
        {"{}", "source_type"},
        {"{\"source_type\":\"a\",\"source_name\":\"b\"}", "content"},
        {"{\"source_type\":\"a\",\"source_name\":\"b\",\"content\":5}", "content"},
        {"{\"source_type\":null,\"source_name\":\"b\",\"content\":\"c\"}", "source_type"},
        {"{\"source_type\":[],\"source_name\":\"b\",\"content\":\"c\"}", "source_type"},
        {body("a", "b", "c", "\"a,b\""), "tags"},
        {body("a", "b", "c", "{\"a\":1}"), "tags"},
        {body("a", "b", "c", "[1]"), "tags"},
        {body("a", "b", "c", "[\"ok\",null]"), "tags"},
        {body("a", "b", "c", "[\"\"]"), "tags"},
        {body("a", "b", "c", "[\"" + std::string(101, 't') + "\"]"), "tags"},
        {body("a", "b", "c", hundredTags), "tags"},
        {body("a", "b", "c", "", "[]"), "snippet_metadata"},
        {body("a", "b", "c", "", "\"x\""), "snippet_metadata"},
        {body("a", "b", "c", "", "1"), "snippet_metadata"},
        {body("a", std::string(1025, 'n'), "c"), "source_name"},
        {"{\"source_type\":\"a\",\"source_type\":\"b\",\"source_name\":\"b\",\"content\":\"c\"}", ""},
        {body("a", "b", "c", "", "{\"k\":1,\"k\":2}"), ""},
        {"not json", ""},
        {"[]", ""},
        {"", ""},
    };
    for (const auto& [b, field] : bad) {
        SCOPED_TRACE(b.substr(0, 120));
        for (const Response& r : {create(alice_, b), put(alice_, id, b)}) {
            ASSERT_EQ(r.status, 422) << r.body.substr(0, 300);
            auto detail = r.object()->getArray("detail");
            ASSERT_TRUE(detail) << r.body.substr(0, 300);
            ASSERT_GE(detail->size(), 1u);
            auto loc = detail->getObject(0)->getArray("loc");
            EXPECT_EQ(loc->getElement<std::string>(0), "body");
            if (!field.empty()) {
                EXPECT_EQ(loc->getElement<std::string>(1), field) << r.body.substr(0, 300);
            }
            EXPECT_FALSE(r.object()->getObject("error")->getValue<std::string>("code").empty());
        }
    }
    // Every missing field is reported at once.
    auto all = create(alice_, "{}");
    EXPECT_EQ(all.object()->getArray("detail")->size(), 3u) << all.body;
    EXPECT_EQ(str(all.object()->getArray("detail")->getObject(2), "type"), "missing");

    EXPECT_EQ(rows(), 1);
    EXPECT_EQ(get(alice_, id).body, original);
}

TEST_F(SnippetsTest, ContentUpToOneMebibyteIsAcceptedBeyondIs422AndHugeBodiesAre413) {
    std::string big;
    while (big.size() < kMiB) big += "word #big line\n";
    big.resize(kMiB);
    auto ok = create(alice_, body("notepad", "np", big));
    ASSERT_EQ(ok.status, 200) << ok.body.substr(0, 300);
    EXPECT_EQ(str(ok.object(), "content").size(), kMiB);
    EXPECT_EQ(strings(ok.object()->getArray("tags")), (std::vector<std::string>{"big"}));
    EXPECT_EQ(rows(), 1);

    auto over = create(alice_, body("notepad", "np", big + "x"));
    ASSERT_EQ(over.status, 422) << over.body.substr(0, 300);
    EXPECT_EQ(str(over.object()->getArray("detail")->getObject(0), "type"), "string_too_long");
    auto overPut = put(alice_, str(ok.object(), "id"), body("notepad", "np", big + "x"));
    EXPECT_EQ(overPut.status, 422);

    // A declared length far past the limit is refused from the head alone.
    std::string resp = server_.raw("POST " + kBase + " HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " +
                                   alice_.token + "\r\nContent-Type: application/json\r\nContent-Length: " +
                                   std::to_string(2 * kMiB) + "\r\n\r\n{\"content\":\"aaaa");
    EXPECT_EQ(resp.rfind("HTTP/1.1 413", 0), 0u) << resp.substr(0, 300);
    EXPECT_EQ(rows(), 1);
    EXPECT_EQ(server_.get("/health").status, 200);
}

TEST_F(SnippetsTest, PathologicalMarkdownIsBoundedInTimeAndSize) {
    // A wide delimiter row over many one-cell rows: cmark-gfm 0.29.0.gfm.6 would pad every row
    // to 20001 cells (minutes of work). Such a document renders without tables, quickly.
    std::string wide = "a";
    for (int i = 0; i < 20000; ++i) wide += "|a";
    wide += "\n-";
    for (int i = 0; i < 20000; ++i) wide += "|-";
    wide += "\n";
    for (int i = 0; i < 100000; ++i) wide += "b\n";
    auto started = std::chrono::steady_clock::now();
    auto r = create(alice_, body("notepad", "np", wide));
    auto took = std::chrono::steady_clock::now() - started;
    ASSERT_EQ(r.status, 200) << r.body.substr(0, 300);
    EXPECT_EQ(str(r.object(), "content_html").find("<table>"), std::string::npos);
    EXPECT_LT(took, std::chrono::seconds(20));

    // Deeply nested quotes expand 27x: refused before anything is stored.
    auto nested = create(alice_, body("notepad", "np", std::string(400 * 1024, '>')));
    ASSERT_EQ(nested.status, 422) << nested.body.substr(0, 300);
    EXPECT_EQ(nested.errorCode(), "content_too_complex");
    auto loc = nested.object()->getArray("detail")->getObject(0)->getArray("loc");
    EXPECT_EQ(strings(loc), (std::vector<std::string>{"body", "content"}));
    EXPECT_EQ(rows(), 1);
}

TEST_F(SnippetsTest, EveryRouteNeedsAuthAndBasicWorks) {
    auto mine = createOk(alice_, body("notepad", "np", "hello"));
    std::string id = str(mine, "id");
    const std::vector<std::pair<std::string, std::string>> routes = {
        {"GET", kBase},          {"POST", kBase},         {"GET", kBase + "/export"},
        {"GET", kBase + "/" + id}, {"PUT", kBase + "/" + id}, {"DELETE", kBase + "/" + id}};
    for (const auto& [method, path] : routes) {
        SCOPED_TRACE(method + " " + path);
        Headers json{{"Content-Type", "application/json"}};
        std::string payload = method == "POST" || method == "PUT" ? body("a", "b", "c") : "";
        auto r = server_.request(method, path, payload, json);
        EXPECT_EQ(r.status, 401) << r.body;
        EXPECT_EQ(r.detail(), "Not authenticated");
        Headers badToken = ServerProcess::bearer("not-a-token");
        badToken["Content-Type"] = "application/json";
        EXPECT_EQ(server_.request(method, path, "", badToken).status, 401);
    }
    EXPECT_EQ(rows(), 1);

    // Basic credentials work on every route.
    Headers basic = alice_.basicAuth();
    basic["Content-Type"] = "application/json";
    auto c = server_.request("POST", kBase, body("notepad", "np", "via basic"), basic);
    ASSERT_EQ(c.status, 200) << c.body;
    std::string viaBasic = str(c.object(), "id");
    EXPECT_EQ(str(c.object(), "user_id"), alice_.id);
    EXPECT_EQ(arr(server_.get(kBase, basic))->size(), 2u);
    EXPECT_EQ(server_.get(kBase + "/" + viaBasic, basic).status, 200);
    EXPECT_EQ(server_.get(kBase + "/export", basic).status, 200);
    auto changed = server_.request("PUT", kBase + "/" + viaBasic, body("notepad", "np", "changed"), basic);
    EXPECT_EQ(changed.status, 200);
    EXPECT_EQ(server_.request("DELETE", kBase + "/" + viaBasic, "", basic).status, 200);
    auto wrong = server_.get(kBase, ServerProcess::basic("alice", "wrong password"));
    EXPECT_EQ(wrong.status, 401);
    EXPECT_EQ(rows(), 1);
}

}  // namespace
}  // namespace hub::tests
