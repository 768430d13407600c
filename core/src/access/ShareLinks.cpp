#include "access/ShareLinks.h"

#include <Poco/Data/Statement.h>
#include <Poco/Nullable.h>
#include <Poco/Tuple.h>

#include "hub/sdk/Error.h"
#include "hub/sdk/Json.h"
#include "hub/sdk/Text.h"
#include "util/Crypto.h"

using namespace Poco::Data::Keywords;

namespace hub::core {
namespace {

constexpr std::size_t kTokenBytes = 32;
constexpr std::size_t kTokenChars = 43;  // unpadded base64url of 32 bytes
constexpr std::size_t kMaxPassword = 1024;
constexpr std::size_t kMaxPayload = 64 * 1024;

using LinkRow = Poco::Tuple<std::string, std::string, std::string, std::string, std::string, std::string,
                            Poco::Int64, Poco::Int64, Poco::Int64, std::string, Poco::Int64>;

constexpr const char* kLinkColumns =
    "SELECT CAST(id AS TEXT), resource_type, resource_id, CAST(created_by AS TEXT), mode, COALESCE(password_hash, ''), "
    "COALESCE(expires_at, 0), COALESCE(max_uses, 0), use_count, payload, created_at FROM share_links ";

sdk::ShareLink fromRow(const LinkRow& r) {
    sdk::ShareLink l;
    l.id = r.get<0>();
    l.resourceType = r.get<1>();
    l.resourceId = r.get<2>();
    l.createdBy = r.get<3>();
    l.mode = r.get<4>();
    l.hasPassword = !r.get<5>().empty();
    l.expiresAt = r.get<6>();
    l.maxUses = r.get<7>();
    l.useCount = r.get<8>();
    l.payloadJson = r.get<9>();
    l.createdAt = r.get<10>();
    return l;
}

/// One message for every way a token can be bad, so an answer says nothing about which.
[[noreturn]] void notFound() { throw sdk::NotFound("Share link not found", "share_link_not_found"); }

}  // namespace

std::string ShareLinks::newToken() {
    static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    const std::string bytes = crypto::randomBytes(kTokenBytes);
    std::string out;
    out.reserve(kTokenChars);
    uint32_t acc = 0;
    int bits = 0;
    for (unsigned char c : bytes) {
        acc = (acc << 8) | c;
        bits += 8;
        while (bits >= 6) {
            bits -= 6;
            out += kAlphabet[(acc >> bits) & 0x3F];
        }
    }
    if (bits > 0) out += kAlphabet[(acc << (6 - bits)) & 0x3F];
    return out;
}

bool ShareLinks::wellFormedToken(const std::string& token) {
    if (token.size() != kTokenChars) return false;
    for (char c : token) {
        if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_')) return false;
    }
    return true;
}

sdk::CreatedShareLink ShareLinks::create(const std::string& actorId, const std::string& resourceType,
                                         const std::string& resourceId, const sdk::ShareLinkPolicy& policy) {
    if (policy.mode != "read" && policy.mode != "upload") {
        throw sdk::ValidationError("A share link's mode is read or upload", "invalid_link_mode");
    }
    const int64_t at = clock_.nowMicros();
    if (policy.expiresAt != 0 && policy.expiresAt <= at) {
        throw sdk::ValidationError("expires_at must be in the future", "expiry_in_past");
    }
    if (policy.maxUses < 0) throw sdk::ValidationError("The use limit must be positive", "invalid_max_uses");
    if (policy.password.size() > kMaxPassword) {
        throw sdk::ValidationError("A link password is at most 1024 bytes", "password_too_long");
    }
    std::string payload = policy.payloadJson.empty() ? std::string("{}") : policy.payloadJson;
    if (payload.size() > kMaxPayload) throw sdk::ValidationError("A link payload is at most 64 KiB", "payload_too_large");
    try {
        sdk::json::parseStrictObject(payload, 32);
    } catch (const sdk::Error&) {
        throw sdk::ValidationError("A link payload must be a JSON object", "invalid_link_payload");
    }
    if (resourceType.empty() || resourceId.empty() || resourceId.size() > 1024 || actorId.empty()) {
        throw sdk::ValidationError("A share link needs a resource and its creator", "invalid_link_resource");
    }
    if (access_.knowsType(resourceType) && !access_.describe(resourceType, resourceId)) {
        throw sdk::NotFound("Resource not found", resourceType + "_not_found");
    }

    sdk::CreatedShareLink out;
    out.token = newToken();
    sdk::ShareLink& l = out.link;
    l.id = sdk::text::newUuid();
    l.resourceType = resourceType;
    l.resourceId = resourceId;
    l.createdBy = actorId;
    l.mode = policy.mode;
    l.hasPassword = !policy.password.empty();
    l.expiresAt = policy.expiresAt;
    l.maxUses = policy.maxUses;
    l.payloadJson = payload;
    l.createdAt = at;
    // Hashed before the transaction: argon2 takes long and must not hold a write lock.
    Poco::Nullable<std::string> passwordHash;
    if (l.hasPassword) passwordHash = hasher_.hash(policy.password);
    Poco::Nullable<Poco::Int64> expires, maxUses;
    if (l.expiresAt != 0) expires = l.expiresAt;
    if (l.maxUses != 0) maxUses = l.maxUses;
    std::string tokenHash = crypto::sha256Hex(out.token);
    db_.withTransaction([&](Poco::Data::Session& s) {
        s << "INSERT INTO share_links (id, token_hash, resource_type, resource_id, created_by, mode, password_hash, "
             "expires_at, max_uses, use_count, payload, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 0, $10, $11)",
            use(l.id), use(tokenHash), use(l.resourceType), use(l.resourceId), use(l.createdBy), use(l.mode),
            use(passwordHash), use(expires), use(maxUses), use(l.payloadJson), use(l.createdAt), now;
    });
    return out;
}

std::vector<sdk::ShareLink> ShareLinks::list(const std::string& resourceType, const std::string& resourceId) const {
    std::vector<LinkRow> rows;
    std::string t = resourceType, r = resourceId;
    db_.withSession([&](Poco::Data::Session& s) {
        rows.clear();
        s << std::string(kLinkColumns) + "WHERE resource_type = $1 AND resource_id = $2 ORDER BY created_at, id", use(t),
            use(r), into(rows), now;
    });
    std::vector<sdk::ShareLink> out;
    for (const auto& row : rows) out.push_back(fromRow(row));
    return out;
}

bool ShareLinks::revoke(const std::string& resourceType, const std::string& resourceId, const std::string& idOrToken) {
    std::string t = resourceType, r = resourceId;
    std::size_t removed = 0;
    std::string id = sdk::text::canonicalUuid(idOrToken);
    if (id.empty() && !wellFormedToken(idOrToken)) return false;
    std::string hash = id.empty() ? crypto::sha256Hex(idOrToken) : std::string();
    db_.withTransaction([&](Poco::Data::Session& s) {
        Poco::Data::Statement st(s);
        if (!id.empty()) {
            st << "DELETE FROM share_links WHERE id = $1 AND resource_type = $2 AND resource_id = $3", use(id), use(t),
                use(r);
        } else {
            st << "DELETE FROM share_links WHERE token_hash = $1 AND resource_type = $2 AND resource_id = $3", use(hash),
                use(t), use(r);
        }
        removed = st.execute();
    });
    return removed > 0;
}

sdk::ShareLink ShareLinks::live(const std::string& token, std::string& passwordHash) const {
    if (!wellFormedToken(token)) notFound();
    std::string hash = crypto::sha256Hex(token);
    std::vector<LinkRow> rows;
    db_.withSession([&](Poco::Data::Session& s) {
        rows.clear();
        s << std::string(kLinkColumns) + "WHERE token_hash = $1", use(hash), into(rows), now;
    });
    if (rows.empty()) notFound();
    sdk::ShareLink l = fromRow(rows.front());
    passwordHash = rows.front().get<5>();
    if (!l.live(clock_.nowMicros())) notFound();
    if (access_.knowsType(l.resourceType)) {
        // The resource must still exist, and its link must not outlive the creator's right
        // to share it (a sharee's reshare revoked, for instance).
        sdk::AccessDecision d = access_.check(l.createdBy, l.resourceType, l.resourceId);
        if (!d.visible || !(d.owner || (d.permissions & (sdk::access::kReshare | sdk::access::kManage)) != 0)) {
            notFound();
        }
    }
    return l;
}

void ShareLinks::checkPassword(const std::string& linkId, const std::string& stored, const std::string& given) const {
    if (stored.empty()) return;
    if (given.empty()) throw sdk::Unauthorized("This link needs a password", "share_password_required");
    // Guessing is slowed per link (the API has no client address here): the attempt counts
    // before the slow check, so parallel guesses cannot all pass, and a right one gives it back.
    if (int wait = guesses_.reserveAttempt(linkId, ""); wait > 0) {
        throw sdk::TooManyRequests("Too many wrong passwords for this link; try again later", wait,
                                   "share_password_throttled");
    }
    if (given.size() > kMaxPassword || hasher_.verify(given, stored) == PasswordHasher::Verdict::Mismatch) {
        throw sdk::Unauthorized("Wrong password for this link", "share_password_invalid");
    }
    guesses_.recordSuccess(linkId, "");
}

sdk::ShareLink ShareLinks::inspect(const std::string& token, const std::string& password) const {
    std::string stored;
    sdk::ShareLink l = live(token, stored);
    checkPassword(l.id, stored, password);
    return l;
}

sdk::ShareLink ShareLinks::resolve(const std::string& token, const std::string& password) {
    sdk::ShareLink l = inspect(token, password);
    // One conditional UPDATE counts the use: concurrent resolves of the last use cannot both
    // pass, and an expiry or revocation since the read above is honoured too.
    Poco::Int64 at = clock_.nowMicros();
    std::size_t counted = 0;
    Poco::Int64 uses = 0;
    db_.withTransaction([&](Poco::Data::Session& s) {
        Poco::Data::Statement st(s);
        st << "UPDATE share_links SET use_count = use_count + 1 WHERE id = $1 AND (max_uses IS NULL OR use_count < "
              "max_uses) AND (expires_at IS NULL OR expires_at > $2)",
            use(l.id), use(at);
        counted = st.execute();
        if (counted > 0) s << "SELECT use_count FROM share_links WHERE id = $1", use(l.id), into(uses), now;
    });
    if (counted == 0) notFound();
    l.useCount = uses;
    return l;
}

void ShareLinks::forgetResource(Poco::Data::Session& s, const std::string& resourceType, const std::string& resourceId) {
    std::string t = resourceType, r = resourceId;
    s << "DELETE FROM share_links WHERE resource_type = $1 AND resource_id = $2", use(t), use(r), now;
}

}  // namespace hub::core
