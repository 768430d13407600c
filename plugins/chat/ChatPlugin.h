// The chat feature: per-user conversations with advisors, replies streamed from an LLM
// provider as HubGPT's SSE events, cancel from any thread, and a tool loop over the tools
// plugins register.
#pragma once

#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "ChatStore.h"
#include "Providers.h"
#include "hub/sdk/Sdk.h"

namespace hub::plugins::advisors {
class IAdvisorLookup;
}
namespace hub::plugins::files {
class IFileReader;
}

namespace hub::plugins::chat {

class ChatPlugin : public sdk::Plugin {
public:
    void declareConfig(sdk::ConfigSchema& schema) const override;
    void registerComponents(sdk::Registrar& registrar, const sdk::ConfigView& config) override;
    void start(sdk::PluginContext& context) override;
    void stop() noexcept override;

private:
    /// The conversation of the path and the caller's rights on it: its owner holds every bit,
    /// others need a live grant with `bits` (404 when invisible, 403 without the bits).
    std::pair<Conversation, sdk::AccessDecision> reachable(sdk::RequestContext& ctx, uint32_t bits) const;
    /// reachable() for acts that hand the conversation on: the owner, reshare or manage.
    Conversation resharable(sdk::RequestContext& ctx) const;
    /// Who owns conversations made on this route: the caller, or under
    /// /api/v1/workspaces/{workspace_id} the workspace's account when the caller's role there
    /// gives `bits` (404 for non-members and deleted workspaces, 403 without the bits).
    std::string spaceOwner(sdk::RequestContext& ctx, uint32_t bits) const;
    /// The advisor a new conversation of `owner` talks to (404 when the owner cannot reach it;
    /// 422 when a workspace's conversation names an advisor that is not the workspace's).
    Poco::JSON::Object::Ptr advisorForNew(sdk::RequestContext& ctx, const std::string& owner,
                                          const std::string& advisorId) const;
    void sendMessage(sdk::RequestContext& ctx);
    void createLink(sdk::RequestContext& ctx);
    void listLinks(sdk::RequestContext& ctx);
    void revokeLink(sdk::RequestContext& ctx);
    /// The public snapshot of a link (signed out); a browser is sent to the page.
    void sharedChat(sdk::RequestContext& ctx);
    /// A signed-in reader's own copy of a snapshot.
    void continueShared(sdk::RequestContext& ctx);
    /// The conversation and its messages as a link shows them; counts one view.
    struct Snapshot {
        sdk::ShareLink link;
        Conversation conversation;
        std::vector<StoredMessage> messages;
        std::string advisorName;
        std::string title;
    };
    Snapshot openSnapshot(sdk::RequestContext& ctx);
    /// `hubd import chats DIR --user NAME`: HubGPT's advisors/chats and advisors/archive files.
    int importChats(sdk::CommandContext& c);
    Poco::JSON::Object::Ptr advisorFor(const std::string& userId, const std::string& advisorId) const;
    LlmProvider* providerFor(const std::string& gateway) const;
    /// Tool threads started by one request; the request does not end before they do, so a
    /// tool that ran past its timeout still finishes before the server drains and plugins stop.
    struct ToolThreads {
        std::mutex mutex;
        std::condition_variable done;
        int running = 0;
        void waitAll();
    };
    /// Runs one tool call for the model; never throws (errors become the result text).
    ToolCallRecord runTool(const ToolCallOut& call, const Poco::JSON::Object::Ptr& advisor,
                           const sdk::AuthContext& caller, const std::string& requestId,
                           const std::shared_ptr<ToolThreads>& threads) const;
    std::shared_ptr<CancelToken> beginGeneration(const std::string& conversationId);
    void endGeneration(const std::string& conversationId);

    sdk::ConfigView config_;
    int maxToolRounds_ = 4;
    int toolTimeoutSeconds_ = 30;
    std::map<std::string, std::unique_ptr<LlmProvider>> providers_;
    std::shared_ptr<ChatStore> store_;
    /// Expands include tags; `budget` (bytes) is shared by every message of one request.
    std::string expandIncludes(const std::string& text, const std::string& userId, std::size_t& budget) const;

    std::shared_ptr<advisors::IAdvisorLookup> advisors_;
    std::shared_ptr<files::IFileReader> files_;  ///< null when the files plugin is off
    std::shared_ptr<sdk::IToolRegistry> tools_;
    std::shared_ptr<sdk::IAccess> access_;
    std::shared_ptr<sdk::IShareLinks> links_;
    std::shared_ptr<sdk::IAuth> auth_;
    std::shared_ptr<sdk::IClock> clock_;
    Poco::Logger* logger_ = nullptr;

    std::mutex activeMutex_;
    std::map<std::string, std::shared_ptr<CancelToken>> active_;
};

}  // namespace hub::plugins::chat
