#include "ChatStore.h"

#include <Poco/Data/Session.h>
#include <Poco/Nullable.h>
#include <Poco/Tuple.h>

#include "hub/sdk/Error.h"
#include "hub/sdk/Json.h"
#include "hub/sdk/Text.h"

using namespace Poco::Data::Keywords;

namespace hub::plugins::chat {
namespace {

using ConvRow =
    Poco::Tuple<std::string, std::string, std::string, std::string, Poco::Int64, Poco::Int64, Poco::Int64, std::string>;
constexpr const char* kConvColumns =
    "SELECT CAST(id AS TEXT), CAST(user_id AS TEXT), advisor_id, status, message_count, created_at, updated_at, "
    "COALESCE(title, '') FROM conversations ";

Conversation fromRow(const ConvRow& r) {
    return Conversation{r.get<0>(), r.get<1>(), r.get<2>(), r.get<3>(), r.get<4>(), r.get<5>(), r.get<6>(), r.get<7>()};
}

using MessageRow = Poco::Tuple<std::string, std::string, std::string, std::string, std::string, std::string, Poco::Int64>;
constexpr const char* kMessageColumns =
    "SELECT CAST(id AS TEXT), role, COALESCE(content, ''), COALESCE(name, ''), COALESCE(CAST(tool_calls AS TEXT), ''), "
    "COALESCE(tool_call_id, ''), sequence FROM messages ";

std::vector<StoredMessage> toMessages(const std::vector<MessageRow>& rows) {
    std::vector<StoredMessage> out;
    for (const auto& r : rows) {
        out.push_back(StoredMessage{r.get<0>(), r.get<1>(), r.get<2>(), r.get<3>(), r.get<4>(), r.get<5>(), r.get<6>()});
    }
    return out;
}


Poco::JSON::Object::Ptr advisorDetails(const std::string& advisorId) {
    auto d = sdk::json::object();
    d->set("advisor_id", advisorId);
    return d;
}

}  // namespace

ChatStore::ChatStore(std::shared_ptr<sdk::IDatabase> db, std::shared_ptr<sdk::IClock> clock, OnDelete onDelete,
                     std::shared_ptr<sdk::IActivity> activity, std::shared_ptr<sdk::IAccess> access)
    : db_(std::move(db)),
      clock_(std::move(clock)),
      onDelete_(std::move(onDelete)),
      activity_(std::move(activity)),
      access_(std::move(access)) {}

std::optional<std::string> ChatStore::workspaceOfOwner(const std::string& ownerId) const {
    if (!access_ || ownerId.empty()) return std::nullopt;
    return access_->workspaceOwning(ownerId);
}

sdk::ActivityEntry ChatStore::entry(const std::string& action, const std::string& actorId, const Conversation& c,
                                    const std::optional<std::string>& workspaceId,
                                    Poco::JSON::Object::Ptr details) const {
    sdk::ActivityEntry e;
    e.actorId = actorId;
    e.action = action;
    e.resourceType = "conversation";  // as registered with core.access.v1, so sharees see it
    e.resourceId = c.id;
    e.resourceName = c.title.empty() ? "Conversation" : c.title;
    e.ownerId = c.userId;  // a workspace's account for its conversations: members read the workspace feed
    e.workspaceId = workspaceId;
    e.details = details;
    return e;
}

void ChatStore::record(Poco::Data::Session& s, const std::string& action, const std::string& actorId,
                       const Conversation& c, const std::optional<std::string>& workspaceId,
                       Poco::JSON::Object::Ptr details) const {
    if (activity_) activity_->record(s, entry(action, actorId, c, workspaceId, details));
}

void ChatStore::recordLink(const std::string& action, const std::string& actorId, const Conversation& c,
                           Poco::JSON::Object::Ptr details) const {
    if (activity_) activity_->record(entry(action, actorId, c, workspaceOfOwner(c.userId), details));
}

Conversation ChatStore::create(const std::string& userId, const std::string& advisorId, const std::string& actorId) {
    Conversation c{sdk::text::newUuid(), userId, advisorId, "active", 0, clock_->nowMicros(), 0, ""};
    c.updatedAt = c.createdAt;
    // Looked up before the transaction, which then holds only its own database work.
    const auto workspace = workspaceOfOwner(userId);
    db_->withTransaction([&](Poco::Data::Session& s) {
        s << "INSERT INTO conversations (id, user_id, advisor_id, status, message_count, created_at, updated_at) "
             "VALUES ($1, $2, $3, $4, $5, $6, $7)",
            use(c.id), use(c.userId), use(c.advisorId), use(c.status), use(c.messageCount), use(c.createdAt),
            use(c.updatedAt), now;
        record(s, "conversation.created", actorId.empty() ? userId : actorId, c, workspace, advisorDetails(advisorId));
    });
    return c;
}

std::optional<Conversation> ChatStore::find(const std::string& userId, const std::string& id) const {
    std::string i = sdk::text::canonicalUuid(id);
    if (i.empty()) return std::nullopt;
    std::vector<ConvRow> rows;
    std::string u = userId;
    db_->withSession([&](Poco::Data::Session& s) {
        rows.clear();
        s << std::string(kConvColumns) + "WHERE id = $1 AND user_id = $2", use(i), use(u), into(rows), now;
    });
    if (rows.empty()) return std::nullopt;
    return fromRow(rows.front());
}

std::optional<Conversation> ChatStore::findAny(const std::string& id) const {
    std::string i = sdk::text::canonicalUuid(id);
    if (i.empty()) return std::nullopt;
    std::vector<ConvRow> rows;
    db_->withSession([&](Poco::Data::Session& s) {
        rows.clear();
        s << std::string(kConvColumns) + "WHERE id = $1", use(i), into(rows), now;
    });
    if (rows.empty()) return std::nullopt;
    return fromRow(rows.front());
}

std::vector<Conversation> ChatStore::forAdvisor(const std::string& userId, const std::string& advisorId) const {
    std::vector<ConvRow> rows;
    std::string u = userId, a = advisorId;
    db_->withSession([&](Poco::Data::Session& s) {
        rows.clear();
        s << std::string(kConvColumns) + "WHERE user_id = $1 AND advisor_id = $2 ORDER BY updated_at DESC", use(u),
            use(a), into(rows), now;
    });
    std::vector<Conversation> out;
    for (const auto& r : rows) out.push_back(fromRow(r));
    return out;
}

std::optional<Conversation> ChatStore::latestActive(const std::string& userId, const std::string& advisorId) const {
    for (const auto& c : forAdvisor(userId, advisorId)) {
        if (c.status == "active") return c;
    }
    return std::nullopt;
}

std::vector<StoredMessage> ChatStore::messages(const std::string& conversationId) const {
    std::vector<MessageRow> rows;
    std::string c = conversationId;
    db_->withSession([&](Poco::Data::Session& s) {
        rows.clear();
        s << std::string(kMessageColumns) + "WHERE conversation_id = $1 ORDER BY sequence, created_at", use(c), into(rows),
            now;
    });
    return toMessages(rows);
}

std::vector<StoredMessage> ChatStore::messagesUpTo(const std::string& conversationId, int64_t sequence) const {
    std::vector<MessageRow> rows;
    std::string c = conversationId;
    Poco::Int64 upTo = sequence;
    db_->withSession([&](Poco::Data::Session& s) {
        rows.clear();
        s << std::string(kMessageColumns) + "WHERE conversation_id = $1 AND sequence <= $2 ORDER BY sequence, created_at",
            use(c), use(upTo), into(rows), now;
    });
    return toMessages(rows);
}

std::string ChatStore::append(const std::string& conversationId, const NewMessage& m) {
    std::string id = sdk::text::newUuid();
    int64_t at = clock_->nowMicros();
    db_->withTransaction([&](Poco::Data::Session& s) {
        std::string c = conversationId;
        std::vector<Poco::Int64> counts;
        s << "SELECT message_count FROM conversations WHERE id = $1", use(c), into(counts), now;
        if (counts.empty()) throw sdk::NotFound("Conversation not found", "conversation_not_found");
        Poco::Int64 sequence = counts[0] + 1;
        Poco::Nullable<std::string> name, toolCalls, toolCallId, finish, upstream;
        if (!m.name.empty()) name = m.name;
        if (!m.toolCallsJson.empty()) toolCalls = m.toolCallsJson;
        if (!m.toolCallId.empty()) toolCallId = m.toolCallId;
        if (!m.finishReason.empty()) finish = m.finishReason;
        if (!m.upstreamId.empty()) upstream = m.upstreamId;
        Poco::Nullable<Poco::Int64> prompt, completion, total;
        if (m.usage) {
            if (m.usage->has("prompt_tokens")) prompt = m.usage->optValue<Poco::Int64>("prompt_tokens", 0);
            if (m.usage->has("completion_tokens")) completion = m.usage->optValue<Poco::Int64>("completion_tokens", 0);
            if (m.usage->has("total_tokens")) total = m.usage->optValue<Poco::Int64>("total_tokens", 0);
        }
        std::string role = m.role, content = m.content;
        s << "INSERT INTO messages (id, conversation_id, role, content, name, tool_calls, tool_call_id, sequence, "
             "created_at, finish_reason, prompt_tokens, completion_tokens, total_tokens, llm_message_id) "
             "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)",
            use(id), use(c), use(role), use(content), use(name), use(toolCalls), use(toolCallId), use(sequence), use(at),
            use(finish), use(prompt), use(completion), use(total), use(upstream), now;
        s << "UPDATE conversations SET message_count = $1, updated_at = $2 WHERE id = $3", use(sequence), use(at), use(c),
            now;
    });
    return id;
}

void ChatStore::recordToolCall(const std::string& conversationId, const std::string& messageId, const ToolCallRecord& call) {
    std::string id = sdk::text::newUuid();
    int64_t at = clock_->nowMicros();
    db_->withTransaction([&](Poco::Data::Session& s) {
        std::string c = conversationId, m = messageId, tcid = call.toolCallId, name = call.toolName,
                    args = call.arguments, result = call.result, status = call.status;
        Poco::Int64 ms = call.durationMs;
        s << "INSERT INTO tool_calls (id, message_id, conversation_id, tool_call_id, tool_name, arguments, result, "
             "status, duration_ms, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
            use(id), use(m), use(c), use(tcid), use(name), use(args), use(result), use(status), use(ms), use(at), now;
    });
}

bool ChatStore::remove(const std::string& userId, const std::string& id, const std::string& actorId) {
    std::string i = sdk::text::canonicalUuid(id);
    if (i.empty()) return false;
    bool removed = false;
    const auto workspace = workspaceOfOwner(userId);
    db_->withTransaction([&](Poco::Data::Session& s) {
        std::string u = userId;
        std::vector<ConvRow> rows;
        s << std::string(kConvColumns) + "WHERE id = $1 AND user_id = $2", use(i), use(u), into(rows), now;
        removed = !rows.empty();
        if (!removed) return;
        if (onDelete_) onDelete_(s, i);
        s << "DELETE FROM conversations WHERE id = $1", use(i), now;
        Conversation c = fromRow(rows.front());
        record(s, "conversation.deleted", actorId.empty() ? userId : actorId, c, workspace, advisorDetails(c.advisorId));
    });
    return removed;
}

bool ChatStore::hasTitle(const std::string& userId, const std::string& title) const {
    std::vector<std::string> ids;
    std::string u = userId, t = title;
    db_->withSession([&](Poco::Data::Session& s) {
        ids.clear();
        s << "SELECT CAST(id AS TEXT) FROM conversations WHERE user_id = $1 AND title = $2", use(u), use(t), into(ids), now;
    });
    return !ids.empty();
}

std::string ChatStore::importConversation(const std::string& userId, const std::string& advisorId,
                                          const std::string& status, const std::string& title, int64_t at,
                                          const std::vector<NewMessage>& messages, const std::string& actorId,
                                          const std::string& source) {
    std::string id = sdk::text::newUuid();
    const auto workspace = workspaceOfOwner(userId);
    db_->withTransaction([&](Poco::Data::Session& s) {
        std::string u = userId, a = advisorId, st = status, t = title;
        Poco::Int64 count = static_cast<Poco::Int64>(messages.size());
        Poco::Nullable<Poco::Int64> archived;
        if (status == "archived") archived = at;
        s << "INSERT INTO conversations (id, user_id, advisor_id, title, status, message_count, created_at, updated_at, "
             "archived_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
            use(id), use(u), use(a), use(t), use(st), use(count), use(at), use(at), use(archived), now;
        Poco::Int64 sequence = 0;
        for (const auto& m : messages) {
            std::string mid = sdk::text::newUuid(), role = m.role, content = m.content;
            Poco::Nullable<std::string> name, toolCalls, toolCallId;
            if (!m.name.empty()) name = m.name;
            if (!m.toolCallsJson.empty()) toolCalls = m.toolCallsJson;
            if (!m.toolCallId.empty()) toolCallId = m.toolCallId;
            ++sequence;
            s << "INSERT INTO messages (id, conversation_id, role, content, name, tool_calls, tool_call_id, sequence, "
                 "created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
                use(mid), use(id), use(role), use(content), use(name), use(toolCalls), use(toolCallId), use(sequence),
                use(at), now;
        }
        auto details = advisorDetails(advisorId);
        details->set("source", source);
        details->set("messages", count);
        record(s, "conversation.imported", actorId, Conversation{id, userId, advisorId, status, count, at, at, title},
               workspace, details);
    });
    return id;
}

int ChatStore::removeForAdvisor(const std::string& userId, const std::string& advisorId, const std::string& actorId) {
    int n = 0;
    const auto workspace = workspaceOfOwner(userId);
    db_->withTransaction([&](Poco::Data::Session& s) {
        std::string u = userId, a = advisorId;
        std::vector<ConvRow> rows;
        s << std::string(kConvColumns) + "WHERE user_id = $1 AND advisor_id = $2", use(u), use(a), into(rows), now;
        n = static_cast<int>(rows.size());
        for (const auto& row : rows) {
            Conversation c = fromRow(row);
            if (onDelete_) onDelete_(s, c.id);
            auto details = advisorDetails(advisorId);
            details->set("reason", "advisor_deleted");
            record(s, "conversation.deleted", actorId, c, workspace, details);
        }
        s << "DELETE FROM conversations WHERE user_id = $1 AND advisor_id = $2", use(u), use(a), now;
    });
    return n;
}

}  // namespace hub::plugins::chat
