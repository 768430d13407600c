#include "ChatPlugin.h"

#include <algorithm>
#include <cctype>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <cstdlib>
#include <ctime>
#include <future>
#include <thread>

#include <Poco/String.h>

#include "AdvisorLookup.h"
#include "FileReader.h"
#include "Migrations.h"
#include "PyJson.h"

namespace hub::plugins::chat {
namespace {

constexpr std::size_t kMessageBodyLimit = 2 * 1024 * 1024;
constexpr const char* kConversationType = "conversation";
/// view: read it; use: read and continue it; reshare/manage: share it on (grants and links).
constexpr uint32_t kConversationBits =
    sdk::access::kView | sdk::access::kUse | sdk::access::kReshare | sdk::access::kManage;

std::string iso(int64_t micros) { return sdk::IClock::formatIso(micros, true); }

Poco::JSON::Object::Ptr messageJson(const StoredMessage& m) {
    auto o = sdk::json::object();
    o->set("role", m.role);
    o->set("content", m.content);
    Poco::Dynamic::Var calls;
    if (!m.toolCallsJson.empty()) {
        try {
            calls = sdk::json::parseStrict(m.toolCallsJson);
        } catch (...) {
        }
    }
    o->set("tool_calls", calls);
    o->set("tool_call_id", m.toolCallId.empty() ? Poco::Dynamic::Var() : Poco::Dynamic::Var(m.toolCallId));
    return o;
}

Poco::JSON::Object::Ptr historyJson(const Conversation& c, const std::vector<StoredMessage>& messages) {
    auto o = sdk::json::object();
    o->set("id", c.id);
    o->set("advisor_id", c.advisorId);
    auto list = sdk::json::array();
    for (const auto& m : messages) list->add(messageJson(m));
    o->set("messages", list);
    o->set("created_at", iso(c.createdAt));
    o->set("updated_at", iso(c.updatedAt));
    return o;
}

Poco::JSON::Object::Ptr metadataJson(const Conversation& c) {
    auto o = sdk::json::object();
    o->set("id", c.id);
    o->set("advisor_id", c.advisorId);
    o->set("created_at", iso(c.createdAt));
    o->set("updated_at", iso(c.updatedAt));
    o->set("message_count", c.messageCount);
    return o;
}

std::string formatNow(const std::string& fmt) {
    std::time_t t = std::time(nullptr);
    std::tm tm{};
    gmtime_r(&t, &tm);
    char buf[256] = {0};
    if (fmt.size() > 100 || std::strftime(buf, sizeof buf, fmt.c_str(), &tm) == 0) buf[0] = '\0';
    return buf;
}

}  // namespace

/**
 * HubGPT's include tags (contract §7), expanded for the user who sends the message, in one
 * pass (included text is not scanned again): `<$datetime$>`, `<$datetime:FMT$>` (UTC),
 * `<$file:PATH$>` (the user's file, trimmed), `<$dir:PATTERN$>` (every matching file as
 * `=== path ===` blocks) and the legacy bare `<$PATH$>` (left as is when no such file).
 * Each file is cut at kIncludeFileBytes and all includes together at kIncludeTotalBytes.
 */
std::string ChatPlugin::expandIncludes(const std::string& text, const std::string& userId, std::size_t& budget) const {
    constexpr std::size_t kIncludeFileBytes = 256 * 1024;
    auto read = [&](const std::string& path) -> std::optional<std::string> {
        if (!files_ || budget == 0) return std::nullopt;
        auto content = files_->readText(userId, path, std::min(kIncludeFileBytes, budget));
        if (content) budget -= std::min(budget, content->size());
        return content;
    };
    std::string out;
    std::size_t pos = 0;
    while (true) {
        std::size_t open = text.find("<$", pos);
        if (open == std::string::npos) break;
        std::size_t close = text.find("$>", open + 2);
        std::size_t newline = text.find('\n', open);
        if (close == std::string::npos || (newline != std::string::npos && newline < close)) {
            out += text.substr(pos, open + 2 - pos);
            pos = open + 2;
            continue;
        }
        std::string tag = text.substr(open + 2, close - open - 2);
        std::string replacement = text.substr(open, close + 2 - open);  // unknown tags stay
        if (tag == "datetime") {
            replacement = formatNow("%Y-%m-%d %H:%M:%S");
        } else if (tag.rfind("datetime:", 0) == 0) {
            replacement = formatNow(Poco::trim(tag.substr(9)));
        } else if (tag.rfind("file:", 0) == 0) {
            std::string path = tag.substr(5);
            auto content = read(path);
            replacement = content ? Poco::trim(*content) : "[Error: File not found: " + path + "]";
        } else if (tag.rfind("dir:", 0) == 0) {
            std::string pattern = tag.substr(4);
            std::string blocks;
            if (files_) {
                for (const auto& path : files_->match(userId, pattern)) {
                    auto content = read(path);
                    if (!content) continue;
                    blocks += (blocks.empty() ? "" : "\n\n") + std::string("=== ") + path + " ===\n" + *content;
                }
            }
            replacement = blocks.empty() ? "[No files found matching pattern " + pattern + "]" : blocks;
        } else if (!tag.empty() && tag.find(':') == std::string::npos) {
            if (auto content = read(tag)) replacement = Poco::trim(*content);
        }
        out += text.substr(pos, open - pos) + replacement;
        pos = close + 2;
    }
    out += text.substr(pos);
    return out;
}

namespace {

std::string usageText(const Poco::JSON::Object::Ptr& usage) {
    if (!usage) return "null";
    std::string out = "{";
    bool first = true;
    for (const char* key : {"prompt_tokens", "completion_tokens", "total_tokens"}) {
        if (!usage->has(key)) continue;
        out += std::string(first ? "" : ", ") + "\"" + key + "\": " + std::to_string(usage->optValue<Poco::Int64>(key, 0));
        first = false;
    }
    return out + "}";
}

std::string toolCallsJson(const std::vector<ToolCallOut>& calls) {
    auto arr = sdk::json::array();
    for (const auto& c : calls) {
        auto o = sdk::json::object();
        o->set("id", c.id);
        o->set("type", "function");
        auto fn = sdk::json::object();
        fn->set("name", c.name);
        fn->set("arguments", c.arguments);
        o->set("function", fn);
        arr->add(o);
    }
    return sdk::json::stringify(arr);
}

/// Checks arguments against the top level of a JSON schema: an object, required keys present,
/// declared properties of the declared primitive types. Returns a problem or "".
std::string argumentProblem(const std::string& argsJson, const std::string& schemaJson) {
    Poco::JSON::Object::Ptr args;
    try {
        args = sdk::json::parseStrictObject(argsJson.empty() ? "{}" : argsJson, 32);
    } catch (const sdk::Error&) {
        return "arguments are not a JSON object";
    }
    Poco::JSON::Object::Ptr schema;
    try {
        schema = sdk::json::parseStrictObject(schemaJson.empty() ? "{}" : schemaJson, 64);
    } catch (const sdk::Error&) {
        return {};
    }
    if (auto required = schema->getArray("required")) {
        for (std::size_t i = 0; i < required->size(); ++i) {
            std::string key = required->getElement<std::string>(static_cast<unsigned>(i));
            if (!args->has(key)) return "missing required argument '" + key + "'";
        }
    }
    if (auto props = schema->getObject("properties")) {
        for (const auto& key : args->getNames()) {
            auto prop = props->getObject(key);
            if (!prop || !prop->has("type")) continue;
            std::string type = prop->optValue<std::string>("type", "");
            auto v = args->get(key);
            bool ok = true;
            if (type == "string") ok = v.isString();
            else if (type == "integer") ok = v.isInteger() && !v.isBoolean();
            else if (type == "number") ok = v.isNumeric() && !v.isBoolean();
            else if (type == "boolean") ok = v.isBoolean();
            else if (type == "object") ok = v.type() == typeid(Poco::JSON::Object::Ptr);
            else if (type == "array") ok = v.type() == typeid(Poco::JSON::Array::Ptr);
            if (!ok) return "argument '" + key + "' should be of type " + type;
        }
    }
    return {};
}

}  // namespace

void ChatPlugin::declareConfig(sdk::ConfigSchema& schema) const {
    schema.object("providers").defaultValue(sdk::json::object())
        .description("name -> {base_url, api_key_env, headers, models, connect_timeout_seconds, read_timeout_seconds, retries}");
    schema.integer("echo_chunk_delay_ms").defaultValue(20).min(0).max(5000)
        .description("Pause between the echo provider's chunks");
    schema.integer("max_tool_rounds").defaultValue(4).min(0).max(20);
    schema.integer("tool_timeout_seconds").defaultValue(30).min(1).max(600);
    schema.check([](const sdk::ConfigView& v) {
        std::vector<std::string> errors;
        auto providers = v.getObject("providers");
        for (const auto& name : providers->getNames()) {
            std::string at = "providers." + name + ": ";
            if (providers->get(name).type() != typeid(Poco::JSON::Object::Ptr)) {
                errors.push_back(at + "must be a map");
                continue;
            }
            auto p = providers->getObject(name);
            static const std::set<std::string> known{"base_url", "api_key_env", "headers", "models", "ca_file",
                                                     "connect_timeout_seconds", "read_timeout_seconds", "retries"};
            for (const auto& key : p->getNames()) {
                if (!known.count(key)) errors.push_back(at + "unknown key '" + key + "'");
            }
            if (!p->has("base_url") || !p->get("base_url").isString() ||
                (p->getValue<std::string>("base_url").rfind("http://", 0) != 0 &&
                 p->getValue<std::string>("base_url").rfind("https://", 0) != 0)) {
                errors.push_back(at + "base_url must be an http:// or https:// URL");
            }
            for (const char* key : {"connect_timeout_seconds", "read_timeout_seconds", "retries"}) {
                if (p->has(key) && !(p->get(key).isInteger() && p->getValue<int>(key) >= 0)) {
                    errors.push_back(at + key + " must be a non-negative integer");
                }
            }
            for (const char* key : {"headers", "models"}) {
                if (p->has(key) && p->get(key).type() != typeid(Poco::JSON::Object::Ptr)) {
                    errors.push_back(at + key + " must be a map of strings");
                }
            }
        }
        return errors;
    });
}

void ChatPlugin::registerComponents(sdk::Registrar& r, const sdk::ConfigView& config) {
    config_ = config;
    maxToolRounds_ = static_cast<int>(config.getInt("max_tool_rounds"));
    toolTimeoutSeconds_ = static_cast<int>(config.getInt("tool_timeout_seconds"));
    for (auto& m : chatMigrations()) r.migration(std::move(m));
    using sdk::AuthMode;

    // The same routes start and list the caller's own conversations and, under
    // /api/v1/workspaces/{id}, the workspace's (owned by its account): any member may read
    // them and chat (viewer has use), as every role may chat with the workspace's advisors.
    for (const std::string space : {"/api/v1", "/api/v1/workspaces/{workspace_id}"}) {
        const std::string base = space + "/chat/advisor/{advisor_id}";
        r.route({"POST", base + "/new", AuthMode::Required, 64 * 1024, [this](sdk::RequestContext& ctx) {
                     const auto& who = ctx.requireAuth();
                     std::string owner = spaceOwner(ctx, sdk::access::kUse);
                     std::string advisorId = ctx.pathParam("advisor_id");
                     advisorForNew(ctx, owner, advisorId);
                     ctx.respondJson(200, historyJson(store_->create(owner, advisorId, who.userId), {}));
                 }});
        r.route({"GET", base + "/history", AuthMode::Required, 0, [this](sdk::RequestContext& ctx) {
                     std::string owner = spaceOwner(ctx, sdk::access::kView);
                     auto out = sdk::json::array();
                     for (const auto& c : store_->forAdvisor(owner, ctx.pathParam("advisor_id"))) {
                         out->add(metadataJson(c));
                     }
                     ctx.respondJson(200, out);
                 }});
        r.route({"GET", base + "/latest", AuthMode::Required, 0, [this](sdk::RequestContext& ctx) {
                     const auto& who = ctx.requireAuth();
                     // It may start a conversation, so it needs what /new needs.
                     std::string owner = spaceOwner(ctx, sdk::access::kUse);
                     std::string advisorId = ctx.pathParam("advisor_id");
                     if (auto c = store_->latestActive(owner, advisorId)) {
                         ctx.respondJson(200, historyJson(*c, store_->messages(c->id)));
                         return;
                     }
                     advisorForNew(ctx, owner, advisorId);
                     ctx.respondJson(200, historyJson(store_->create(owner, advisorId, who.userId), {}));
                 }});
    }
    r.route({"GET", "/api/v1/chat/messages/{conversation_id}", AuthMode::Required, 0, [this](sdk::RequestContext& ctx) {
                 auto [c, d] = reachable(ctx, sdk::access::kView);
                 auto out = sdk::json::array();
                 for (const auto& m : store_->messages(c.id)) out->add(messageJson(m));
                 ctx.respondJson(200, out);
             }});
    r.route({"GET", "/api/v1/chat/{conversation_id}", AuthMode::Required, 0, [this](sdk::RequestContext& ctx) {
                 auto [c, d] = reachable(ctx, sdk::access::kView);
                 auto o = historyJson(c, store_->messages(c.id));
                 if (!d.owner) {
                     // A sharee sees whose conversation it is and what they may do with it.
                     auto owner = auth_->findUserById(c.userId);
                     o->set("owner", owner ? Poco::Dynamic::Var(owner->username) : Poco::Dynamic::Var());
                     auto access = sdk::json::array();
                     for (const auto& n : sdk::access::bitNames(d.permissions)) access->add(n);
                     o->set("access", access);
                     if (auto ws = store_->workspaceOfOwner(c.userId)) o->set("workspace_id", *ws);
                 }
                 ctx.respondJson(200, o);
             }});
    r.route({"DELETE", "/api/v1/chat/{conversation_id}", AuthMode::Required, 0, [this](sdk::RequestContext& ctx) {
                 std::string id = ctx.pathParam("conversation_id");
                 auto [c, d] = reachable(ctx, sdk::access::kView);
                 // A workspace's conversation has no person as its owner: its admins and
                 // owners (manage) delete it; everyone else's is deleted by its owner alone.
                 const bool workspaceOwned = store_->workspaceOfOwner(c.userId).has_value();
                 if (!d.owner && !(d.allows(sdk::access::kManage) && workspaceOwned)) {
                     throw sdk::Forbidden(workspaceOwned ? "Only the workspace's admins and owners may delete its conversations"
                                                         : "Only the owner may delete a conversation",
                                          "owner_only");
                 }
                 if (!store_->remove(c.userId, c.id, ctx.requireAuth().userId)) {
                     throw sdk::NotFound("Conversation not found", "conversation_not_found");
                 }
                 auto o = sdk::json::object();
                 o->set("status", "deleted");
                 o->set("id", id);
                 ctx.respondJson(200, o);
             }});
    r.route({"POST", "/api/v1/chat/{conversation_id}/cancel", AuthMode::Required, 64 * 1024,
             [this](sdk::RequestContext& ctx) {
                 auto [c, d] = reachable(ctx, sdk::access::kUse);
                 std::shared_ptr<CancelToken> token;
                 {
                     std::lock_guard<std::mutex> lock(activeMutex_);
                     auto it = active_.find(c.id);
                     if (it != active_.end()) token = it->second;
                 }
                 auto o = sdk::json::object();
                 if (token) token->cancel();
                 o->set("status", token ? "cancelled" : "no_active_stream");
                 ctx.respondJson(200, o);
             }});
    r.route({"POST", "/api/v1/chat/{conversation_id}/links", AuthMode::Required, 64 * 1024,
             [this](sdk::RequestContext& ctx) { createLink(ctx); }});
    r.route({"GET", "/api/v1/chat/{conversation_id}/links", AuthMode::Required, 0,
             [this](sdk::RequestContext& ctx) { listLinks(ctx); }});
    r.route({"DELETE", "/api/v1/chat/{conversation_id}/links/{link}", AuthMode::Required, 0,
             [this](sdk::RequestContext& ctx) { revokeLink(ctx); }});
    r.route({"GET", "/api/v1/shared/chats/{token}", AuthMode::None, 0,
             [this](sdk::RequestContext& ctx) { sharedChat(ctx); }});
    r.route({"POST", "/api/v1/shared/chats/{token}/continue", AuthMode::Required, 64 * 1024,
             [this](sdk::RequestContext& ctx) { continueShared(ctx); }});
    r.route({"POST", "/api/v1/chat/{conversation_id}/message", AuthMode::Required, kMessageBodyLimit,
             [this](sdk::RequestContext& ctx) { sendMessage(ctx); }});
    r.route({"GET", "/api/v1/tools", AuthMode::Required, 0, [this](sdk::RequestContext& ctx) {
                 auto out = sdk::json::array();
                 for (const auto* t : tools_->list()) {
                     if (!tools_->usableBy(ctx.requireAuth().userId, t->name)) continue;
                     auto o = sdk::json::object();
                     o->set("name", t->name);
                     o->set("description", t->description);
                     Poco::Dynamic::Var params = sdk::json::object();
                     try {
                         params = sdk::json::parseStrict(t->inputSchemaJson);
                     } catch (...) {
                     }
                     o->set("parameters", params);
                     o->set("plugin", tools_->ownerOf(t->name));
                     out->add(o);
                 }
                 ctx.respondJson(200, out);
             }});
    r.command({"import chats", "DIR --user NAME",
               "Imports HubGPT's chat files (DIR/chats/*.json, DIR/archive/*.json) as the user's conversations",
               [this](sdk::CommandContext& c) { return importChats(c); }});
    // On SIGTERM the core asks long work to stop before it drains requests: end every stream
    // now (what was produced is stored as cancelled) instead of holding the shutdown.
    r.subscribe("server.stopping", [this](const std::string&, const Poco::JSON::Object::Ptr&) {
        std::lock_guard<std::mutex> lock(activeMutex_);
        for (auto& [id, token] : active_) token->cancel();
    });
    // Deleting an advisor deletes its conversations.
    r.subscribe("advisor.deleted", [this](const std::string&, const Poco::JSON::Object::Ptr& p) {
        if (!store_ || !p) return;
        store_->removeForAdvisor(p->optValue<std::string>("user_id", ""), p->optValue<std::string>("advisor_id", ""),
                                 p->optValue<std::string>("actor_id", ""));
    });
}

void ChatPlugin::start(sdk::PluginContext& ctx) {
    logger_ = &ctx.logger();
    access_ = ctx.services().require<sdk::IAccess>();
    links_ = ctx.services().require<sdk::IShareLinks>();
    auth_ = ctx.services().require<sdk::IAuth>();
    clock_ = ctx.services().require<sdk::IClock>();
    // Deleting a conversation drops its grants and links in the same transaction.
    store_ = std::make_shared<ChatStore>(
        ctx.services().require<sdk::IDatabase>(), clock_,
        [access = access_, links = links_](Poco::Data::Session& s, const std::string& id) {
            access->forgetResource(s, kConversationType, id);
            links->forgetResource(s, kConversationType, id);
        },
        ctx.services().find<sdk::IActivity>(),  // optional: chats work without it
        access_);
    std::weak_ptr<ChatStore> weakStore = store_;
    access_->addResourceType({kConversationType, kConversationBits, [weakStore](const std::string& id) {
                                  std::optional<sdk::AccessResource> out;
                                  if (auto st = weakStore.lock()) {
                                      if (auto c = st->findAny(id)) {
                                          out = sdk::AccessResource{c->userId, c->title.empty() ? "Conversation" : c->title};
                                      }
                                  }
                                  return out;
                              }});
    tools_ = ctx.services().require<sdk::IToolRegistry>();
    advisors_ = ctx.services().find<advisors::IAdvisorLookup>();
    files_ = ctx.services().find<files::IFileReader>();
    if (!advisors_) ctx.logger().warning("the advisors plugin is not running: every chat will answer 'Advisor not found'");
    providers_["echo"] = std::make_unique<EchoProvider>(static_cast<int>(config_.getInt("echo_chunk_delay_ms")));
    auto providers = config_.getObject("providers");
    for (const auto& name : providers->getNames()) {
        auto p = providers->getObject(name);
        OpenAiSettings s;
        s.name = name;
        s.baseUrl = p->getValue<std::string>("base_url");
        std::string keyEnv = p->optValue<std::string>("api_key_env", "");
        if (!keyEnv.empty()) {
            const char* key = std::getenv(keyEnv.c_str());
            if (key == nullptr || *key == '\0') {
                ctx.logger().warning("provider '%s': environment variable %s is not set", name, keyEnv);
            } else {
                s.apiKey = key;
            }
        }
        if (auto h = p->getObject("headers")) {
            for (const auto& k : h->getNames()) s.headers[k] = h->get(k).convert<std::string>();
        }
        if (auto m = p->getObject("models")) {
            for (const auto& k : m->getNames()) s.modelAliases[k] = m->get(k).convert<std::string>();
        }
        s.connectTimeoutSeconds = p->optValue<int>("connect_timeout_seconds", 10);
        s.readTimeoutSeconds = p->optValue<int>("read_timeout_seconds", 120);
        s.retries = p->optValue<int>("retries", 2);
        s.caFile = p->optValue<std::string>("ca_file", "");
        providers_[Poco::toLower(name)] = std::make_unique<OpenAiProvider>(s);
    }
}

void ChatPlugin::stop() noexcept {
    if (access_) access_->removeResourceType(kConversationType);
    std::lock_guard<std::mutex> lock(activeMutex_);
    for (auto& [id, token] : active_) token->cancel();
}

std::string ChatPlugin::spaceOwner(sdk::RequestContext& ctx, uint32_t bits) const {
    const std::string& me = ctx.requireAuth().userId;
    if (ctx.path().rfind("/api/v1/workspaces/", 0) != 0) return me;
    return access_->require(me, "workspace", ctx.pathParam("workspace_id"), bits, "Workspace not found").resource->ownerId;
}

Poco::JSON::Object::Ptr ChatPlugin::advisorForNew(sdk::RequestContext& ctx, const std::string& owner,
                                                  const std::string& advisorId) const {
    // The advisor as the conversation's owner reaches it, because that is how every later
    // message finds it. A workspace's account reaches the workspace's advisors only, so a
    // member's own advisor (which other members could not see, and which would stop answering
    // when they leave) cannot talk in a workspace's conversation.
    if (auto advisor = advisorFor(owner, advisorId)) return advisor;
    const std::string& me = ctx.requireAuth().userId;
    if (owner != me) {
        bool callers = false;
        try {
            callers = advisorFor(me, advisorId) != nullptr;
        } catch (const sdk::Error&) {
            callers = true;  // visible to the caller, though not theirs to chat with
        }
        if (callers) {
            throw sdk::ValidationError("A workspace's conversations are with the workspace's own advisors",
                                       "advisor_not_in_workspace");
        }
    }
    throw sdk::NotFound("Advisor not found", "advisor_not_found");
}

Poco::JSON::Object::Ptr ChatPlugin::advisorFor(const std::string& userId, const std::string& advisorId) const {
    if (!advisors_) return nullptr;
    auto found = advisors_->find(userId, advisorId);
    return found ? *found : nullptr;
}

LlmProvider* ChatPlugin::providerFor(const std::string& gateway) const {
    auto it = providers_.find(Poco::toLower(gateway.empty() ? std::string("echo") : gateway));
    return it == providers_.end() ? nullptr : it->second.get();
}

std::shared_ptr<CancelToken> ChatPlugin::beginGeneration(const std::string& conversationId) {
    std::lock_guard<std::mutex> lock(activeMutex_);
    if (active_.count(conversationId)) {
        throw sdk::Conflict("A reply is already being generated in this conversation", "generation_in_progress");
    }
    auto token = std::make_shared<CancelToken>();
    active_[conversationId] = token;
    return token;
}

void ChatPlugin::endGeneration(const std::string& conversationId) {
    std::lock_guard<std::mutex> lock(activeMutex_);
    active_.erase(conversationId);
}

void ChatPlugin::ToolThreads::waitAll() {
    std::unique_lock<std::mutex> lock(mutex);
    done.wait(lock, [this] { return running == 0; });
}

ToolCallRecord ChatPlugin::runTool(const ToolCallOut& call, const Poco::JSON::Object::Ptr& advisor,
                                   const sdk::AuthContext& caller, const std::string& requestId,
                                   const std::shared_ptr<ToolThreads>& threads) const {
    ToolCallRecord rec{call.id, call.name, call.arguments, "", "ok", 0};
    bool allowed = false;
    if (auto list = advisor->getArray("tools")) {
        for (std::size_t i = 0; i < list->size(); ++i) {
            if (list->get(static_cast<unsigned>(i)).isString() &&
                list->getElement<std::string>(static_cast<unsigned>(i)) == call.name) {
                allowed = true;
            }
        }
    }
    // A tool the user may not use (tools.access, grants) is as unknown as a missing one.
    const sdk::ToolSpec* tool = allowed && tools_->usableBy(caller.userId, call.name) ? tools_->find(call.name) : nullptr;
    if (tool == nullptr) {
        rec.status = "unknown_tool";
        rec.result = "{\"error\": " + pyQuote("unknown tool '" + call.name + "'") + "}";
        return rec;
    }
    if (std::string problem = argumentProblem(call.arguments, tool->inputSchemaJson); !problem.empty()) {
        rec.status = "bad_arguments";
        rec.result = "{\"error\": " + pyQuote(problem) + "}";
        return rec;
    }
    // The tool runs on its own thread so a slow tool cannot hold the reply past the timeout.
    auto promise = std::make_shared<std::promise<std::string>>();
    auto future = promise->get_future();
    sdk::ToolCall invocation{call.arguments.empty() ? "{}" : call.arguments, caller, requestId};
    auto started = std::chrono::steady_clock::now();
    // The thread owns a copy of the tool's function and is counted by its request, which waits
    // for it before it ends (see ToolThreads).
    auto invoke = tool->invoke;
    {
        std::lock_guard<std::mutex> lock(threads->mutex);
        ++threads->running;
    }
    std::thread([invoke, invocation, promise, threads] {
        try {
            promise->set_value(invoke(invocation));
        } catch (...) {
            promise->set_exception(std::current_exception());
        }
        std::lock_guard<std::mutex> lock(threads->mutex);
        if (--threads->running == 0) threads->done.notify_all();
    }).detach();
    if (future.wait_for(std::chrono::seconds(toolTimeoutSeconds_)) != std::future_status::ready) {
        rec.status = "timeout";
        rec.result = "{\"error\": \"the tool did not answer within " + std::to_string(toolTimeoutSeconds_) + " s\"}";
    } else {
        try {
            rec.result = future.get();
        } catch (const std::exception& e) {
            rec.status = "error";
            rec.result = "{\"error\": " + pyQuote(e.what()) + "}";
        }
    }
    rec.durationMs = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started).count();
    return rec;
}

