// Conversations, messages and tool calls of the chat feature (the PRD's tables), per user.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <Poco/JSON/Object.h>

#include "hub/sdk/services/IActivity.h"
#include "hub/sdk/services/IAccess.h"
#include "hub/sdk/services/IClock.h"
#include "hub/sdk/services/IDatabase.h"

namespace hub::plugins::chat {

struct Conversation {
    std::string id;
    std::string userId;
    std::string advisorId;
    std::string status;
    int64_t messageCount = 0;
    int64_t createdAt = 0;
    int64_t updatedAt = 0;
    std::string title;  ///< "" when none (imports set one)
};

struct StoredMessage {
    std::string id;
    std::string role;
    std::string content;
    std::string name;
    std::string toolCallsJson;  ///< "" when none
    std::string toolCallId;
    int64_t sequence = 0;
};

/// What an assistant (or tool) message adds when it is stored.
struct NewMessage {
    std::string role;
    std::string content;
    std::string name;
    std::string toolCallsJson;
    std::string toolCallId;
    std::string finishReason;
    Poco::JSON::Object::Ptr usage;
    std::string upstreamId;
};

struct ToolCallRecord {
    std::string toolCallId;
    std::string toolName;
    std::string arguments;
    std::string result;
    std::string status;  ///< "ok", "error", "timeout", "unknown_tool", "bad_arguments"
    int64_t durationMs = 0;
};

/**
 * Conversations are owned by a user or by a workspace's account. What happens to a
 * conversation as a whole (created, imported, deleted, links made and revoked) is recorded in
 * core.activity.v1 under the conversation's owner, inside the change's transaction; messages
 * are not (they are the conversation's content, and there are many).
 */
class ChatStore {
public:
    /// Runs in the transaction that deletes a conversation (drops its grants and links).
    using OnDelete = std::function<void(Poco::Data::Session&, const std::string& conversationId)>;

    /// `activity` may be null (changes are then not recorded); `auth` tells workspace accounts
    /// from people (null: every owner is a person).
    ChatStore(std::shared_ptr<sdk::IDatabase> db, std::shared_ptr<sdk::IClock> clock, OnDelete onDelete = {},
              std::shared_ptr<sdk::IActivity> activity = nullptr, std::shared_ptr<sdk::IAccess> access = nullptr);

    /// The workspace whose account `ownerId` is, or nullopt for a person.
    std::optional<std::string> workspaceOfOwner(const std::string& ownerId) const;

    /// A new conversation of `userId` (a user or a workspace's account), made by `actorId`
    /// (empty: the owner).
    Conversation create(const std::string& userId, const std::string& advisorId, const std::string& actorId = "");
    std::optional<Conversation> find(const std::string& userId, const std::string& id) const;
    /// The conversation whoever owns it (access checks are the caller's).
    std::optional<Conversation> findAny(const std::string& id) const;
    std::vector<Conversation> forAdvisor(const std::string& userId, const std::string& advisorId) const;
    std::optional<Conversation> latestActive(const std::string& userId, const std::string& advisorId) const;
    std::vector<StoredMessage> messages(const std::string& conversationId) const;
    /// The messages up to and including `sequence` (a snapshot's cutoff).
    std::vector<StoredMessage> messagesUpTo(const std::string& conversationId, int64_t sequence) const;
    /// Appends a message (sequence = count + 1) and bumps the conversation; returns its id.
    std::string append(const std::string& conversationId, const NewMessage& m);
    void recordToolCall(const std::string& conversationId, const std::string& messageId, const ToolCallRecord& call);
    bool remove(const std::string& userId, const std::string& id, const std::string& actorId = "");
    /// True when the user has a conversation with this title (importers mark their source in it).
    bool hasTitle(const std::string& userId, const std::string& title) const;
    /// Stores a whole conversation at once (HubGPT's legacy chat files, a snapshot's copy);
    /// returns its id. Recorded as conversation.imported with `source` ("hubgpt", "link") by
    /// `actorId` (empty: Hub itself, as for `hubd import chats`).
    std::string importConversation(const std::string& userId, const std::string& advisorId, const std::string& status,
                                   const std::string& title, int64_t at, const std::vector<NewMessage>& messages,
                                   const std::string& actorId = "", const std::string& source = "hubgpt");
    /// Deletes the owner's conversations with an advisor that was deleted, each recorded as
    /// conversation.deleted with reason "advisor_deleted".
    int removeForAdvisor(const std::string& userId, const std::string& advisorId, const std::string& actorId = "");
    /// Records a share-link change (conversation.link_created / link_revoked) in a transaction
    /// of its own: links are made by core.links.v1 in theirs.
    void recordLink(const std::string& action, const std::string& actorId, const Conversation& c,
                    Poco::JSON::Object::Ptr details) const;

private:
    sdk::ActivityEntry entry(const std::string& action, const std::string& actorId, const Conversation& c,
                             const std::optional<std::string>& workspaceId, Poco::JSON::Object::Ptr details) const;
    void record(Poco::Data::Session& s, const std::string& action, const std::string& actorId, const Conversation& c,
                const std::optional<std::string>& workspaceId, Poco::JSON::Object::Ptr details) const;

    std::shared_ptr<sdk::IDatabase> db_;
    std::shared_ptr<sdk::IClock> clock_;
    OnDelete onDelete_;
    std::shared_ptr<sdk::IActivity> activity_;
    std::shared_ptr<sdk::IAccess> access_;
};

}  // namespace hub::plugins::chat
