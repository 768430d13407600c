// core.links.v1: share links. A link is a secret token that lets whoever holds it (signed in
// or not) reach one resource of a plugin, with an optional expiry, password and use limit.
// The core keeps the links (only a SHA-256 of each token) and decides whether a presented
// token is good; the plugin decides what a link shows or accepts, and who may create one.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <Poco/Data/Session.h>

#include "hub/sdk/Export.h"

namespace hub {
namespace sdk {
inline namespace v1 {

/// What a new link allows and until when.
struct ShareLinkPolicy {
    std::string mode = "read";  ///< "read" (see the resource) or "upload" (add to it, e.g. a drop folder)
    int64_t expiresAt = 0;      ///< microseconds since the epoch; 0 = never. Must be in the future.
    std::string password;       ///< "" = none; stored hashed like user passwords (1..1024 bytes)
    int64_t maxUses = 0;        ///< 0 = unlimited; each resolve() counts one use
    std::string payloadJson;    ///< the plugin's own data (a JSON object, ≤ 64 KiB); "" = {}
};

/// A stored link. The token itself is never stored and cannot be recovered.
struct ShareLink {
    std::string id;            ///< UUID; names the link in lists and revocations
    std::string resourceType;
    std::string resourceId;
    std::string createdBy;     ///< user id
    std::string mode;          ///< "read" or "upload"
    bool hasPassword = false;
    int64_t expiresAt = 0;     ///< microseconds; 0 = never
    int64_t maxUses = 0;       ///< 0 = unlimited
    int64_t useCount = 0;
    std::string payloadJson;   ///< as given at creation ("{}" when none)
    int64_t createdAt = 0;

    /// Not expired at `nowMicros` and not used up.
    bool live(int64_t nowMicros) const {
        return (expiresAt == 0 || expiresAt > nowMicros) && (maxUses == 0 || useCount < maxUses);
    }
};

/// create()'s answer: the link and its token, which exists only here.
struct CreatedShareLink {
    ShareLink link;
    std::string token;  ///< 43 characters of base64url (32 random bytes)
};

/**
 * Rules:
 * - The caller authorises creation, listing and revocation (e.g. "owner or reshare");
 *   the core checks only that the resource exists when its type is registered with
 *   core.access.v1.
 * - resolve() refuses, with the same sdk::NotFound ("Share link not found",
 *   `share_link_not_found`) whatever the reason, a token that is malformed, unknown, revoked,
 *   expired or used up, a link whose resource is gone, and a link whose creator may no longer
 *   share the resource (not the owner and without reshare/manage) when its type is registered
 *   with core.access.v1: a token cannot be probed.
 * - Then the password: sdk::Unauthorized with code `share_password_required` when the link
 *   has one and none was given, `share_password_invalid` when it is wrong, and
 *   sdk::TooManyRequests (`share_password_throttled`, with Retry-After) after 10 wrong ones
 *   on that link within 15 minutes. No use is counted.
 * - Then one use is counted atomically: with max_uses N, exactly N resolves succeed, however
 *   many run at once.
 * Thread-safe.
 */
class HUB_SDK_API IShareLinks {
public:
    static constexpr const char* kServiceId = "core.links.v1";
    virtual ~IShareLinks();

    /// Throws ValidationError for a bad mode, an expiry not in the future, a negative
    /// max_uses, a password longer than 1024 bytes or a payload that is not a JSON object.
    virtual CreatedShareLink create(const std::string& actorId, const std::string& resourceType,
                                    const std::string& resourceId, const ShareLinkPolicy& policy) = 0;
    /// Every link of the resource still stored (expired and used-up ones too), oldest first.
    virtual std::vector<ShareLink> list(const std::string& resourceType, const std::string& resourceId) const = 0;
    /// Deletes the link of this resource named by its id or by its token; false when the
    /// resource has no such link. Takes effect on the next resolve().
    virtual bool revoke(const std::string& resourceType, const std::string& resourceId,
                        const std::string& idOrToken) = 0;
    /// The link of a presented token, after the checks above, with one use counted
    /// (the returned useCount includes it). `password` "" = none given.
    virtual ShareLink resolve(const std::string& token, const std::string& password) = 0;
    /// resolve() without counting a use (e.g. a page that shows what an upload link accepts).
    virtual ShareLink inspect(const std::string& token, const std::string& password) const = 0;
    /// In the caller's transaction: drops every link of a resource being deleted.
    virtual void forgetResource(Poco::Data::Session& session, const std::string& resourceType,
                                const std::string& resourceId) = 0;
};

class RequestContext;

/// When a browser (Accept: text/html, not JSON) opens a share link's API address, answers 303
/// to the page's view of the link, `pagePath` + token (e.g. "/#/links/"), and returns true;
/// otherwise returns false and answers nothing. Only a token of link characters (base64url,
/// at most 128) goes into the Location header, since a decoded path could carry CR/LF. The
/// redirect counts no use and says nothing about whether the token is good. (SDK 1.2)
HUB_SDK_API bool redirectBrowserToLinkPage(RequestContext& ctx, const std::string& pagePath, const std::string& token);

}  // namespace v1
}  // namespace sdk
}  // namespace hub
