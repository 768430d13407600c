#include "Providers.h"

#include <chrono>
#include <sstream>
#include <thread>

#include <Poco/Exception.h>
#include <Poco/JSON/Parser.h>
#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/Net/HTTPSClientSession.h>
#include <Poco/Net/NetException.h>
#include <Poco/Net/SSLException.h>
#include <Poco/StreamCopier.h>
#include <Poco/String.h>
#include <Poco/URI.h>

#include "hub/sdk/Json.h"

namespace hub::plugins::chat {

LlmProvider::~LlmProvider() = default;

void CancelToken::cancel() {
    cancelled_ = true;
    // Under the lock: the provider clears the abort hook (and only then closes its session)
    // under the same lock, so the hook never runs on a destroyed session.
    std::lock_guard<std::mutex> lock(mutex_);
    if (abort_) abort_();
}

void CancelToken::setAbort(std::function<void()> abort) {
    std::lock_guard<std::mutex> lock(mutex_);
    abort_ = std::move(abort);
}

namespace {

std::string lastUserMessage(const CompletionRequest& r) {
    for (auto it = r.messages.rbegin(); it != r.messages.rend(); ++it) {
        if ((*it)->optValue<std::string>("role", "") == "user") return (*it)->optValue<std::string>("content", "");
    }
    return {};
}

/// The tool result that follows the last user message, if any.
const Poco::JSON::Object::Ptr* toolResultAfterLastUser(const CompletionRequest& r) {
    const Poco::JSON::Object::Ptr* result = nullptr;
    for (const auto& m : r.messages) {
        std::string role = m->optValue<std::string>("role", "");
        if (role == "user") result = nullptr;
        if (role == "tool") result = &m;
    }
    return result;
}

}  // namespace

Completion EchoProvider::complete(const CompletionRequest& request, const std::function<void(const std::string&)>& onDelta,
                                  CancelToken& cancel) {
    Completion out;
    std::string text = lastUserMessage(request);
    auto open = text.find("[[tool:");
    auto close = open == std::string::npos ? std::string::npos : text.find("]]", open);
    if (const auto* result = toolResultAfterLastUser(request)) {
        text = "Tool " + (*result)->optValue<std::string>("name", "") + " returned: " +
               (*result)->optValue<std::string>("content", "");
    } else if (open != std::string::npos && close != std::string::npos) {
        std::string spec = text.substr(open + 7, close - open - 7);
        auto space = spec.find(' ');
        ToolCallOut call;
        call.id = "call_echo_1";
        call.name = spec.substr(0, space);
        call.arguments = space == std::string::npos ? "{}" : Poco::trim(spec.substr(space + 1));
        out.toolCalls.push_back(call);
        out.finishReason = "tool_calls";
        return out;
    } else {
        text = "Echo: " + text;
    }
    // Several chunks, split after spaces, so clients see streaming.
    std::size_t pos = 0;
    int words = 0;
    while (pos < text.size()) {
        if (cancel.cancelled()) {
            out.finishReason = "cancelled";
            return out;
        }
        std::size_t end = pos;
        for (int w = 0; w < 3 && end < text.size(); ++w) {
            auto sp = text.find(' ', end);
            end = sp == std::string::npos ? text.size() : sp + 1;
        }
        std::string piece = text.substr(pos, end - pos);
        out.content += piece;
        onDelta(piece);
        pos = end;
        ++words;
        if (chunkDelayMs_ > 0 && pos < text.size()) {
            std::this_thread::sleep_for(std::chrono::milliseconds(chunkDelayMs_));
        }
    }
    out.finishReason = "stop";
    auto usage = sdk::json::object();
    int prompt = 0;
    for (const auto& m : request.messages) prompt += static_cast<int>(m->optValue<std::string>("content", "").size() / 4 + 1);
    usage->set("prompt_tokens", prompt);
    usage->set("completion_tokens", words);
    usage->set("total_tokens", prompt + words);
    out.usage = usage;
    return out;
}

namespace {

/// Folds one streamed chunk (`choices[0].delta`) into the completion.
void applyChunk(const Poco::JSON::Object::Ptr& chunk, Completion& out, std::map<int, ToolCallOut>& calls,
                const std::function<void(const std::string&)>& onDelta) {
    if (out.upstreamId.empty()) out.upstreamId = chunk->optValue<std::string>("id", "");
    if (chunk->has("usage") && chunk->isObject("usage")) out.usage = chunk->getObject("usage");
    auto choices = chunk->getArray("choices");
    if (!choices || choices->size() == 0) return;
    auto choice = choices->getObject(0);
    if (!choice) return;
    if (choice->has("finish_reason") && !choice->isNull("finish_reason")) {
        out.finishReason = choice->getValue<std::string>("finish_reason");
    }
    auto delta = choice->getObject("delta");
    if (!delta) return;
    if (delta->has("content") && !delta->isNull("content")) {
        std::string text = delta->getValue<std::string>("content");
        if (!text.empty()) {
            out.content += text;
            if (out.content.size() > 16 * 1024 * 1024) throw ProviderError("the reply is too large", out.content);
            onDelta(text);
        }
    }
    // Tool calls arrive split across chunks: id and name first, arguments in pieces, keyed by index.
    if (auto tc = delta->getArray("tool_calls")) {
        for (std::size_t i = 0; i < tc->size(); ++i) {
            auto part = tc->getObject(static_cast<unsigned>(i));
            if (!part) continue;
            int index = part->optValue<int>("index", static_cast<int>(i));
            if (index < 0 || index >= 64 || (calls.size() >= 64 && !calls.count(index))) {
                throw ProviderError("the provider asked for too many tool calls", out.content);
            }
            ToolCallOut& call = calls[index];
            if (part->has("id") && !part->isNull("id")) call.id = part->getValue<std::string>("id");
            if (auto fn = part->getObject("function")) {
                // Some servers repeat the name in every chunk: the first one is the name.
                if (call.name.empty() && fn->has("name") && !fn->isNull("name")) call.name = fn->getValue<std::string>("name");
                if (fn->has("arguments") && !fn->isNull("arguments")) call.arguments += fn->getValue<std::string>("arguments");
                if (call.arguments.size() > 1024 * 1024) throw ProviderError("a tool call's arguments are too large", out.content);
            }
        }
    }
}

std::unique_ptr<Poco::Net::HTTPClientSession> openSession(const Poco::URI& uri, const OpenAiSettings& s,
                                                        const Poco::AutoPtr<Poco::Net::Context>& tls) {
    std::unique_ptr<Poco::Net::HTTPClientSession> session;
    if (uri.getScheme() == "https") {
        session = std::make_unique<Poco::Net::HTTPSClientSession>(uri.getHost(), uri.getPort(),
                                                                  Poco::Net::Context::Ptr(tls));
    } else {
        session = std::make_unique<Poco::Net::HTTPClientSession>(uri.getHost(), uri.getPort());
    }
    session->setTimeout(Poco::Timespan(s.connectTimeoutSeconds, 0), Poco::Timespan(s.readTimeoutSeconds, 0),
                        Poco::Timespan(s.readTimeoutSeconds, 0));
    return session;
}

}  // namespace

OpenAiProvider::OpenAiProvider(OpenAiSettings settings) : s_(std::move(settings)) {
    try {
        // VERIFY_RELAXED on a client verifies the server's certificate chain (and POCO checks
        // the host name); the system CAs are used unless a ca_file is configured.
        tls_ = new Poco::Net::Context(Poco::Net::Context::TLS_CLIENT_USE, s_.caFile, Poco::Net::Context::VERIFY_RELAXED, 9,
                                      s_.caFile.empty());
    } catch (const Poco::Exception& e) {
        throw ProviderError("provider '" + s_.name + "': cannot set up TLS: " + e.displayText());
    }
}

OpenAiProvider::~OpenAiProvider() = default;

Completion OpenAiProvider::complete(const CompletionRequest& request,
                                    const std::function<void(const std::string&)>& onDelta, CancelToken& cancel) {
    auto body = sdk::json::object();
    auto alias = s_.modelAliases.find(request.model);
    body->set("model", alias != s_.modelAliases.end() ? alias->second : request.model);
    if (request.params) {
        for (const auto& k : request.params->getNames()) body->set(k, request.params->get(k));
    }
    body->set("stream", true);
    auto messages = sdk::json::array();
    for (const auto& m : request.messages) messages->add(m);
    body->set("messages", messages);
    if (request.tools && request.tools->size() > 0) {
        body->set("tools", request.tools);
        body->set("tool_choice", "auto");
    }
    auto streamOptions = sdk::json::object();
    streamOptions->set("include_usage", true);
    body->set("stream_options", streamOptions);
    std::string payload = sdk::json::stringify(body);

    Poco::URI uri;
    try {
        uri = Poco::URI(s_.baseUrl);
    } catch (const Poco::Exception& e) {
        throw ProviderError("provider '" + s_.name + "' has an invalid base_url: " + e.message());
    }
    std::string path = uri.getPath();
    while (!path.empty() && path.back() == '/') path.pop_back();
    path += "/chat/completions";

    for (int attempt = 0;; ++attempt) {
        if (cancel.cancelled()) return Completion{"", {}, "cancelled", nullptr, ""};
        auto session = openSession(uri, s_, tls_);
        Poco::Net::HTTPClientSession* raw = session.get();
        cancel.setAbort([raw] {
            try {
                raw->socket().shutdown();
            } catch (...) {
            }
        });
        Completion out;
        bool receiving = false;
        try {
            Poco::Net::HTTPRequest req(Poco::Net::HTTPRequest::HTTP_POST, path, Poco::Net::HTTPMessage::HTTP_1_1);
            req.setContentType("application/json");
            req.setContentLength64(static_cast<Poco::Int64>(payload.size()));
            req.set("Accept", "text/event-stream");
            if (!s_.apiKey.empty()) req.set("Authorization", "Bearer " + s_.apiKey);
            for (const auto& [k, v] : s_.headers) req.set(k, v);
            session->sendRequest(req) << payload;
            Poco::Net::HTTPResponse resp;
            std::istream& in = session->receiveResponse(resp);
            if (resp.getStatus() != Poco::Net::HTTPResponse::HTTP_OK) {
                std::string text;
                Poco::StreamCopier::copyToString(in, text);
                if (text.size() > 2000) text.resize(2000);
                if (static_cast<int>(resp.getStatus()) >= 500 && attempt < s_.retries) {
                    cancel.setAbort(nullptr);  // before this session goes away
                    std::this_thread::sleep_for(std::chrono::milliseconds(200 * (attempt + 1)));
                    continue;
                }
                throw ProviderError("Error code: " + std::to_string(static_cast<int>(resp.getStatus())) + " - " + text);
            }
            receiving = true;
            in.exceptions(std::ios::badbit);  // a read timeout must surface, not look like the end
            std::map<int, ToolCallOut> calls;
            std::string line, data;
            bool sawDone = false;
            while (std::getline(in, line)) {
                if (line.size() > 8 * 1024 * 1024 || data.size() > 8 * 1024 * 1024) {
                    throw ProviderError("the provider sent an oversized event", out.content);
                }
                if (!line.empty() && line.back() == '\r') line.pop_back();
                if (line.empty()) {
                    if (data == "[DONE]") {
                        sawDone = true;
                        break;
                    }
                    if (!data.empty()) {
                        Poco::JSON::Parser parser;
                        Poco::Dynamic::Var v;
                        try {
                            v = parser.parse(data);
                        } catch (const Poco::Exception&) {
                            throw ProviderError("the provider sent malformed JSON in its stream", out.content);
                        }
                        if (v.type() == typeid(Poco::JSON::Object::Ptr)) {
                            auto chunk = v.extract<Poco::JSON::Object::Ptr>();
                            if (chunk->has("error")) {
                                throw ProviderError("the provider reported an error: " +
                                                        sdk::json::stringify(chunk->get("error")),
                                                    out.content);
                            }
                            applyChunk(chunk, out, calls, onDelta);
                        }
                    }
                    data.clear();
                    if (cancel.cancelled()) break;
                    continue;
                }
                if (line.rfind("data:", 0) == 0) {
                    std::string piece = line.substr(5);
                    if (!piece.empty() && piece.front() == ' ') piece.erase(0, 1);
                    data += piece;
                }
            }
            for (auto& [index, call] : calls) out.toolCalls.push_back(call);
            cancel.setAbort(nullptr);
            if (cancel.cancelled()) {
                out.finishReason = "cancelled";
                return out;
            }
            // A stream that ends without [DONE] or a finish_reason was cut off, not finished.
            if (!sawDone && out.finishReason.empty()) {
                throw ProviderError("the provider's stream ended before the reply was complete", out.content);
            }
            return out;
        } catch (const ProviderError&) {
            cancel.setAbort(nullptr);
            throw;
        } catch (const Poco::Exception& e) {
            cancel.setAbort(nullptr);
            if (cancel.cancelled()) {
                out.finishReason = "cancelled";
                return out;
            }
            if (!receiving && attempt < s_.retries) {
                std::this_thread::sleep_for(std::chrono::milliseconds(200 * (attempt + 1)));
                continue;
            }
            if (receiving) throw ProviderError("the provider's stream broke off: " + e.displayText(), out.content);
            if (dynamic_cast<const Poco::TimeoutException*>(&e)) throw ProviderError("Request timed out.");
            if (dynamic_cast<const Poco::Net::SSLException*>(&e)) {
                throw ProviderError("TLS error talking to the provider: " + e.displayText());
            }
            throw ProviderError("Connection error.");
        }
    }
}

}  // namespace hub::plugins::chat
