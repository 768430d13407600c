#include "AdvisorStore.h"

#include <cctype>

#include <Poco/Data/Session.h>
#include <Poco/Nullable.h>
#include <Poco/Tuple.h>

#include "PythonJson.h"
#include <Poco/String.h>

#include "hub/sdk/Error.h"
#include "hub/sdk/Json.h"
#include "hub/sdk/Text.h"

using namespace Poco::Data::Keywords;

namespace hub::plugins::advisors {
namespace {

using Row = Poco::Tuple<std::string, std::string, std::string, Poco::Nullable<std::string>, std::string, double,
                        Poco::Int64, bool, std::string, std::string, Poco::Nullable<std::string>,
                        Poco::Nullable<double>, Poco::Nullable<double>, Poco::Nullable<double>, Poco::Int64,
                        Poco::Int64>;

constexpr const char* kColumns =
    "SELECT CAST(id AS TEXT), CAST(user_id AS TEXT), name, description, model, temperature, max_tokens, stream, "
    "CAST(messages AS TEXT), gateway, CAST(tools AS TEXT), top_p, frequency_penalty, presence_penalty, "
    "created_at, updated_at FROM advisors ";

template <class T>
std::optional<T> fromNullable(const Poco::Nullable<T>& n) {
    return n.isNull() ? std::nullopt : std::optional<T>(n.value());
}

template <class T>
Poco::Nullable<T> toNullable(const std::optional<T>& o) {
    return o ? Poco::Nullable<T>(*o) : Poco::Nullable<T>();
}

std::optional<std::vector<std::string>> toolsFromJson(const Poco::Nullable<std::string>& text) {
    if (text.isNull()) return std::nullopt;
    std::vector<std::string> out;
    try {
        auto v = sdk::json::parseStrict(text.value());
        if (v.type() != typeid(Poco::JSON::Array::Ptr)) return std::nullopt;  // a stored JSON null
        auto a = v.extract<Poco::JSON::Array::Ptr>();
        for (std::size_t i = 0; i < a->size(); ++i) {
            out.push_back(a->get(static_cast<unsigned>(i)).convert<std::string>());
        }
    } catch (const std::exception&) {
        return std::nullopt;
    }
    return out;
}

Poco::Nullable<std::string> toolsToJson(const std::optional<std::vector<std::string>>& tools) {
    if (!tools) return {};
    auto a = sdk::json::array();
    for (const auto& t : *tools) a->add(t);
    return toPythonJson(a);
}

Advisor fromRow(const Row& r) {
    Advisor a;
    a.id = r.get<0>();
    a.userId = r.get<1>();
    a.name = r.get<2>();
    a.description = fromNullable(r.get<3>());
    a.model = r.get<4>();
    a.temperature = r.get<5>();
    a.maxTokens = r.get<6>();
    a.stream = r.get<7>();
    a.messagesJson = r.get<8>();
    a.gateway = r.get<9>();
    a.tools = toolsFromJson(r.get<10>());
    a.topP = fromNullable(r.get<11>());
    a.frequencyPenalty = fromNullable(r.get<12>());
    a.presencePenalty = fromNullable(r.get<13>());
    a.createdAt = r.get<14>();
    a.updatedAt = r.get<15>();
    return a;
}

std::optional<Advisor> selectOne(Poco::Data::Session& s, const std::string& userId, const std::string& id) {
    std::vector<Row> rows;
    std::string u = userId, i = id;
    s << std::string(kColumns) + "WHERE id = $1 AND user_id = $2", use(i), use(u), into(rows), now;
    if (rows.empty()) return std::nullopt;
    return fromRow(rows.front());
}

/// True when `userId` has an advisor called `name` other than `exceptId`.
bool nameInUse(Poco::Data::Session& s, const std::string& userId, const std::string& name,
               const std::string& exceptId) {
    std::vector<std::string> ids;
    std::string u = userId, n = name;
    s << "SELECT CAST(id AS TEXT) FROM advisors WHERE user_id = $1 AND name = $2", use(u), use(n), into(ids), now;
    for (const auto& id : ids) {
        if (id != exceptId) return true;
    }
    return false;
}

sdk::Conflict duplicateName(const std::string& name) {
    return sdk::Conflict("Advisor with name '" + name + "' already exists", "advisor_exists");
}

sdk::NotFound advisorNotFound() { return sdk::NotFound("Advisor not found", "advisor_not_found"); }

/// The names of the fields an update changed (never their values: sharees read activity, and
/// prompts are content).
Poco::JSON::Array::Ptr changedFields(const Advisor& before, const Advisor& after) {
    auto out = sdk::json::array();
    auto note = [&](bool changed, const char* field) {
        if (changed) out->add(std::string(field));
    };
    note(before.name != after.name, "name");
    note(before.description != after.description, "description");
    note(before.model != after.model, "model");
    note(before.temperature != after.temperature, "temperature");
    note(before.maxTokens != after.maxTokens, "max_tokens");
    note(before.stream != after.stream, "stream");
    note(before.messagesJson != after.messagesJson, "messages");
    note(before.gateway != after.gateway, "gateway");
    note(before.tools != after.tools, "tools");
    note(before.topP != after.topP, "top_p");
    note(before.frequencyPenalty != after.frequencyPenalty, "frequency_penalty");
    note(before.presencePenalty != after.presencePenalty, "presence_penalty");
    return out;
}

}  // namespace


void AdvisorStore::attach(std::shared_ptr<sdk::IDatabase> db, std::shared_ptr<sdk::IClock> clock,
                          std::shared_ptr<sdk::IEventBus> events, std::shared_ptr<sdk::IAccess> access,
                          std::shared_ptr<sdk::IActivity> activity) {
    db_ = std::move(db);
    clock_ = std::move(clock);
    events_ = std::move(events);
    access_ = std::move(access);
    activity_ = std::move(activity);
}

std::optional<std::string> AdvisorStore::workspaceOfOwner(const std::string& ownerId) const {
    if (!access_ || ownerId.empty()) return std::nullopt;
    return access_->workspaceOwning(ownerId);
}

sdk::IDatabase& AdvisorStore::db() const {
    if (!db_) throw sdk::Unavailable("The advisors plugin has not started", "advisors_not_started");
    return *db_;
}

std::vector<Advisor> AdvisorStore::list(const std::string& userId) const {
    std::vector<Row> rows;
    std::string u = userId;
    db().withSession([&](Poco::Data::Session& s) {
        rows.clear();
        // id breaks ties between advisors created in the same microsecond (imports).
        s << std::string(kColumns) + "WHERE user_id = $1 ORDER BY created_at, id", use(u), into(rows), now;
    });
    std::vector<Advisor> out;
    out.reserve(rows.size());
    for (const auto& r : rows) out.push_back(fromRow(r));
    return out;
}

std::optional<Advisor> AdvisorStore::byId(const std::string& userId, const std::string& advisorId) const {
    std::string id = sdk::text::canonicalUuid(advisorId);
    std::string owner = sdk::text::canonicalUuid(userId);  // callers of the lookup service pass any text
    if (id.empty() || owner.empty()) return std::nullopt;
    std::optional<Advisor> out;
    db().withSession([&](Poco::Data::Session& s) { out = selectOne(s, owner, id); });
    return out;
}

std::optional<Advisor> AdvisorStore::byIdAnyOwner(const std::string& advisorId) const {
    std::string id = sdk::text::canonicalUuid(advisorId);
    if (id.empty()) return std::nullopt;
    std::vector<Row> rows;
    db().withSession([&](Poco::Data::Session& s) {
        rows.clear();
        s << std::string(kColumns) + "WHERE id = $1", use(id), into(rows), now;
    });
    if (rows.empty()) return std::nullopt;
    return fromRow(rows.front());
}

bool AdvisorStore::nameTaken(const std::string& userId, const std::string& name) const {
    bool taken = false;
    db().withSession([&](Poco::Data::Session& s) { taken = nameInUse(s, userId, name, ""); });
    return taken;
}

std::optional<std::string> AdvisorStore::findIdByName(const std::string& userId, const std::string& name) const {
    std::string owner = sdk::text::canonicalUuid(userId);
    if (owner.empty()) return std::nullopt;
    std::vector<std::string> ids;
    db().withSession([&](Poco::Data::Session& s) {
        ids.clear();
        std::string n = name;
        s << "SELECT CAST(id AS TEXT) FROM advisors WHERE user_id = $1 AND name = $2", use(owner), use(n), into(ids),
            now;
    });
    if (ids.empty()) return std::nullopt;
    return ids.front();
}

Advisor AdvisorStore::create(const std::string& userId, const Advisor& input, const std::string& actorId) {
    Advisor a = input;
    a.id = sdk::text::newUuid();
    a.userId = userId;
    a.createdAt = a.updatedAt = clock_->nowMicros();
    auto description = toNullable(a.description);
    auto tools = toolsToJson(a.tools);
    auto topP = toNullable(a.topP);
    auto frequency = toNullable(a.frequencyPenalty);
    auto presence = toNullable(a.presencePenalty);
    // Looked up before the transaction, which then holds the only database work.
    const auto workspace = workspaceOfOwner(userId);
    try {
        db().withTransaction([&](Poco::Data::Session& s) {
            // Checked first for a clean 409; the UNIQUE constraint still decides races.
            if (nameInUse(s, a.userId, a.name, "")) throw duplicateName(a.name);
            s << "INSERT INTO advisors (id, user_id, name, description, model, temperature, max_tokens, stream, "
                 "messages, gateway, tools, top_p, frequency_penalty, presence_penalty, created_at, updated_at) "
                 "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)",
                use(a.id), use(a.userId), use(a.name), use(description), use(a.model), use(a.temperature),
                use(a.maxTokens), use(a.stream), use(a.messagesJson), use(a.gateway), use(tools), use(topP),
                use(frequency), use(presence), use(a.createdAt), use(a.updatedAt), now;
            record(s, "advisor.created", actorId.empty() ? userId : actorId, a, workspace, nullptr);
        });
    } catch (const sdk::Error&) {
        throw;
    } catch (const std::exception& e) {
        if (db().isUniqueViolation(e)) throw duplicateName(a.name);
        throw;
    }
    publish("advisor.created", a);
    return a;
}

Advisor AdvisorStore::replace(const std::string& actorId, const std::string& userId, const std::string& advisorId,
                             const Advisor& input) {
    std::string id = sdk::text::canonicalUuid(advisorId);
    if (id.empty()) throw advisorNotFound();
    Advisor a = input;
    a.id = id;
    a.userId = userId;
    a.updatedAt = clock_->nowMicros();
    auto description = toNullable(a.description);
    auto tools = toolsToJson(a.tools);
    auto topP = toNullable(a.topP);
    auto frequency = toNullable(a.frequencyPenalty);
    auto presence = toNullable(a.presencePenalty);
    const auto workspace = workspaceOfOwner(userId);
    try {
        db().withTransaction([&](Poco::Data::Session& s) {
            auto current = selectOne(s, userId, id);
            if (!current) throw advisorNotFound();
            if (nameInUse(s, userId, a.name, id)) throw duplicateName(a.name);
            a.createdAt = current->createdAt;
            // A clock stepped backwards must not make an update look older than the creation.
            if (a.updatedAt < a.createdAt) a.updatedAt = a.createdAt;
            s << "UPDATE advisors SET name = $1, description = $2, model = $3, temperature = $4, max_tokens = $5, "
                 "stream = $6, messages = $7, gateway = $8, tools = $9, top_p = $10, frequency_penalty = $11, "
                 "presence_penalty = $12, updated_at = $13 WHERE id = $14 AND user_id = $15",
                use(a.name), use(description), use(a.model), use(a.temperature), use(a.maxTokens), use(a.stream),
                use(a.messagesJson), use(a.gateway), use(tools), use(topP), use(frequency), use(presence),
                use(a.updatedAt), use(a.id), use(a.userId), now;
            auto details = sdk::json::object();
            details->set("changed", changedFields(*current, a));
            if (current->name != a.name) details->set("previous_name", current->name);
            record(s, "advisor.updated", actorId, a, workspace, details);
        });
    } catch (const sdk::Error&) {
        throw;
    } catch (const std::exception& e) {
        if (db().isUniqueViolation(e)) throw duplicateName(a.name);
        throw;
    }
    publish("advisor.updated", a);
    return a;
}

void AdvisorStore::remove(const std::string& userId, const std::string& advisorId, const std::string& actorId) {
    std::string id = sdk::text::canonicalUuid(advisorId);
    if (id.empty()) throw advisorNotFound();
    Advisor removed;
    const auto workspace = workspaceOfOwner(userId);
    db().withTransaction([&](Poco::Data::Session& s) {
        auto current = selectOne(s, userId, id);
        if (!current) throw advisorNotFound();
        removed = *current;
        std::string u = userId;
        s << "DELETE FROM advisors WHERE id = $1 AND user_id = $2", use(id), use(u), now;
        access_->forgetResource(s, "advisor", id);  // its grants go with it
        record(s, "advisor.deleted", actorId.empty() ? userId : actorId, removed, workspace, nullptr);
    });
    // After the commit: the chat plugin deletes the advisor's conversations on this event.
    publish("advisor.deleted", removed, actorId.empty() ? userId : actorId);
}

std::optional<Poco::JSON::Object::Ptr> AdvisorStore::find(const std::string& userId,
                                                          const std::string& advisorId) const {
    if (auto own = byId(userId, advisorId)) return own->toJson();
    auto shared = byIdAnyOwner(advisorId);
    if (!shared) return std::nullopt;
    sdk::AccessDecision d = access_->check(userId, "advisor", shared->id);
    if (!d.visible) return std::nullopt;  // as if it did not exist
    // Visible without `use` (a viewer): 403, as core.access.v1 maps a visible resource the
    // caller may not act on, not "Advisor not found" for an advisor GET just returned.
    if (!d.allows(sdk::access::kUse)) {
        throw sdk::Forbidden("You may not chat with this advisor: it needs the use permission", "permission_denied");
    }
    return shared->toJson();
}

void AdvisorStore::record(Poco::Data::Session& s, const std::string& action, const std::string& actorId,
                          const Advisor& a, const std::optional<std::string>& workspaceId,
                          Poco::JSON::Object::Ptr details) const {
    if (!activity_) return;
    sdk::ActivityEntry e;
    e.actorId = actorId;
    e.action = action;
    e.resourceType = "advisor";  // the type registered with core.access.v1, so sharees see it
    e.resourceId = a.id;
    e.resourceName = a.name;
    e.ownerId = a.userId;
    e.workspaceId = workspaceId;
    e.details = details;
    activity_->record(s, e);
}

void AdvisorStore::publish(const std::string& topic, const Advisor& a, const std::string& actorId) const {
    auto p = sdk::json::object();
    p->set("advisor_id", a.id);
    p->set("user_id", a.userId);
    p->set("name", a.name);
    if (!actorId.empty()) p->set("actor_id", actorId);
    events_->publish(topic, p);
}

}  // namespace hub::plugins::advisors
