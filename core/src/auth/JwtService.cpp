#include "auth/JwtService.h"

#include <sstream>

#include <Poco/Base64Decoder.h>
#include <Poco/Crypto/ECKey.h>
#include <Poco/Crypto/RSAKey.h>
#include <Poco/Exception.h>
#include <Poco/JWT/Token.h>
#include <Poco/StringTokenizer.h>

#include "hub/sdk/Error.h"
#include "hub/sdk/Json.h"

namespace hub::core {
namespace {

bool base64UrlDecode(const std::string& in, std::string& out) {
    std::string b64 = in;
    for (char& c : b64) {
        if (c == '-') c = '+';
        else if (c == '_') c = '/';
        else if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '+' || c == '/')) return false;
    }
    while (b64.size() % 4 != 0) b64 += '=';
    try {
        std::istringstream istr(b64);
        Poco::Base64Decoder decoder(istr);
        std::ostringstream ostr;
        ostr << decoder.rdbuf();
        out = ostr.str();
        return true;
    } catch (...) {
        return false;
    }
}

/// Parses a JOSE part strictly (no duplicate members: a pre-check and the final parse must
/// never see different values).
Poco::JSON::Object::Ptr strictPart(const std::string& encoded) {
    std::string text;
    if (!base64UrlDecode(encoded, text)) return nullptr;
    try {
        return sdk::json::parseStrictObject(text, 16);
    } catch (const sdk::Error&) {
        return nullptr;
    }
}

bool integerClaim(const Poco::JSON::Object::Ptr& p, const std::string& name, int64_t& out) {
    if (!p->has(name)) return false;
    auto v = p->get(name);
    if (!v.isInteger() || v.isBoolean()) return false;
    out = v.convert<int64_t>();
    return true;
}

}  // namespace

JwtService::JwtService(const JwtSettings& s) : settings_(s) {
    if (s.algorithm == "HS256") {
        if (s.hmacSecret.size() < 32) {
            throw std::invalid_argument("JWT secret must be at least 32 bytes");
        }
        signer_ = std::make_unique<Poco::JWT::Signer>(s.hmacSecret);
    } else if (s.algorithm == "RS256") {
        std::istringstream priv(s.privateKeyPem);
        std::istringstream pub(s.publicKeyPem);
        Poco::SharedPtr<Poco::Crypto::RSAKey> key = s.publicKeyPem.empty()
            ? new Poco::Crypto::RSAKey(nullptr, &priv, "")
            : new Poco::Crypto::RSAKey(&pub, &priv, "");
        signer_ = std::make_unique<Poco::JWT::Signer>(key);
    } else if (s.algorithm == "ES256") {
        std::istringstream priv(s.privateKeyPem);
        std::istringstream pub(s.publicKeyPem);
        Poco::SharedPtr<Poco::Crypto::ECKey> key = s.publicKeyPem.empty()
            ? new Poco::Crypto::ECKey(nullptr, &priv, "")
            : new Poco::Crypto::ECKey(&pub, &priv, "");
        signer_ = std::make_unique<Poco::JWT::Signer>(key);
    } else {
        throw std::invalid_argument("unsupported JWT algorithm " + s.algorithm);
    }
    // Every Signer starts with {HS256} allowed, even an RSA one: pin exactly one algorithm
    // so an RS256 public key can never be used as an HS256 secret.
    signer_->setAlgorithms({s.algorithm});
}

std::string JwtService::issue(const std::string& userId, const std::string& sessionId,
                              int64_t nowSeconds) const {
    Poco::JWT::Token token;
    token.setType("JWT");
    auto& p = token.payload();
    p.set("sub", userId);
    p.set("iss", settings_.issuer);
    p.set("aud", settings_.audience);
    p.set("typ", std::string("access"));
    p.set("jti", sessionId);
    p.set("iat", static_cast<Poco::Int64>(nowSeconds));
    p.set("nbf", static_cast<Poco::Int64>(nowSeconds));
    p.set("exp", static_cast<Poco::Int64>(nowSeconds + settings_.ttlSeconds));
    return signer_->sign(token, settings_.algorithm);
}

std::optional<TokenClaims> JwtService::verify(const std::string& token, int64_t now,
                                              TokenProblem* problem) const {
    auto fail = [&](TokenProblem p) -> std::optional<TokenClaims> {
        if (problem) *problem = p;
        return std::nullopt;
    };
    if (problem) *problem = TokenProblem::None;
    if (token.empty() || token.size() > 8192) return fail(TokenProblem::Malformed);
    Poco::StringTokenizer parts(token, ".", 0);
    if (parts.count() != 3) return fail(TokenProblem::Malformed);
    auto header = strictPart(parts[0]);
    auto payload = strictPart(parts[1]);
    if (!header || !payload) return fail(TokenProblem::Malformed);
    if (!header->has("alg") || !header->get("alg").isString() ||
        header->get("alg").convert<std::string>() != settings_.algorithm) {
        return fail(TokenProblem::Malformed);
    }
    // Untrusted key-selection headers are never honoured (RFC 8725 §3.10).
    if (header->has("jku") || header->has("x5u") || header->has("jwk") || header->has("crit")) {
        return fail(TokenProblem::Malformed);
    }
    try {
        Poco::JWT::Token verified;
        if (!signer_->tryVerify(token, verified)) return fail(TokenProblem::Malformed);
    } catch (const Poco::Exception&) {
        return fail(TokenProblem::Malformed);
    } catch (const std::exception&) {
        return fail(TokenProblem::Malformed);
    }
    int64_t exp = 0, nbf = 0, iat = 0;
    if (!integerClaim(payload, "exp", exp) || now > exp + settings_.leewaySeconds) {
        return fail(TokenProblem::Malformed);
    }
    if (payload->has("nbf") && (!integerClaim(payload, "nbf", nbf) || now + settings_.leewaySeconds < nbf)) {
        return fail(TokenProblem::Malformed);
    }
    if (payload->has("iat") && (!integerClaim(payload, "iat", iat) || now + settings_.leewaySeconds < iat)) {
        return fail(TokenProblem::Malformed);
    }
    auto stringClaim = [&](const char* name) -> std::optional<std::string> {
        if (!payload->has(name)) return std::nullopt;
        auto v = payload->get(name);
        if (!v.isString()) return std::string("\x01");  // present but not a string: never matches
        return v.convert<std::string>();
    };
    if (stringClaim("iss") != settings_.issuer) return fail(TokenProblem::Malformed);
    // aud may be a string or an array containing ours.
    bool audOk = false;
    if (payload->has("aud")) {
        auto v = payload->get("aud");
        if (v.isString()) {
            audOk = v.convert<std::string>() == settings_.audience;
        } else if (v.type() == typeid(Poco::JSON::Array::Ptr)) {
            auto arr = v.extract<Poco::JSON::Array::Ptr>();
            for (std::size_t i = 0; i < arr->size(); ++i) {
                if (arr->get(i).isString() && arr->get(i).convert<std::string>() == settings_.audience) {
                    audOk = true;
                }
            }
        }
    }
    if (!audOk) return fail(TokenProblem::Malformed);
    if (stringClaim("typ") != std::string("access")) return fail(TokenProblem::Malformed);
    auto sub = stringClaim("sub");
    if (!sub || sub->empty() || *sub == "\x01") return fail(TokenProblem::NoSubject);
    auto jti = stringClaim("jti");
    TokenClaims claims;
    claims.subject = *sub;
    claims.sessionId = jti && *jti != "\x01" ? *jti : "";
    claims.expiresAt = exp;
    return claims;
}

}  // namespace hub::core