int ChatPlugin::importChats(sdk::CommandContext& c) {
    namespace fs = std::filesystem;
    if (c.args.size() != 1 || !c.options.count("user")) {
        c.err << "usage: hubd import chats DIR --user NAME\n";
        return 64;
    }
    auto user = c.services.require<sdk::IAuth>()->findUserByName(c.options.at("user"));
    if (!user) {
        c.err << "hubd import chats: no user named '" << c.options.at("user") << "'\n";
        return 1;
    }
    fs::path root(c.args[0]);
    std::error_code ec;
    if (!fs::is_directory(root, ec)) {
        c.err << "hubd import chats: not a directory: " << root.string() << "\n";
        return 1;
    }
    if (!advisors_) {
        c.err << "hubd import chats: the advisors plugin is not running\n";
        return 1;
    }
    int imported = 0, skipped = 0;
    for (const char* kind : {"chats", "archive"}) {
        std::vector<fs::path> files;
        for (const auto& e : fs::directory_iterator(root / kind, ec)) {
            // Regular files only: a symlink could pull in a file from anywhere on the host.
            if (e.is_regular_file() && !e.is_symlink() && e.path().extension() == ".json") files.push_back(e.path());
        }
        std::sort(files.begin(), files.end());
        for (const auto& file : files) {
            std::string source = std::string(kind) + "/" + file.filename().string();
            auto skip = [&](const std::string& why) {
                c.out << "skipped " << source << ": " << why << "\n";
                ++skipped;
            };
            // §8: chats/<Name>.json and archive/<Name>_<6 hex>.json; the advisor's display name
            // is the stem with '_' as spaces.
            std::string stem = file.stem().string();
            if (std::string(kind) == "archive") {
                auto us = stem.rfind('_');
                if (us != std::string::npos && stem.size() - us - 1 == 6) stem = stem.substr(0, us);
            }
            std::string name = stem;
            std::replace(name.begin(), name.end(), '_', ' ');
            auto advisorId = advisors_->findIdByName(user->id, name);
            if (!advisorId) {
                skip("no advisor named '" + name + "' for this user (run 'hubd import advisors' first)");
                continue;
            }
            std::string title = "imported:" + source;
            if (store_->hasTitle(user->id, title)) {
                skip("already imported");
                continue;
            }
            constexpr std::size_t kMaxChatFile = 16 * 1024 * 1024;
            std::ifstream in(file, std::ios::binary);
            std::string text(kMaxChatFile + 1, '\0');
            in.read(text.data(), static_cast<std::streamsize>(text.size()));
            text.resize(static_cast<std::size_t>(in.gcount()));
            if (text.size() > kMaxChatFile) {
                skip("larger than 16 MiB");
                continue;
            }
            Poco::Dynamic::Var parsed;
            try {
                parsed = sdk::json::parseStrict(text, 64);
            } catch (const sdk::Error& e) {
                skip(std::string("not valid JSON (") + e.what() + ")");
                continue;
            }
            if (parsed.type() != typeid(Poco::JSON::Array::Ptr)) {
                skip("not a JSON array of messages");
                continue;
            }
            auto list = parsed.extract<Poco::JSON::Array::Ptr>();
            std::vector<NewMessage> messages;
            std::string problem;
            for (std::size_t i = 0; i < list->size() && problem.empty(); ++i) {
                auto m = list->getObject(static_cast<unsigned>(i));
                if (!m || !m->has("role") || !m->get("role").isString()) {
                    problem = "message " + std::to_string(i + 1) + " has no role";
                    break;
                }
                NewMessage nm;
                nm.role = m->getValue<std::string>("role");
                if (m->has("content") && m->get("content").isString()) nm.content = m->getValue<std::string>("content");
                if (m->has("name") && m->get("name").isString()) nm.name = m->getValue<std::string>("name");
                if (m->has("tool_calls") && m->get("tool_calls").type() == typeid(Poco::JSON::Array::Ptr)) {
                    nm.toolCallsJson = sdk::json::stringify(m->get("tool_calls"));
                }
                if (m->has("tool_call_id") && m->get("tool_call_id").isString()) {
                    nm.toolCallId = m->getValue<std::string>("tool_call_id");
                }
                messages.push_back(std::move(nm));
            }
            if (!problem.empty()) {
                skip(problem);
                continue;
            }
            if (messages.empty()) {
                skip("no messages");
                continue;
            }
            auto mtime = fs::last_write_time(file, ec);
            int64_t at = ec ? 0
                            : std::chrono::duration_cast<std::chrono::microseconds>(
                                  std::chrono::file_clock::to_sys(mtime).time_since_epoch())
                                  .count();
            store_->importConversation(user->id, *advisorId, std::string(kind) == "archive" ? "archived" : "active",
                                       title, at, messages, "", "hubgpt");
            c.out << "imported " << source << ": " << messages.size() << " messages with '" << name << "'\n";
            ++imported;
        }
    }
    c.out << "imported " << imported << ", skipped " << skipped << "\n";
    return 0;
}

