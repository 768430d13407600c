#include "activity/ActivityService.h"

#include <algorithm>
#include <deque>
#include <map>
#include <regex>
#include <set>
#include <stdexcept>

#include <Poco/Data/Session.h>
#include <Poco/Data/Statement.h>
#include <Poco/JSON/Parser.h>
#include <Poco/Nullable.h>
#include <Poco/Tuple.h>

#include "hub/sdk/Json.h"
#include "hub/sdk/Text.h"

using namespace Poco::Data::Keywords;

namespace hub::core {
namespace {

using Row = Poco::Tuple<std::string, Poco::Int64, std::string, std::string, std::string, std::string, std::string,
                        std::string, std::string, std::string>;

constexpr const char* kColumns =
    "SELECT CAST(id AS TEXT), at, COALESCE(actor_id, ''), action, resource_type, resource_id, resource_name, "
    "COALESCE(owner_id, ''), COALESCE(workspace_id, ''), CAST(details AS TEXT) FROM activity ";

constexpr std::size_t kMaxDetailsBytes = 16 * 1024;
constexpr std::size_t kMaxNameBytes = 1024;
/// Rows one feed request examines at most: a reader who lost access to many resources gets a
/// short page with a cursor rather than a request that scans the whole table.
constexpr std::size_t kMaxScanned = 5000;
constexpr int64_t kMicrosPerDay = 86400LL * 1000000LL;

ActivityRecord fromRow(const Row& r) {
    return {r.get<0>(), r.get<1>(), r.get<2>(), r.get<3>(), r.get<4>(),
            r.get<5>(), r.get<6>(), r.get<7>(), r.get<8>(), r.get<9>()};
}

/// `s` cut to at most `max` bytes without splitting a UTF-8 sequence.
std::string truncateUtf8(const std::string& s, std::size_t max) {
    if (s.size() <= max) return s;
    std::size_t end = max;
    while (end > 0 && (static_cast<unsigned char>(s[end]) & 0xC0) == 0x80) --end;
    return s.substr(0, end);
}

void validate(const sdk::ActivityEntry& e) {
    static const std::regex action(R"(^[a-z0-9_]+(\.[a-z0-9_]+)+$)");
    static const std::regex type(R"(^[a-z0-9_]+$)");
    if (e.action.size() > 64 || !std::regex_match(e.action, action)) {
        throw std::invalid_argument("activity action '" + e.action + "' is not <type>.<verb> in [a-z0-9_] (at most 64)");
    }
    if (e.resourceType.empty() || e.resourceType.size() > 64 || !std::regex_match(e.resourceType, type)) {
        throw std::invalid_argument("activity resource type '" + e.resourceType + "' is not 1-64 of [a-z0-9_]");
    }
    if (e.resourceId.empty() || e.resourceId.size() > 1024 || e.resourceId.find('\0') != std::string::npos) {
        throw std::invalid_argument("activity resource id must be 1-1024 bytes without NUL");
    }
    if (e.actorId.size() > 64 || e.ownerId.size() > 64 || (e.workspaceId && (e.workspaceId->empty() || e.workspaceId->size() > 64))) {
        throw std::invalid_argument("activity actor, owner and workspace ids are at most 64 bytes (a workspace id not empty)");
    }
}

}  // namespace

ActivityService::~ActivityService() { stopSweeper(); }

std::string ActivityService::record(Poco::Data::Session& s, const sdk::ActivityEntry& e) {
    validate(e);
    std::string details = e.details ? sdk::json::stringify(e.details) : std::string("{}");
    if (details.size() > kMaxDetailsBytes) {
        throw std::invalid_argument("activity details of " + e.action + " exceed 16 KiB");
    }
    std::string id = sdk::text::newUuid();
    Poco::Int64 at = clock_.nowMicros();
    Poco::Nullable<std::string> actor, owner, workspace;
    if (!e.actorId.empty()) actor = e.actorId;
    if (!e.ownerId.empty()) owner = e.ownerId;
    if (e.workspaceId) workspace = *e.workspaceId;
    std::string action = e.action, type = e.resourceType, resource = e.resourceId;
    std::string name = truncateUtf8(e.resourceName, kMaxNameBytes);
    s << "INSERT INTO activity (id, at, actor_id, action, resource_type, resource_id, resource_name, owner_id, "
         "workspace_id, details) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
        use(id), use(at), use(actor), use(action), use(type), use(resource), use(name), use(owner), use(workspace),
        use(details), now;
    return id;
}

std::string ActivityService::record(const sdk::ActivityEntry& e) {
    std::string id;
    db_.withTransaction([&](Poco::Data::Session& s) { id = record(s, e); });
    return id;
}

std::vector<std::string> ActivityService::teamIdsOf(const std::string& userId) const {
    std::vector<std::string> ids;
    std::string u = userId;
    db_.withSession([&](Poco::Data::Session& s) {
        ids.clear();
        s << "SELECT CAST(team_id AS TEXT) FROM team_members WHERE user_id = $1", use(u), into(ids), now;
    });
    return ids;
}

std::vector<ActivityRecord> ActivityService::candidates(const ActivityQuery& q, const std::optional<ActivityCursor>& from,
                                                        std::size_t batch) const {
    // Values live in deques so the references bound below stay valid; every placeholder gets
    // its own number, because PostgreSQL types a parameter once and SQLite numbers named
    // parameters by first appearance.
    std::deque<std::string> texts;
    std::deque<Poco::Int64> ints;
    std::vector<Poco::Data::AbstractBinding::Ptr> binds;
    auto text = [&](const std::string& v) {
        texts.push_back(v);
        binds.push_back(use(texts.back()));
        return "$" + std::to_string(binds.size());
    };
    auto integer = [&](int64_t v) {
        ints.push_back(v);
        binds.push_back(use(ints.back()));
        return "$" + std::to_string(binds.size());
    };
    // One placeholder per statement: the operands of `+` are evaluated in no fixed order, and
    // the numbers must follow the order of the binds.
    const std::string& me = q.readerId;
    std::string sql = std::string(kColumns) + "WHERE (owner_id = ";
    sql += text(me);
    sql += " OR actor_id = ";
    sql += text(me);
    // Resources shared with the reader (live grants to them or their teams), and their teams.
    // A candidate only: the entry still passes a check in feed().
    sql += " OR EXISTS (SELECT 1 FROM access_grants g WHERE g.resource_type = activity.resource_type AND "
           "g.resource_id = activity.resource_id AND (g.expires_at IS NULL OR g.expires_at > ";
    sql += integer(clock_.nowMicros());
    sql += ") AND ((g.principal_type = 'user' AND g.principal_id = ";
    sql += text(me);
    sql += ") OR (g.principal_type = 'team' AND g.principal_id IN (SELECT CAST(team_id AS TEXT) FROM team_members "
           "WHERE user_id = ";
    sql += text(me);
    sql += "))))";
    sql += " OR (resource_type = 'team' AND resource_id IN (SELECT CAST(team_id AS TEXT) FROM team_members WHERE "
           "user_id = ";
    sql += text(me);
    sql += "))";
    // What the reader's workspaces own (membership directly or through a team).
    sql += " OR owner_id IN (SELECT CAST(w.account_id AS TEXT) FROM workspaces w JOIN workspace_members wm ON "
           "wm.workspace_id = w.id WHERE w.deleted_at IS NULL AND ((wm.member_type = 'user' AND wm.member_id = ";
    sql += text(me);
    sql += ") OR (wm.member_type = 'team' AND wm.member_id IN (SELECT CAST(team_id AS TEXT) FROM team_members WHERE "
           "user_id = ";
    sql += text(me);
    sql += ")))))";
    if (q.ownerId) {
        sql += " AND owner_id = ";
        sql += text(*q.ownerId);
    }
    if (q.action) {
        // Exact, or a dotted prefix: "advisor" matches "advisor.updated", never "advisors.x".
        std::string like;
        for (char c : *q.action) {
            if (c == '_' || c == '%' || c == '\\') like += '\\';
            like += c;
        }
        sql += " AND (action = ";
        sql += text(*q.action);
        sql += " OR action LIKE ";
        sql += text(like + ".%");
        sql += " ESCAPE '\\')";
    }
    if (q.resourceType) {
        sql += " AND resource_type = ";
        sql += text(*q.resourceType);
    }
    if (q.resourceId) {
        sql += " AND resource_id = ";
        sql += text(*q.resourceId);
    }
    if (q.since) {
        sql += " AND at >= ";
        sql += integer(*q.since);
    }
    if (q.until) {
        sql += " AND at < ";
        sql += integer(*q.until);
    }
    if (from) {
        sql += " AND (at < ";
        sql += integer(from->at);
        sql += " OR (at = ";
        sql += integer(from->at);
        sql += " AND id < ";
        sql += text(from->id);
        sql += "))";
    }
    sql += " ORDER BY at DESC, id DESC LIMIT " + std::to_string(batch);

    std::vector<Row> rows;
    db_.withSession([&](Poco::Data::Session& s) {
        rows.clear();
        Poco::Data::Statement st(s);
        st << sql;
        for (const auto& b : binds) st, b;
        st, into(rows);
        st.execute();
    });
    std::vector<ActivityRecord> out;
    out.reserve(rows.size());
    for (const auto& r : rows) out.push_back(fromRow(r));
    return out;
}

ActivityPage ActivityService::feed(const ActivityQuery& q) const {
    const std::string& me = q.readerId;
    std::vector<std::string> teamList = teamIdsOf(me);
    std::set<std::string> teams(teamList.begin(), teamList.end());
    std::map<std::string, sdk::AccessDecision> decisions;  // per request: one check per resource
    std::map<std::string, bool> memberships;              // per request: one look per owner
    auto memberOfOwner = [&](const std::string& ownerId) {
        if (ownerId.empty()) return false;
        auto it = memberships.find(ownerId);
        if (it == memberships.end()) {
            auto ws = access_.workspaceOfAccount(ownerId);
            it = memberships.emplace(ownerId, ws && !access_.workspaceRole(*ws, me).empty()).first;
        }
        return it->second;
    };
    auto decision = [&](const ActivityRecord& r) -> const sdk::AccessDecision& {
        std::string key = r.resourceType + '\n' + r.resourceId;
        auto it = decisions.find(key);
        if (it == decisions.end()) it = decisions.emplace(key, access_.check(me, r.resourceType, r.resourceId)).first;
        return it->second;
    };
    auto visible = [&](const ActivityRecord& r) {
        if (!r.ownerId.empty() && r.ownerId == me) return true;  // my things, also after deletion
        if (r.resourceType == "team") return teams.count(r.resourceId) > 0 || r.actorId == me;
        const sdk::AccessDecision& d = decision(r);
        if (!d.visible) {
            // A workspace's things belong to all its members: what happened to one that is gone
            // now (a deleted conversation) still shows to whoever is a member now, as an owner's
            // own entries do. Grants named in share entries stay for those who managed them.
            return r.action.rfind("share.", 0) != 0 && memberOfOwner(r.ownerId);
        }
        if (d.owner) return true;
        // Who else holds a grant is for managers (as GET /api/v1/shares): a sharee sees share
        // entries about their own grants (to them or their team) and those they made.
        if (r.action.rfind("share.", 0) == 0) {
            if (d.allows(sdk::access::kManage) || r.actorId == me) return true;
            try {
                auto details = Poco::JSON::Parser().parse(r.detailsJson).extract<Poco::JSON::Object::Ptr>();
                std::string type = details->optValue<std::string>("principal_type", "");
                std::string id = details->optValue<std::string>("principal_id", "");
                return (type == "user" && id == me) || (type == "team" && teams.count(id) > 0);
            } catch (const std::exception&) {
                return false;
            }
        }
        return true;
    };

    ActivityPage page;
    std::optional<ActivityCursor> position = q.after;
    std::size_t scanned = 0;
    const std::size_t batch = std::max<std::size_t>(q.limit + 1, 100);
    bool exhausted = false;
    while (page.items.size() <= q.limit && scanned < kMaxScanned) {
        auto rows = candidates(q, position, batch);
        for (auto& r : rows) {
            position = ActivityCursor{r.at, r.id};
            ++scanned;
            if (visible(r)) {
                page.items.push_back(std::move(r));
                if (page.items.size() > q.limit) break;
            }
        }
        if (rows.size() < batch) {
            exhausted = page.items.size() <= q.limit;
            break;
        }
    }
    if (page.items.size() > q.limit) {
        // One more than asked for was found: the next page starts after the last one returned.
        page.items.pop_back();
        page.next = ActivityCursor{page.items.back().at, page.items.back().id};
    } else if (!exhausted && position) {
        page.next = position;  // the scan limit ended this page; continue after what was examined
    }
    return page;
}

bool ActivityService::canReadHistory(const std::string& readerId, const std::string& resourceType,
                                     const std::string& resourceId) const {
    if (resourceType == "team") {
        auto teams = teamIdsOf(readerId);
        if (std::find(teams.begin(), teams.end(), resourceId) != teams.end()) return true;
    } else if (access_.knowsType(resourceType) && access_.check(readerId, resourceType, resourceId).visible) {
        return true;
    }
    std::vector<std::string> owners;
    std::string t = resourceType, r = resourceId;
    db_.withSession([&](Poco::Data::Session& s) {
        owners.clear();
        s << "SELECT DISTINCT owner_id FROM activity WHERE resource_type = $1 AND resource_id = $2 AND owner_id IS NOT NULL",
            use(t), use(r), into(owners), now;
    });
    // The owner's history stays theirs after deletion; a workspace's, its current members'
    // (as in feed()).
    for (const auto& owner : owners) {
        if (owner == readerId) return true;
        auto ws = access_.workspaceOfAccount(owner);
        if (ws && !access_.workspaceRole(*ws, readerId).empty()) return true;
    }
    return false;
}

int64_t ActivityService::prune(int retentionDays) {
    if (retentionDays <= 0) return 0;
    Poco::Int64 before = clock_.nowMicros() - static_cast<int64_t>(retentionDays) * kMicrosPerDay;
    int64_t total = 0;
    // In slices, so a first sweep over a large backlog never holds SQLite's write lock for long.
    for (;;) {
        std::size_t n = 0;
        db_.withTransaction([&](Poco::Data::Session& s) {
            Poco::Data::Statement st(s);
            st << "DELETE FROM activity WHERE id IN (SELECT id FROM activity WHERE at < $1 LIMIT 1000)", use(before);
            n = st.execute();
        });
        total += static_cast<int64_t>(n);
        if (n < 1000) break;
    }
    return total;
}

void ActivityService::startSweeper(int retentionDays, std::chrono::seconds interval) {
    if (retentionDays <= 0) return;  // keep forever: nothing to sweep
    {
        std::lock_guard<std::mutex> lock(sweepMutex_);
        stopping_ = false;
    }
    sweeper_ = std::thread([this, retentionDays, interval] {
        Poco::Logger& log = Poco::Logger::get("hubd.activity");
        std::unique_lock<std::mutex> lock(sweepMutex_);
        // The first sweep runs at start: a node that was down for a while catches up at once.
        do {
            lock.unlock();
            try {
                if (int64_t n = prune(retentionDays); n > 0) {
                    log.information("activity: removed %Ld entr%s older than %d day(s)", static_cast<Poco::Int64>(n),
                                    std::string(n == 1 ? "y" : "ies"), retentionDays);
                }
            } catch (const std::exception& e) {
                log.warning("activity: retention sweep failed (next try in %Ld s): %s",
                            static_cast<Poco::Int64>(interval.count()), std::string(e.what()));
            }
            lock.lock();
        } while (!sweepWake_.wait_for(lock, interval, [this] { return stopping_; }));
    });
}

void ActivityService::stopSweeper() noexcept {
    {
        std::lock_guard<std::mutex> lock(sweepMutex_);
        stopping_ = true;
    }
    sweepWake_.notify_all();
    if (sweeper_.joinable()) sweeper_.join();
}

}  // namespace hub::core
