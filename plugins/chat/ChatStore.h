// Conversations, messages and tool calls of the chat feature (the PRD's tables), per user.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <Poco/JSON/Object.h>

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

class ChatStore {
public:
    /// Runs in the transaction that deletes a conversation (drops its grants and links).
    using OnDelete = std::function<void(Poco::Data::Session&, const std::string& conversationId)>;

    ChatStore(std::shared_ptr<sdk::IDatabase> db, std::shared_ptr<sdk::IClock> clock, OnDelete onDelete = {});

    Conversation create(const std::string& userId, const std::string& advisorId);
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
    bool remove(const std::string& userId, const std::string& id);
    /// True when the user has a conversation with this title (importers mark their source in it).
    bool hasTitle(const std::string& userId, const std::string& title) const;
    /// Stores a whole conversation at once (HubGPT's legacy chat files); returns its id.
    std::string importConversation(const std::string& userId, const std::string& advisorId, const std::string& status,
                                   const std::string& title, int64_t at, const std::vector<NewMessage>& messages);
    int removeForAdvisor(const std::string& userId, const std::string& advisorId);

private:
    std::shared_ptr<sdk::IDatabase> db_;
    std::shared_ptr<sdk::IClock> clock_;
    OnDelete onDelete_;
};

}  // namespace hub::plugins::chat