std::pair<Conversation, sdk::AccessDecision> ChatPlugin::reachable(sdk::RequestContext& ctx, uint32_t bits) const {
    const std::string& me = ctx.requireAuth().userId;
    auto c = store_->findAny(ctx.pathParam("conversation_id"));
    if (!c) throw sdk::NotFound("Conversation not found", "conversation_not_found");
    if (c->userId == me) {
        // The owner needs no access check at all.
        sdk::AccessDecision d;
        d.visible = d.owner = true;
        d.permissions = kConversationBits;
        return {*c, d};
    }
    return {*c, access_->require(me, kConversationType, c->id, bits, "Conversation not found")};
}

Conversation ChatPlugin::resharable(sdk::RequestContext& ctx) const {
    auto [c, d] = reachable(ctx, sdk::access::kView);
    if (!d.owner && !d.allows(sdk::access::kReshare) && !d.allows(sdk::access::kManage)) {
        throw sdk::Forbidden("You may not share this conversation: it needs the reshare permission", "reshare_denied");
    }
    return c;
}

namespace {

constexpr const char* kSharedChatPath = "/api/v1/shared/chats/";

Poco::JSON::Object::Ptr linkJson(const sdk::ShareLink& l, int64_t nowMicros, const std::string& token = "") {
    auto o = sdk::json::object();
    o->set("id", l.id);
    // The token exists only in the answer that creates the link; only its hash is stored.
    if (!token.empty()) {
        o->set("token", token);
        o->set("url", std::string(kSharedChatPath) + token);
    }
    o->set("expires_at", l.expiresAt == 0 ? Poco::Dynamic::Var() : Poco::Dynamic::Var(iso(l.expiresAt)));
    o->set("max_views", l.maxUses == 0 ? Poco::Dynamic::Var() : Poco::Dynamic::Var(l.maxUses));
    o->set("views", l.useCount);
    o->set("has_password", l.hasPassword);
    o->set("active", l.live(nowMicros));
    o->set("created_at", iso(l.createdAt));
    return o;
}

/// What the activity says about a link: its settings, never its token or password.
Poco::JSON::Object::Ptr linkActivity(const sdk::ShareLink& l) {
    auto o = sdk::json::object();
    o->set("link_id", l.id);
    o->set("has_password", l.hasPassword);
    o->set("expires_at", l.expiresAt == 0 ? Poco::Dynamic::Var() : Poco::Dynamic::Var(iso(l.expiresAt)));
    o->set("max_views", l.maxUses == 0 ? Poco::Dynamic::Var() : Poco::Dynamic::Var(l.maxUses));
    return o;
}

/// The link password, from the X-Share-Password header only: a query string ends up in
/// logs, histories and Referer headers.
std::string sharePassword(const sdk::RequestContext& ctx) {
    auto h = ctx.header("X-Share-Password");
    return h ? *h : std::string();
}

}  // namespace

