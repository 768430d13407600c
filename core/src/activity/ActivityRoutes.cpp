#include "activity/ActivityRoutes.h"

#include <map>
#include <regex>
#include <set>
#include <sstream>

#include <Poco/Base64Decoder.h>
#include <Poco/Base64Encoder.h>
#include <Poco/JSON/Parser.h>

#include "hub/sdk/BodyValidator.h"
#include "hub/sdk/Error.h"
#include "hub/sdk/Json.h"
#include "hub/sdk/Text.h"

namespace hub::core {
namespace {

constexpr std::size_t kDefaultLimit = 50;
constexpr std::size_t kMaxLimit = 200;

/// The cursor is opaque to clients: base64url of "<at>.<id>" of the last entry served.
std::string encodeCursor(const ActivityCursor& c) {
    std::ostringstream out;
    Poco::Base64Encoder enc(out, Poco::BASE64_URL_ENCODING | Poco::BASE64_NO_PADDING);
    enc << c.at << '.' << c.id;
    enc.close();
    return out.str();
}

ActivityCursor decodeCursor(const std::string& text) {
    static const std::regex alphabet(R"(^[A-Za-z0-9_-]{1,128}$)");
    static const std::regex shape(R"(^(\d{1,18})\.([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$)");
    const sdk::ValidationError bad("cursor is not one this server returned (use next_cursor as it is)", "invalid_cursor");
    if (!std::regex_match(text, alphabet)) throw bad;
    std::string plain;
    try {
        std::istringstream in(text);
        Poco::Base64Decoder dec(in, Poco::BASE64_URL_ENCODING | Poco::BASE64_NO_PADDING);
        plain.assign(std::istreambuf_iterator<char>(dec), std::istreambuf_iterator<char>());
    } catch (const std::exception&) {
        throw bad;
    }
    std::smatch m;
    if (!std::regex_match(plain, m, shape)) throw bad;
    return {std::stoll(m[1].str()), m[2].str()};
}

/// A strict ISO-8601 timestamp (offset or Z; none means UTC), as request bodies take them.
int64_t timestampParam(const std::string& name, const std::string& value) {
    auto body = sdk::json::object();
    body->set(name, value);
    sdk::BodyValidator v(body);
    auto micros = v.optionalTimestamp(name);
    if (!v.ok() || !micros) {
        throw sdk::ValidationError(name + " must be an ISO-8601 timestamp such as 2026-11-28T22:37:00Z",
                                   "invalid_timestamp");
    }
    return *micros;
}

std::size_t limitParam(const std::string& value) {
    static const std::regex digits(R"(^[0-9]{1,4}$)");
    if (!std::regex_match(value, digits) || std::stoul(value) < 1 || std::stoul(value) > kMaxLimit) {
        throw sdk::ValidationError("limit must be a whole number from 1 to " + std::to_string(kMaxLimit), "invalid_limit");
    }
    return std::stoul(value);
}

class ActivityApi {
public:
    ActivityApi(ActivityService& activity, AccessService& access, AuthService& auth)
        : activity_(activity), access_(access), auth_(auth) {}

