// The core's share links (core.links.v1): tokens stored as SHA-256, passwords hashed by the
// same PasswordHasher as user passwords, uses counted by one conditional UPDATE.
#pragma once

#include <string>
#include <vector>

#include "access/AccessService.h"
#include "auth/LoginThrottle.h"
#include "auth/PasswordHasher.h"
#include "db/Database.h"
#include "hub/sdk/services/IClock.h"
#include "hub/sdk/services/IShareLinks.h"

namespace hub::core {

class ShareLinks : public sdk::IShareLinks {
public:
    ShareLinks(Database& db, PasswordHasher& hasher, const AccessService& access, const sdk::IClock& clock)
        : db_(db), hasher_(hasher), access_(access), clock_(clock) {}

    sdk::CreatedShareLink create(const std::string& actorId, const std::string& resourceType,
                                 const std::string& resourceId, const sdk::ShareLinkPolicy& policy) override;
    std::vector<sdk::ShareLink> list(const std::string& resourceType, const std::string& resourceId) const override;
    bool revoke(const std::string& resourceType, const std::string& resourceId, const std::string& idOrToken) override;
    sdk::ShareLink resolve(const std::string& token, const std::string& password) override;
    sdk::ShareLink inspect(const std::string& token, const std::string& password) const override;
    void forgetResource(Poco::Data::Session& session, const std::string& resourceType,
                        const std::string& resourceId) override;

    /// 32 random bytes as unpadded base64url (43 characters).
    static std::string newToken();
    /// True for exactly what newToken() produces (length and alphabet).
    static bool wellFormedToken(const std::string& token);

private:
    /// The stored link of a token (without the password hash), or NotFound.
    sdk::ShareLink live(const std::string& token, std::string& passwordHash) const;
    void checkPassword(const std::string& linkId, const std::string& stored, const std::string& given) const;

    Database& db_;
    PasswordHasher& hasher_;
    const AccessService& access_;
    const sdk::IClock& clock_;
    /// Wrong link passwords: 10 per link per 15 minutes, then 429 for at most 15 minutes. The
    /// address-wide limit is off (links have no address to key on), so one link's guesser
    /// never locks out another link.
    mutable LoginThrottle guesses_{ThrottleSettings{10, 1 << 30, 900, 900, 0}};
};

}  // namespace hub::core