void ChatPlugin::createLink(sdk::RequestContext& ctx) {
    Conversation c = resharable(ctx);
    // Every field is optional, so an empty body means a link without limits.
    sdk::BodyValidator v(ctx.body().empty() ? sdk::json::object() : ctx.jsonBody());
    sdk::ShareLinkPolicy policy;
    policy.expiresAt = v.optionalTimestamp("expires_at", clock_->nowMicros()).value_or(0);
    auto password = v.optionalString("password", 1024);
    if (password && password->empty()) v.fail("password", "value_error", "password must not be empty");
    policy.password = password.value_or("");
    policy.maxUses = v.optionalInt("max_views", 1, 1000000000).value_or(0);
    v.finish();
    // The snapshot: the messages there are now, and the names as they are now.
    Poco::JSON::Object::Ptr advisor;
    try {
        advisor = advisorFor(c.userId, c.advisorId);
    } catch (const sdk::Error&) {
        // An advisor the owner may no longer use still lets them share what was said.
    }
    auto payload = sdk::json::object();
    payload->set("cutoff", c.messageCount);
    payload->set("advisor_name", advisor ? advisor->optValue<std::string>("name", "") : std::string());
    payload->set("title", c.title);
    policy.payloadJson = sdk::json::stringify(payload);
    auto created = links_->create(ctx.requireAuth().userId, kConversationType, c.id, policy);
    store_->recordLink("conversation.link_created", ctx.requireAuth().userId, c, linkActivity(created.link));
    ctx.respondJson(201, linkJson(created.link, created.link.createdAt, created.token));
}