    void list(sdk::RequestContext& ctx) const {
        const auto& me = ctx.requireAuth();
        static const std::set<std::string> known{"type", "resource_type", "resource_id", "since", "until", "limit", "cursor"};
        for (const auto& [name, value] : ctx.queryParams()) {
            if (!known.count(name)) {
                throw sdk::ValidationError("Unknown query parameter '" + name +
                                               "' (known: type, resource_type, resource_id, since, until, limit, cursor)",
                                           "unknown_parameter");
            }
        }
        ActivityQuery q;
        q.readerId = me.userId;
        if (std::string ws = ctx.pathParam("workspace_id"); !ws.empty()) {
            // A workspace's feed: its members read what happened to what it owns.
            auto w = access_.workspace(ws);
            if (!w || access_.workspaceRole(w->id, me.userId).empty()) {
                throw sdk::NotFound("Workspace not found", "workspace_not_found");
            }
            q.ownerId = w->accountId;
        }
        if (auto type = ctx.query("type")) {
            static const std::regex action(R"(^[a-z0-9_]+(\.[a-z0-9_]+)*$)");
            if (type->size() > 64 || !std::regex_match(*type, action)) {
                throw sdk::ValidationError("type must be an action or its dotted prefix, e.g. advisor or advisor.updated",
                                           "invalid_type");
            }
            q.action = *type;
        }
        if (auto type = ctx.query("resource_type")) {
            static const std::regex name(R"(^[a-z0-9_]{1,64}$)");
            if (!std::regex_match(*type, name)) {
                throw sdk::ValidationError("resource_type must be 1-64 of a-z, 0-9 and _", "invalid_resource_type");
            }
            q.resourceType = *type;
        }
        if (auto id = ctx.query("resource_id")) {
            if (!q.resourceType) {
                throw sdk::ValidationError("resource_id needs resource_type", "missing_resource_type");
            }
            if (id->empty() || id->size() > 1024 || !sdk::text::isValidUtf8(*id)) {
                throw sdk::ValidationError("resource_id must be 1-1024 bytes of UTF-8", "invalid_resource_id");
            }
            // Ids the core and plugins mint are canonical UUIDs; accept any case as elsewhere.
            q.resourceId = sdk::text::isUuid(*id) ? sdk::text::canonicalUuid(*id) : *id;
        }
        if (auto since = ctx.query("since")) q.since = timestampParam("since", *since);
        if (auto until = ctx.query("until")) q.until = timestampParam("until", *until);
        if (q.since && q.until && *q.since >= *q.until) {
            throw sdk::ValidationError("since must be earlier than until", "invalid_time_range");
        }
        q.limit = kDefaultLimit;
        if (auto limit = ctx.query("limit")) q.limit = limitParam(*limit);
        if (auto cursor = ctx.query("cursor")) q.after = decodeCursor(*cursor);

        // One resource's history: only for who may see it (404 as if it did not exist).
        if (q.resourceId && !activity_.canReadHistory(me.userId, *q.resourceType, *q.resourceId)) {
            throw sdk::NotFound("Resource not found", "resource_not_found");
        }

        ActivityPage page = activity_.feed(q);
        std::map<std::string, Poco::Dynamic::Var> names;  // usernames, looked up once per request
        auto username = [&](const std::string& id) {
            if (id.empty()) return Poco::Dynamic::Var();
            auto it = names.find(id);
            if (it == names.end()) {
                auto u = auth_.findUserById(id);
                it = names.emplace(id, u ? Poco::Dynamic::Var(u->username) : Poco::Dynamic::Var()).first;
            }
            return it->second;
        };
        auto orNull = [](const std::string& s) { return s.empty() ? Poco::Dynamic::Var() : Poco::Dynamic::Var(s); };
        auto items = sdk::json::array();
        for (const auto& r : page.items) {
            auto o = sdk::json::object();
            o->set("id", r.id);
            o->set("at", sdk::IClock::formatIso(r.at, true));
            o->set("action", r.action);
            o->set("actor_id", orNull(r.actorId));
            o->set("actor", username(r.actorId));
            o->set("resource_type", r.resourceType);
            o->set("resource_id", r.resourceId);
            o->set("resource_name", r.resourceName);
            o->set("owner_id", orNull(r.ownerId));
            o->set("owner", username(r.ownerId));
            o->set("workspace_id", orNull(r.workspaceId));
            Poco::JSON::Object::Ptr details;
            try {
                details = Poco::JSON::Parser().parse(r.detailsJson).extract<Poco::JSON::Object::Ptr>();
            } catch (const std::exception&) {
                details = sdk::json::object();  // stored by this server as an object; never fail a read on it
            }
            o->set("details", details);
            items->add(o);
        }
        auto out = sdk::json::object();
        out->set("items", items);
        out->set("next_cursor", page.next ? Poco::Dynamic::Var(encodeCursor(*page.next)) : Poco::Dynamic::Var());
        ctx.respondJson(200, out);
    }

private:
    ActivityService& activity_;
    AccessService& access_;
    AuthService& auth_;
};

}  // namespace

void registerActivityRoutes(Router& router, ActivityService& activity, AccessService& access, AuthService& auth) {
    using sdk::AuthMode;
    auto api = std::make_shared<ActivityApi>(activity, access, auth);
    router.add({"GET", "/api/v1/activity", AuthMode::Required, 0, [api](sdk::RequestContext& ctx) { api->list(ctx); }});
    router.add({"GET", "/api/v1/workspaces/{workspace_id}/activity", AuthMode::Required, 0,
                [api](sdk::RequestContext& ctx) { api->list(ctx); }});
}

}  // namespace hub::core
