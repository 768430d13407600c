#include "SnippetStore.h"

#include <Poco/Data/Session.h>
#include <Poco/Nullable.h>
#include <Poco/String.h>
#include <Poco/Tuple.h>

#include "SnippetText.h"
#include "hub/sdk/Text.h"
#include "hub/sdk/Json.h"

using namespace Poco::Data::Keywords;

namespace hub::plugins::snippets {
namespace {

using Row = Poco::Tuple<std::string, std::string, std::string, std::string, std::string, std::string,
                        std::string, int, std::string, std::string, Poco::Int64, Poco::Int64>;

// UUID and JSON columns are cast to text so one SQL text serves SQLite and PostgreSQL; NULL
// title is told apart from an empty one by the flag column.
constexpr const char* kColumns =
    "SELECT CAST(id AS TEXT), CAST(user_id AS TEXT), source_type, source_name, content, "
    "COALESCE(content_html, ''), COALESCE(title, ''), CASE WHEN title IS NULL THEN 0 ELSE 1 END, "
    "CAST(tags AS TEXT), CAST(snippet_metadata AS TEXT), created_at, updated_at FROM snippets ";

std::vector<std::string> parseTags(const std::string& json) {
    std::vector<std::string> out;
    try {
        auto v = sdk::json::parseStrict(json);
        if (v.type() != typeid(Poco::JSON::Array::Ptr)) return out;
        auto a = v.extract<Poco::JSON::Array::Ptr>();
        for (std::size_t i = 0; i < a->size(); ++i) {
            auto e = a->get(static_cast<unsigned>(i));
            if (e.isString()) out.push_back(e.convert<std::string>());
        }
    } catch (...) {
        // A row written by something else with a malformed value reads as having no tags.
    }
    return out;
}

std::string tagsJson(const std::vector<std::string>& tags) {
    auto a = sdk::json::array();
    for (const auto& t : tags) a->add(t);
    return sdk::json::stringify(a);
}

Snippet fromRow(const Row& r) {
    Snippet s;
    s.id = r.get<0>();
    s.userId = r.get<1>();
    s.sourceType = r.get<2>();
    s.sourceName = r.get<3>();
    s.content = r.get<4>();
    s.contentHtml = r.get<5>();
    if (r.get<7>() != 0) s.title = r.get<6>();
    s.tags = parseTags(r.get<8>());
    s.metadataJson = r.get<9>();
    s.createdAt = r.get<10>();
    s.updatedAt = r.get<11>();
    return s;
}

Poco::Nullable<std::string> nullableTitle(const Snippet& s) {
    Poco::Nullable<std::string> t;
    if (s.title) t = *s.title;
    return t;
}

}  // namespace

SnippetStore::SnippetStore(std::shared_ptr<sdk::IDatabase> db, std::shared_ptr<sdk::IClock> clock,
                           std::shared_ptr<sdk::IEventBus> events, std::shared_ptr<sdk::IActivity> activity)
    : db_(std::move(db)), clock_(std::move(clock)), events_(std::move(events)), activity_(std::move(activity)) {}

std::vector<Snippet> SnippetStore::list(const std::string& ownerId,
                                        const std::optional<std::string>& sourceType,
                                        const std::optional<std::string>& sourceName) const {
    std::string sql = std::string(kColumns) + "WHERE user_id = $1";
    std::string o = ownerId, st = sourceType.value_or(""), sn = sourceName.value_or("");
    int n = 1;
    if (sourceType) sql += " AND source_type = $" + std::to_string(++n);
    if (sourceName) sql += " AND source_name = $" + std::to_string(++n);
    sql += " ORDER BY created_at, id";
    std::vector<Row> rows;
    db_->withSession([&](Poco::Data::Session& s) {
        rows.clear();
        Poco::Data::Statement stmt(s);
        stmt << sql, use(o), into(rows);
        if (sourceType) stmt, use(st);
        if (sourceName) stmt, use(sn);
        stmt.execute();
    });
    std::vector<Snippet> out;
    out.reserve(rows.size());
    for (const auto& r : rows) out.push_back(fromRow(r));
    return out;
}

std::optional<Snippet> SnippetStore::get(const std::string& ownerId, const std::string& id) const {
    std::string i = sdk::text::canonicalUuid(id), o = ownerId;
    if (i.empty()) return std::nullopt;
    std::vector<Row> rows;
    db_->withSession([&](Poco::Data::Session& s) {
        rows.clear();
        s << std::string(kColumns) + "WHERE id = $1 AND user_id = $2", use(i), use(o), into(rows), now;
    });
    if (rows.empty()) return std::nullopt;
    return fromRow(rows.front());
}

Snippet SnippetStore::create(Snippet s) {
    s.id = sdk::text::newUuid();
    s.createdAt = s.updatedAt = clock_->nowMicros();
    std::string tags = tagsJson(s.tags);
    Poco::Nullable<std::string> title = nullableTitle(s);
    db_->withTransaction([&](Poco::Data::Session& session) {
        session << "INSERT INTO snippets (id, user_id, source_type, source_name, content, content_html, "
                   "title, tags, "
                   "snippet_metadata, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, "
                   "$10, $11)",
            use(s.id), use(s.userId), use(s.sourceType), use(s.sourceName), use(s.content),
            use(s.contentHtml), use(title), use(tags), use(s.metadataJson), use(s.createdAt),
            use(s.updatedAt), now;
        record(session, "snippet.created", s);
    });
    publish("snippet.created", s);
    return s;
}

std::optional<Snippet> SnippetStore::update(Snippet s) {
    s.id = sdk::text::canonicalUuid(s.id);
    if (s.id.empty()) return std::nullopt;
    s.updatedAt = clock_->nowMicros();
    std::string tags = tagsJson(s.tags);
    Poco::Nullable<std::string> title = nullableTitle(s);
    bool found = false;
    db_->withTransaction([&](Poco::Data::Session& session) {
        std::vector<Poco::Int64> created;
        session << "SELECT created_at FROM snippets WHERE id = $1 AND user_id = $2", use(s.id), use(s.userId),
            into(created), now;
        found = !created.empty();
        if (!found) return;
        s.createdAt = created.front();
        // Never before created_at, even if the clock stepped back.
        if (s.updatedAt < s.createdAt) s.updatedAt = s.createdAt;
        session << "UPDATE snippets SET source_type = $1, source_name = $2, content = $3, content_html = $4, "
                   "title = $5, tags = $6, snippet_metadata = $7, updated_at = $8 WHERE id = $9 AND user_id "
                   "= $10",
            use(s.sourceType), use(s.sourceName), use(s.content), use(s.contentHtml), use(title), use(tags),
            use(s.metadataJson), use(s.updatedAt), use(s.id), use(s.userId), now;
        record(session, "snippet.updated", s);
    });
    if (!found) return std::nullopt;
    publish("snippet.updated", s);
    return s;
}

void SnippetStore::saveHtml(const Snippet& s) {
    std::string html = s.contentHtml, id = s.id, owner = s.userId;
    db_->withTransaction([&](Poco::Data::Session& session) {
        session << "UPDATE snippets SET content_html = $1 WHERE id = $2 AND user_id = $3", use(html), use(id),
            use(owner), now;
    });
}

bool SnippetStore::remove(const std::string& ownerId, const std::string& id) {
    auto existing = get(ownerId, id);
    if (!existing) return false;
    bool removed = false;
    db_->withTransaction([&](Poco::Data::Session& session) {
        std::vector<std::string> ids;
        std::string i = existing->id, o = ownerId;
        session << "SELECT CAST(id AS TEXT) FROM snippets WHERE id = $1 AND user_id = $2", use(i), use(o),
            into(ids), now;
        removed = !ids.empty();
        if (removed) {
            session << "DELETE FROM snippets WHERE id = $1 AND user_id = $2", use(i), use(o), now;
            record(session, "snippet.deleted", *existing);
        }
    });
    if (removed) publish("snippet.deleted", *existing);
    return removed;
}

void SnippetStore::record(Poco::Data::Session& session, const std::string& action, const Snippet& s) const {
    if (!activity_) return;
    sdk::ActivityEntry e;
    e.actorId = s.userId;  // snippets are never shared: only their owner changes them
    e.action = action;
    e.resourceType = "snippet";
    e.resourceId = s.id;
    e.resourceName = s.title && !s.title->empty() ? *s.title : s.sourceName;
    e.ownerId = s.userId;
    auto details = sdk::json::object();
    details->set("source_type", s.sourceType);
    details->set("source_name", s.sourceName);
    e.details = details;
    activity_->record(session, e);
}

void SnippetStore::publish(const std::string& topic, const Snippet& s) const {
    auto p = sdk::json::object();
    p->set("user_id", s.userId);
    p->set("snippet_id", s.id);
    p->set("source_type", s.sourceType);
    p->set("source_name", s.sourceName);
    events_->publish(topic, p);
}

}  // namespace hub::plugins::snippets