void ChatPlugin::listLinks(sdk::RequestContext& ctx) {
    Conversation c = resharable(ctx);
    auto out = sdk::json::array();
    int64_t at = clock_->nowMicros();
    for (const auto& l : links_->list(kConversationType, c.id)) out->add(linkJson(l, at));
    ctx.respondJson(200, out);
}

void ChatPlugin::revokeLink(sdk::RequestContext& ctx) {
    Conversation c = resharable(ctx);
    std::string link = ctx.pathParam("link");
    // The link may be named by its token: the one missing afterwards is the one revoked, so
    // the activity names it by id (never by token).
    auto before = links_->list(kConversationType, c.id);
    if (!links_->revoke(kConversationType, c.id, link)) {
        throw sdk::NotFound("Share link not found", "share_link_not_found");
    }
    auto after = links_->list(kConversationType, c.id);
    for (const auto& l : before) {
        bool kept = std::any_of(after.begin(), after.end(), [&](const sdk::ShareLink& a) { return a.id == l.id; });
        if (!kept) store_->recordLink("conversation.link_revoked", ctx.requireAuth().userId, c, linkActivity(l));
    }
    auto o = sdk::json::object();
    o->set("status", "revoked");
    ctx.respondJson(200, o);
}

ChatPlugin::Snapshot ChatPlugin::openSnapshot(sdk::RequestContext& ctx) {
    Snapshot snap;
    snap.link = links_->resolve(ctx.pathParam("token"), sharePassword(ctx));
    auto c = store_->findAny(snap.link.resourceId);
    if (snap.link.resourceType != kConversationType || !c) {
        throw sdk::NotFound("Share link not found", "share_link_not_found");
    }
    snap.conversation = *c;
    int64_t cutoff = 0;
    try {
        auto payload = sdk::json::parseStrictObject(snap.link.payloadJson, 8);
        cutoff = payload->optValue<Poco::Int64>("cutoff", 0);
        snap.advisorName = payload->optValue<std::string>("advisor_name", "");
        snap.title = payload->optValue<std::string>("title", "");
    } catch (const std::exception&) {
        // Written by createLink; a payload that does not parse shows nothing rather than all.
    }
    snap.messages = store_->messagesUpTo(c->id, cutoff);
    return snap;
}

