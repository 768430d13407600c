// Issues and verifies access tokens. POCO checks only the signature and the algorithm
// allow-list; every claim (exp, nbf, iat, iss, aud, typ) is checked here.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include <Poco/Crypto/OpenSSLInitializer.h>
#include <Poco/JWT/Signer.h>

namespace hub::core {

struct JwtSettings {
    std::string algorithm = "HS256";
    std::string issuer = "hub";
    std::string audience = "hub-api";
    int64_t ttlSeconds = 604800;
    int64_t leewaySeconds = 30;
    std::string hmacSecret;      ///< HS256
    std::string privateKeyPem;   ///< RS256/ES256
    std::string publicKeyPem;    ///< RS256/ES256 (optional: derived from the private key)
};

/// Claims of a verified token.
struct TokenClaims {
    std::string subject;    ///< user id
    std::string sessionId;  ///< jti = auth_sessions.id
    int64_t expiresAt = 0;  ///< seconds
};

/// Why a token was refused (mapped to HubGPT's 401 messages by the caller).
enum class TokenProblem { None, Malformed, NoSubject };

class JwtService {
public:
    explicit JwtService(const JwtSettings& settings);

    /// A signed token for `userId` with session id `sessionId`, valid for ttlSeconds
    /// from `nowSeconds`. Claims are whole seconds (PyJWT and others reject fractions).
    std::string issue(const std::string& userId, const std::string& sessionId,
                      int64_t nowSeconds) const;
    /// Verifies signature, algorithm and every claim against `nowSeconds`.
    std::optional<TokenClaims> verify(const std::string& token, int64_t nowSeconds,
                                      TokenProblem* problem = nullptr) const;

    int64_t ttlSeconds() const { return settings_.ttlSeconds; }

private:
    /// Holds POCO's OpenSSL reference for the service's lifetime. Without it every HMAC
    /// takes and drops the last reference, and concurrent verifications race OpenSSL's
    /// teardown (crashes under load, and twice the cost per token).
    Poco::Crypto::OpenSSLInitializer openssl_;
    JwtSettings settings_;
    std::unique_ptr<Poco::JWT::Signer> signer_;
};

}  // namespace hub::core
