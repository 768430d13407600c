#include "SnippetsPlugin.h"

#include <algorithm>

#include "Migrations.h"
#include "SnippetExport.h"
#include "SnippetText.h"
#include "SnippetWriter.h"

namespace hub::plugins::snippets {
namespace {

constexpr const char* kNotFound = "Snippet not found";
/// snippets.writer.v1 called before start() or after stop().
constexpr const char* kNotRunning = "the snippets plugin is not running";
/// Room in a create/update body beyond the content: keys, tags, metadata, JSON escapes.
constexpr std::size_t kBodyOverhead = 128 * 1024;

/// Rendered HTML may be this many times the content limit. Ordinary markdown stays under 6x
/// (a table of one-character cells); deeply nested quotes or lists reach 27x.
constexpr std::size_t kHtmlExpansion = 8;

/// A 422 with one pydantic-2 style item.
[[noreturn]] void fail422(const std::string& where, const std::string& field, const std::string& type,
                          const std::string& msg, const Poco::Dynamic::Var& input, const std::string& code,
                          Poco::JSON::Object::Ptr extra = nullptr) {
    auto item = sdk::json::object();
    item->set("type", type);
    auto loc = sdk::json::array();
    loc->add(where);
    loc->add(field);
    item->set("loc", loc);
    item->set("msg", msg);
    item->set("input", input);
    if (extra) item->set("ctx", extra);
    auto list = sdk::json::array();
    list->add(item);
    sdk::ValidationError e(field + ": " + msg, code);
    e.withDetail(list);
    throw e;
}

/// A 422 for a query parameter outside its pattern.
[[noreturn]] void badQuery(const std::string& name, const std::string& value, const std::string& pattern) {
    auto ctxObj = sdk::json::object();
    ctxObj->set("pattern", pattern);
    fail422("query", name, "string_pattern_mismatch", "String should match pattern '" + pattern + "'", value,
            "invalid_query", ctxObj);
}

/// `?format=`: absent or empty means `md`; anything outside `allowed` is a 422.
std::string formatParam(sdk::RequestContext& ctx, const std::vector<std::string>& allowed) {
    std::string f = ctx.query("format").value_or("");
    if (f.empty()) return "md";
    for (const auto& a : allowed) {
        if (f == a) return f;
    }
    std::string pattern;
    for (const auto& a : allowed) pattern += (pattern.empty() ? "" : "|") + a;
    badQuery("format", f, "^(" + pattern + ")$");
}

/// A filter given with an empty value (`?source_type=`) filters nothing, as in HubGPT.
std::optional<std::string> nonEmptyQuery(sdk::RequestContext& ctx, const std::string& name) {
    auto v = ctx.query(name);
    if (!v || v->empty()) return std::nullopt;
    return v;
}

}  // namespace

ISnippetWriter::~ISnippetWriter() = default;

/// snippets.writer.v1: a create body handed to the POST route's code path; the store is set in
/// start().
class SnippetsPlugin::Writer : public ISnippetWriter {
public:
    explicit Writer(SnippetsPlugin& plugin) : plugin_(plugin) {}

    std::string create(const std::string& userId, const std::string& sourceType, const std::string& sourceName,
                       const std::string& content, const std::vector<std::string>& tags) const override {
        auto body = sdk::json::object();
        body->set("source_type", sourceType);
        body->set("source_name", sourceName);
        body->set("content", content);
        auto list = sdk::json::array();
        for (const auto& t : tags) list->add(t);
        body->set("tags", list);
        return plugin_.createFrom(body, userId).id;
    }