void ChatPlugin::sharedChat(sdk::RequestContext& ctx) {
    // A browser opening the link gets the page, which asks for the JSON (and a password).
    if (sdk::redirectBrowserToLinkPage(ctx, "/#/shared/chats/", ctx.pathParam("token"))) return;
    Snapshot snap = openSnapshot(ctx);
    auto o = sdk::json::object();
    o->set("title", snap.title.empty() ? Poco::Dynamic::Var() : Poco::Dynamic::Var(snap.title));
    o->set("advisor_name", snap.advisorName);
    auto list = sdk::json::array();
    for (const auto& m : snap.messages) list->add(messageJson(m));
    o->set("messages", list);
    o->set("created_at", iso(snap.link.createdAt));
    o->set("expires_at", snap.link.expiresAt == 0 ? Poco::Dynamic::Var() : Poco::Dynamic::Var(iso(snap.link.expiresAt)));
    ctx.setHeader("Cache-Control", "no-store");
    ctx.respondJson(200, o);
}

void ChatPlugin::continueShared(sdk::RequestContext& ctx) {
    const auto& who = ctx.requireAuth();
    std::optional<std::string> advisorId;
    if (!ctx.body().empty()) {
        sdk::BodyValidator v(ctx.jsonBody());
        advisorId = v.optionalString("advisor_id", 64);
        v.finish();
    }
    // An advisor of the caller's own choosing must be one they may chat with; checked before
    // the view is counted, so a bad request uses nothing up.
    if (advisorId && !advisorFor(who.userId, *advisorId)) throw sdk::NotFound("Advisor not found", "advisor_not_found");
    Snapshot snap = openSnapshot(ctx);
    std::vector<NewMessage> copy;
    for (const auto& m : snap.messages) {
        NewMessage n;
        n.role = m.role;
        n.content = m.content;
        n.name = m.name;
        n.toolCallsJson = m.toolCallsJson;
        n.toolCallId = m.toolCallId;
        copy.push_back(std::move(n));
    }
    std::string id = store_->importConversation(who.userId, advisorId.value_or(snap.conversation.advisorId), "active",
                                                snap.title, clock_->nowMicros(), copy, who.userId, "link");
    auto c = store_->findAny(id);
    if (!c) throw sdk::NotFound("Conversation not found", "conversation_not_found");
    ctx.respondJson(201, historyJson(*c, store_->messages(id)));
}

