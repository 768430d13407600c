// LLM providers behind the chat plugin: the offline `echo` provider and any OpenAI-compatible
// `POST {base_url}/chat/completions` endpoint with incremental SSE parsing.
#pragma once

#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <vector>

#include <Poco/AutoPtr.h>
#include <Poco/Crypto/OpenSSLInitializer.h>
#include <Poco/JSON/Array.h>
#include <Poco/Net/Context.h>
#include <Poco/JSON/Object.h>

namespace hub::plugins::chat {

/// Lets another thread stop a generation: sets the flag and closes the upstream connection.
class CancelToken {
public:
    void cancel();
    bool cancelled() const { return cancelled_.load(); }
    /// Called by a provider while it holds an upstream connection; cleared with nullptr.
    void setAbort(std::function<void()> abort);

private:
    std::atomic<bool> cancelled_{false};
    std::mutex mutex_;
    std::function<void()> abort_;
};

struct ToolCallOut {
    std::string id;
    std::string name;
    std::string arguments;  ///< JSON text as the model produced it
};

struct CompletionRequest {
    std::string model;
    Poco::JSON::Object::Ptr params;                 ///< temperature, max_tokens, top_p, ... (non-null only)
    std::vector<Poco::JSON::Object::Ptr> messages;  ///< OpenAI chat messages
    Poco::JSON::Array::Ptr tools;                   ///< OpenAI tool definitions (may be empty)
};

struct Completion {
    std::string content;
    std::vector<ToolCallOut> toolCalls;
    std::string finishReason;
    Poco::JSON::Object::Ptr usage;  ///< prompt_tokens, completion_tokens, total_tokens (may be null)
    std::string upstreamId;
};

/// A failure before or during generation, worded for the client's error event.
class ProviderError : public std::runtime_error {
public:
    explicit ProviderError(const std::string& message, std::string partial = {})
        : std::runtime_error(message), partial_(std::move(partial)) {}
    /// Text the provider produced before it failed (stored with finish_reason "error").
    const std::string& partial() const { return partial_; }

private:
    std::string partial_;
};

class LlmProvider {
public:
    virtual ~LlmProvider();
    /// Generates a reply, calling `onDelta` for each text piece as it arrives. Returns what
    /// was produced (also when cancelled: the partial reply). Throws ProviderError.
    virtual Completion complete(const CompletionRequest& request,
                                const std::function<void(const std::string&)>& onDelta, CancelToken& cancel) = 0;
};

/**
 * Offline provider: replies "Echo: <last user message>" in several chunks (pausing
 * `chunkDelayMs` between them, so cancel can be tested). A user message containing
 * `[[tool:NAME {json}]]` makes it request that tool call instead, once per user message;
 * after the tool result it replies "Tool NAME returned: <result>".
 */
class EchoProvider : public LlmProvider {
public:
    explicit EchoProvider(int chunkDelayMs) : chunkDelayMs_(chunkDelayMs) {}
    Completion complete(const CompletionRequest& request, const std::function<void(const std::string&)>& onDelta,
                        CancelToken& cancel) override;

private:
    int chunkDelayMs_;
};

struct OpenAiSettings {
    std::string name;
    std::string baseUrl;
    std::string apiKey;
    std::map<std::string, std::string> headers;
    std::map<std::string, std::string> modelAliases;
    int connectTimeoutSeconds = 10;
    int readTimeoutSeconds = 120;
    int retries = 2;  ///< attempts after the first, only before any byte of the reply
    std::string caFile;  ///< PEM file of CAs to trust for https (empty = the system's CAs)
};

class OpenAiProvider : public LlmProvider {
public:
    /// Throws ProviderError when the TLS settings cannot be loaded (bad ca_file).
    explicit OpenAiProvider(OpenAiSettings settings);
    ~OpenAiProvider() override;
    Completion complete(const CompletionRequest& request, const std::function<void(const std::string&)>& onDelta,
                        CancelToken& cancel) override;

private:
    OpenAiSettings s_;
    Poco::Crypto::OpenSSLInitializer openssl_;  ///< OpenSSL stays initialised while the provider exists
    Poco::AutoPtr<Poco::Net::Context> tls_;     ///< peer verification with the system or configured CAs
};

}  // namespace hub::plugins::chat