    std::optional<std::string> title(const std::string& userId, const std::string& id) const override {
        if (!plugin_.store_) throw sdk::Unavailable(kNotRunning, "snippets_unavailable");
        auto s = plugin_.store_->get(userId, id);
        return s ? s->title : std::nullopt;
    }

private:
    SnippetsPlugin& plugin_;
};

void SnippetsPlugin::declareConfig(sdk::ConfigSchema& schema) const {
    schema.integer("max_content_kb")
        .defaultValue(1024)
        .min(1)
        .max(64 * 1024)
        .description("Largest snippet content in KiB (422 beyond; bodies well past it get 413)");
}

void SnippetsPlugin::registerComponents(sdk::Registrar& r, const sdk::ConfigView& config) {
    limits_.maxContentBytes = static_cast<std::size_t>(config.getInt("max_content_kb")) * 1024;
    for (auto& m : snippetsMigrations()) r.migration(std::move(m));
    r.provide<ISnippetWriter>(std::make_shared<Writer>(*this));

    using sdk::AuthMode;
    auto bind = [this](void (SnippetsPlugin::*fn)(sdk::RequestContext&)) {
        return [this, fn](sdk::RequestContext& ctx) { (this->*fn)(ctx); };
    };
    const std::size_t bodyLimit = limits_.maxContentBytes + kBodyOverhead;
    r.route({"GET", "/api/v1/snippets", AuthMode::Required, 0, bind(&SnippetsPlugin::list)});
    r.route({"POST", "/api/v1/snippets", AuthMode::Required, bodyLimit, bind(&SnippetsPlugin::create)});
    // A literal segment outranks `{id}` in the router, so `/export` is reachable (it was not
    // in HubGPT, whose `/{snippet_id}` route was registered first).
    r.route({"GET", "/api/v1/snippets/export", AuthMode::Required, 0, bind(&SnippetsPlugin::exportAll)});
    r.route({"GET", "/api/v1/snippets/{id}", AuthMode::Required, 0, bind(&SnippetsPlugin::get)});
    r.route({"PUT", "/api/v1/snippets/{id}", AuthMode::Required, bodyLimit, bind(&SnippetsPlugin::update)});
    r.route({"DELETE", "/api/v1/snippets/{id}", AuthMode::Required, 0, bind(&SnippetsPlugin::remove)});
}

void SnippetsPlugin::start(sdk::PluginContext& ctx) {
    renderer_ = std::make_unique<MarkdownRenderer>();
    store_ = std::make_unique<SnippetStore>(ctx.services().require<sdk::IDatabase>(),
                                            ctx.services().require<sdk::IClock>(),
                                            ctx.services().require<sdk::IEventBus>(),
                                            ctx.services().find<sdk::IActivity>());  // optional
}

void SnippetsPlugin::stop() noexcept {
    store_.reset();
    renderer_.reset();
}

Snippet SnippetsPlugin::createFrom(const Poco::JSON::Object::Ptr& body, const std::string& ownerId) {
    if (!store_ || !renderer_) throw sdk::Unavailable(kNotRunning, "snippets_unavailable");
    SnippetInput in = SnippetInput::parse(body, limits_);
    return store_->create(fromInput(in, ownerId));
}

Snippet SnippetsPlugin::fromInput(const SnippetInput& in, const std::string& ownerId) const {
    Snippet s;
    s.userId = ownerId;
    s.sourceType = in.sourceType;
    s.sourceName = in.sourceName;
    s.content = in.content;
    s.title = extractTitle(in.content);
    s.tags = mergeTags(in.tags, extractHashtags(in.content));
    s.metadataJson = in.metadataJson;
    s.contentHtml = renderer_->render(in.content);
    // Stored and sent with every list: bounded like the content it comes from.
    const std::size_t maxHtml = limits_.maxContentBytes * kHtmlExpansion;
    if (s.contentHtml.size() > maxHtml) {
        fail422("body", "content", "value_error",
                "Content renders to more than " + std::to_string(maxHtml / 1024) +
                    " KiB of HTML (deeply nested quotes or lists?)",
                std::string("<" + std::to_string(in.content.size()) + " bytes>"), "content_too_complex");
    }
    return s;
}

std::string SnippetsPlugin::htmlOf(Snippet& s) const {
    if (s.contentHtml.empty() && !s.content.empty()) {
        s.contentHtml = renderer_->render(s.content);
        store_->saveHtml(s);
    }
    return s.contentHtml;
}

Poco::JSON::Object::Ptr SnippetsPlugin::toJson(const Snippet& s) const {
    auto o = sdk::json::object();
    o->set("source_type", s.sourceType);
    o->set("source_name", s.sourceName);
    o->set("content", s.content);
    auto tags = sdk::json::array();
    for (const auto& t : s.tags) tags->add(t);
    o->set("tags", tags);
    Poco::Dynamic::Var meta = sdk::json::object();
    try {
        auto parsed = sdk::json::parseStrict(s.metadataJson);
        if (parsed.type() == typeid(Poco::JSON::Object::Ptr)) meta = parsed;
    } catch (...) {
        // A malformed stored value (written outside Hub) reads as {}.
    }
    o->set("snippet_metadata", meta);
    o->set("id", s.id);
    o->set("user_id", s.userId);
    o->set("title", s.title ? Poco::Dynamic::Var(*s.title) : Poco::Dynamic::Var());
    o->set("content_html", s.contentHtml);
    o->set("created_at", sdk::IClock::formatIso(s.createdAt));
    o->set("updated_at", sdk::IClock::formatIso(s.updatedAt));
    return o;
}

std::vector<Snippet> SnippetsPlugin::filtered(sdk::RequestContext& ctx) const {
    auto rows = store_->list(ctx.requireAuth().userId, nonEmptyQuery(ctx, "source_type"),
                             nonEmptyQuery(ctx, "source_name"));
    std::vector<std::string> wanted;
    if (auto tags = ctx.query("tags")) {
        std::size_t pos = 0;
        while (pos <= tags->size()) {
            std::size_t comma = tags->find(',', pos);
            std::string t =
                trim(tags->substr(pos, comma == std::string::npos ? std::string::npos : comma - pos));
            if (!t.empty()) wanted.push_back(t);
            if (comma == std::string::npos) break;
            pos = comma + 1;
        }
    }
    std::string q = lowerUtf8(nonEmptyQuery(ctx, "q").value_or(""));
    std::vector<Snippet> out;
    for (auto& s : rows) {
        bool keep = true;
        for (const auto& t : wanted) {
            if (std::find(s.tags.begin(), s.tags.end(), t) == s.tags.end()) {
                keep = false;
                break;
            }
        }
        if (keep && !q.empty()) {
            keep = lowerUtf8(s.content).find(q) != std::string::npos ||
                   (s.title && lowerUtf8(*s.title).find(q) != std::string::npos);
        }
        if (keep) out.push_back(std::move(s));
    }
    return out;
}

void SnippetsPlugin::list(sdk::RequestContext& ctx) {
    auto out = sdk::json::array();
    for (const auto& s : filtered(ctx)) out->add(toJson(s));
    ctx.respondJson(200, out);
}

void SnippetsPlugin::create(sdk::RequestContext& ctx) {
    const std::string& owner = ctx.requireAuth().userId;
    ctx.respondJson(200, toJson(createFrom(ctx.jsonBody(), owner)));
}

void SnippetsPlugin::exportAll(sdk::RequestContext& ctx) {
    std::string format = formatParam(ctx, {"md", "html"});
    auto rows = filtered(ctx);
    ctx.setHeader("X-Content-Type-Options", "nosniff");
    ctx.setHeader("Cache-Control", "private, no-store");
    if (format == "md") {
        ctx.setHeader("Content-Disposition", "attachment; filename=\"snippets.md\"");
        ctx.respond(200, "text/markdown; charset=utf-8", exportMarkdown(rows));
        return;
    }
    ctx.setHeader("Content-Disposition", "attachment; filename=\"snippets.html\"");
    // Opened from disk or inline, the document may style itself but never run anything.
    ctx.setHeader("Content-Security-Policy",
                  "default-src 'none'; style-src 'unsafe-inline'; img-src * data:");
    ctx.respond(200, "text/html; charset=utf-8", exportHtml(rows, [this](const Snippet& s) {
                    Snippet copy = s;
                    return htmlOf(copy);
                }));
}

void SnippetsPlugin::get(sdk::RequestContext& ctx) {
    // The format is checked first, as FastAPI validated the query before the handler ran.
    std::string format = formatParam(ctx, {"md", "html", "text"});
    auto s = store_->get(ctx.requireAuth().userId, ctx.pathParam("id"));
    if (!s) throw sdk::NotFound(kNotFound, "snippet_not_found");
    if (format == "html") htmlOf(*s);
    auto o = toJson(*s);
    // HubGPT's `text` answered the rendered HTML in `content` (response only, nothing saved).
    if (format == "text") o->set("content", htmlOf(*s));
    ctx.respondJson(200, o);
}

void SnippetsPlugin::update(sdk::RequestContext& ctx) {
    const std::string& owner = ctx.requireAuth().userId;
    // Unknown ids are 404 before the body is looked at, so probing ids learns nothing more.
    if (!store_->get(owner, ctx.pathParam("id"))) throw sdk::NotFound(kNotFound, "snippet_not_found");
    SnippetInput in = SnippetInput::parse(ctx.jsonBody(), limits_);
    Snippet s = fromInput(in, owner);
    s.id = ctx.pathParam("id");
    auto updated = store_->update(std::move(s));
    if (!updated) throw sdk::NotFound(kNotFound, "snippet_not_found");
    ctx.respondJson(200, toJson(*updated));
}

void SnippetsPlugin::remove(sdk::RequestContext& ctx) {
    if (!store_->remove(ctx.requireAuth().userId, ctx.pathParam("id"))) {
        throw sdk::NotFound(kNotFound, "snippet_not_found");
    }
    auto o = sdk::json::object();
    o->set("message", "Snippet deleted successfully");
    ctx.respondJson(200, o);
}

}  // namespace hub::plugins::snippets

HUB_PLUGIN(hub::plugins::snippets::SnippetsPlugin, "snippets", "1.0.0")