void ChatPlugin::sendMessage(sdk::RequestContext& ctx) {
    const auto& who = ctx.requireAuth();
    sdk::BodyValidator v(ctx.jsonBody());
    std::string text = v.requiredString("message", kMessageBodyLimit);
    v.optionalBool("stream");     // accepted for HubGPT clients; the advisor decides
    v.optionalObject("context");  // accepted and ignored, as HubGPT did
    v.finish();

    auto [found, decision] = reachable(ctx, sdk::access::kUse);
    std::optional<Conversation> conversation = found;
    // The conversation's advisor as its owner reaches it: the grant on the conversation is
    // what lets a sharee continue it, whether or not they could see the advisor themselves.
    auto advisor = advisorFor(conversation->userId, conversation->advisorId);
    if (!advisor) throw sdk::NotFound("Advisor not found", "advisor_not_found");
    std::string gateway = advisor->has("gateway") && advisor->get("gateway").isString()
                              ? advisor->getValue<std::string>("gateway") : std::string("echo");
    LlmProvider* provider = providerFor(gateway);
    if (provider == nullptr) {
        throw sdk::ValidationError("The advisor's gateway '" + gateway + "' is not a configured provider",
                                   "unknown_gateway");
    }
    bool streaming = !advisor->has("stream") || advisor->isNull("stream") || advisor->getValue<bool>("stream");
    auto token = beginGeneration(conversation->id);
    auto toolThreads = std::make_shared<ToolThreads>();
    struct Release {
        ChatPlugin* self;
        std::string id;
        std::shared_ptr<ToolThreads> tools;
        ~Release() {
            tools->waitAll();  // no tool of this request outlives it
            self->endGeneration(id);
        }
    } release{this, conversation->id, toolThreads};

    NewMessage user;
    user.role = "user";
    user.content = text;
    store_->append(conversation->id, user);

    CompletionRequest request;
    request.model = advisor->optValue<std::string>("model", "");
    request.params = sdk::json::object();
    for (const char* key : {"temperature", "max_tokens", "top_p", "frequency_penalty", "presence_penalty"}) {
        if (advisor->has(key) && !advisor->isNull(key)) request.params->set(key, advisor->get(key));
    }
    // One include budget for the whole request, however many advisor messages carry tags.
    std::size_t includeBudget = 1024 * 1024;
    if (auto msgs = advisor->getArray("messages")) {
        for (std::size_t i = 0; i < msgs->size(); ++i) {
            auto m = msgs->getObject(static_cast<unsigned>(i));
            if (!m) continue;
            auto copy = sdk::json::object();
            copy->set("role", m->optValue<std::string>("role", "system"));
            copy->set("content", expandIncludes(m->optValue<std::string>("content", ""), who.userId, includeBudget));
            if (m->has("name") && m->get("name").isString()) copy->set("name", m->get("name"));
            request.messages.push_back(copy);
        }
    }
    for (const auto& m : store_->messages(conversation->id)) {
        auto o = sdk::json::object();
        o->set("role", m.role);
        o->set("content", m.content);
        if (!m.toolCallsJson.empty()) o->set("tool_calls", sdk::json::parseStrict(m.toolCallsJson));
        if (!m.toolCallId.empty()) o->set("tool_call_id", m.toolCallId);
        if (!m.name.empty()) o->set("name", m.name);
        request.messages.push_back(o);
    }
    request.tools = sdk::json::array();
    if (auto names = advisor->getArray("tools")) {
        for (std::size_t i = 0; i < names->size(); ++i) {
            if (!names->get(static_cast<unsigned>(i)).isString()) continue;
            const sdk::ToolSpec* t = tools_->find(names->getElement<std::string>(static_cast<unsigned>(i)));
            if (t == nullptr || !tools_->usableBy(who.userId, t->name)) continue;
            auto fn = sdk::json::object();
            fn->set("name", t->name);
            fn->set("description", t->description);
            try {
                fn->set("parameters", sdk::json::parseStrict(t->inputSchemaJson));
            } catch (...) {
                fn->set("parameters", sdk::json::object());
            }
            auto def = sdk::json::object();
            def->set("type", "function");
            def->set("function", fn);
            request.tools->add(def);
        }
    }

    const std::string& cid = conversation->id;
    std::ostream* out = streaming ? &ctx.beginStream(200, "text/event-stream; charset=utf-8") : nullptr;
    auto send = [&](const std::string& json) {
        if (!out || ctx.clientGone()) return;
        *out << "data: " << json << "\n\n";
        out->flush();
        // A client that went away must not leave the upstream generating into nothing.
        if (ctx.clientGone() || !out->good()) token->cancel();
    };
    auto onDelta = [&](const std::string& delta) {
        send("{\"conversation_id\": " + pyQuote(cid) + ", \"message\": {\"role\": \"assistant\", \"content\": " +
             pyQuote(delta) + "}}");
    };

    Completion completion;
    std::string messageId;
    try {
        for (int round = 0;; ++round) {
            completion = provider->complete(request, onDelta, *token);
            if (completion.toolCalls.empty() || token->cancelled() || round >= maxToolRounds_) break;
            // The model asked for tools: store its request, run them, feed back the results.
            NewMessage call;
            call.role = "assistant";
            call.content = completion.content;
            call.toolCallsJson = toolCallsJson(completion.toolCalls);
            call.finishReason = completion.finishReason;
            call.usage = completion.usage;
            std::string callMessageId = store_->append(cid, call);
            auto assistant = sdk::json::object();
            assistant->set("role", "assistant");
            assistant->set("content", completion.content);
            assistant->set("tool_calls", sdk::json::parseStrict(call.toolCallsJson));
            request.messages.push_back(assistant);
            for (const auto& tc : completion.toolCalls) {
                ToolCallRecord rec = runTool(tc, advisor, who, ctx.requestId(), toolThreads);
                store_->recordToolCall(cid, callMessageId, rec);
                NewMessage result;
                result.role = "tool";
                result.content = rec.result;
                result.name = tc.name;
                result.toolCallId = tc.id;
                store_->append(cid, result);
                auto toolMessage = sdk::json::object();
                toolMessage->set("role", "tool");
                toolMessage->set("tool_call_id", tc.id);
                toolMessage->set("name", tc.name);
                toolMessage->set("content", rec.result);
                request.messages.push_back(toolMessage);
            }
        }
        NewMessage reply;
        reply.role = "assistant";
        reply.content = completion.content;
        reply.finishReason = token->cancelled() ? std::string("cancelled") : completion.finishReason;
        reply.usage = completion.usage;
        reply.upstreamId = completion.upstreamId;
        // Tool calls left when the round budget ran out are not stored: a history with an
        // unanswered tool call is refused by OpenAI-compatible providers on the next message.
        messageId = store_->append(cid, reply);
    } catch (const ProviderError& e) {
        if (logger_) logger_->warning("conversation %s: provider '%s' failed: %s", cid, gateway, std::string(e.what()));
        if (!e.partial().empty()) {
            NewMessage partial;
            partial.role = "assistant";
            partial.content = e.partial();
            partial.finishReason = "error";
            store_->append(cid, partial);
        }
        if (streaming) {
            send(std::string("{\"error\": ") + pyQuote(std::string("Streaming LLM request failed: ") + e.what()) + "}");
            return;
        }
        throw sdk::Error(502, "upstream_error", std::string("LLM request failed: ") + e.what());
    }

    if (streaming) {
        send("{\"conversation_id\": " + pyQuote(cid) + ", \"done\": true, \"message_id\": " + pyQuote(messageId) +
             ", \"finish_reason\": " + pyQuote(token->cancelled() ? std::string("cancelled") : completion.finishReason) +
             ", \"usage\": " + usageText(completion.usage) + "}");
        return;
    }
    auto body = sdk::json::object();
    body->set("conversation_id", cid);
    StoredMessage stored{messageId, "assistant", completion.content, "", "", "", 0};
    body->set("message", messageJson(stored));
    body->set("message_id", messageId);
    body->set("finish_reason", token->cancelled() ? std::string("cancelled") : completion.finishReason);
    body->set("usage", completion.usage ? Poco::Dynamic::Var(completion.usage) : Poco::Dynamic::Var());
    ctx.respondJson(200, body);
}

}  // namespace hub::plugins::chat

HUB_PLUGIN(hub::plugins::chat::ChatPlugin, "chat", "1.0.0")
