#include "auth/JwtService.h"

#include <cstdint>
#include <stdexcept>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <Poco/JSON/Object.h>

#include "hub/sdk/Json.h"
#include "util/Crypto.h"

namespace hub::core {
namespace {

using ::testing::HasSubstr;

constexpr int64_t kNow = 1700000000;
constexpr int64_t kTtl = 3600;
constexpr int64_t kLeeway = 30;
const std::string kSecret = "0123456789abcdef0123456789abcdef0123456789abcdef";  // 48 bytes

JwtSettings settings(const std::string& secret = kSecret) {
    JwtSettings s;
    s.algorithm = "HS256";
    s.issuer = "hub";
    s.audience = "hub-api";
    s.ttlSeconds = kTtl;
    s.leewaySeconds = kLeeway;
    s.hmacSecret = secret;
    return s;
}

std::string base64Url(const std::string& in) {
    static const char* const kAlphabet =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    std::string out;
    std::size_t i = 0;
    auto byte = [&](std::size_t k) {
        return static_cast<uint32_t>(static_cast<unsigned char>(in[k]));
    };
    for (; i + 2 < in.size(); i += 3) {
        uint32_t n = (byte(i) << 16) | (byte(i + 1) << 8) | byte(i + 2);
        out += kAlphabet[(n >> 18) & 63];
        out += kAlphabet[(n >> 12) & 63];
        out += kAlphabet[(n >> 6) & 63];
        out += kAlphabet[n & 63];
    }
    if (in.size() - i == 1) {
        uint32_t n = byte(i) << 16;
        out += kAlphabet[(n >> 18) & 63];
        out += kAlphabet[(n >> 12) & 63];
    } else if (in.size() - i == 2) {
        uint32_t n = (byte(i) << 16) | (byte(i + 1) << 8);
        out += kAlphabet[(n >> 18) & 63];
        out += kAlphabet[(n >> 12) & 63];
        out += kAlphabet[(n >> 6) & 63];
    }
    return out;
}

std::string base64UrlDecode(std::string in) {
    for (char& c : in) {
        if (c == '-') c = '+';
        if (c == '_') c = '/';
    }
    while (in.size() % 4 != 0) in += '=';
    std::string out;
    EXPECT_TRUE(crypto::base64Decode(in, out)) << in;
    return out;
}

/// A token with exactly the given header and payload text, signed with HS256 and `secret`.
std::string signToken(const std::string& headerJson, const std::string& payloadJson,
                      const std::string& secret = kSecret) {
    std::string signingInput = base64Url(headerJson) + "." + base64Url(payloadJson);
    return signingInput + "." + base64Url(crypto::hmacSha256(secret, signingInput));
}

const std::string kHeader = R"({"alg":"HS256","typ":"JWT"})";

/// The claims JwtService::issue would write at kNow.
Poco::JSON::Object::Ptr standardClaims() {
    auto p = sdk::json::object();
    p->set("sub", std::string("user-1"));
    p->set("iss", std::string("hub"));
    p->set("aud", std::string("hub-api"));
    p->set("typ", std::string("access"));
    p->set("jti", std::string("session-1"));
    p->set("iat", Poco::Int64(kNow));
    p->set("nbf", Poco::Int64(kNow));
    p->set("exp", Poco::Int64(kNow + kTtl));
    return p;
}

std::string signClaims(const Poco::JSON::Object::Ptr& claims) {
    return signToken(kHeader, sdk::json::stringify(claims));
}

class JwtServiceTest : public ::testing::Test {
protected:
    /// True when `token` is refused at `now` with TokenProblem `expected`.
    ::testing::AssertionResult refused(const std::string& token, int64_t now = kNow,
                                       TokenProblem expected = TokenProblem::Malformed) {
        TokenProblem problem = TokenProblem::None;
        auto claims = jwt_.verify(token, now, &problem);
        if (claims) {
            return ::testing::AssertionFailure() << "token accepted: " << token;
        }
        if (problem != expected) {
            return ::testing::AssertionFailure()
                   << "refused with problem " << static_cast<int>(problem) << ", expected "
                   << static_cast<int>(expected);
        }
        return ::testing::AssertionSuccess();
    }

    JwtService jwt_{settings()};
};

TEST_F(JwtServiceTest, IssuedTokenVerifiesWithItsClaims) {
    std::string token = jwt_.issue("user-1", "session-1", kNow);
    TokenProblem problem = TokenProblem::Malformed;
    auto claims = jwt_.verify(token, kNow + 10, &problem);
    ASSERT_TRUE(claims.has_value());
    EXPECT_EQ(problem, TokenProblem::None);
    EXPECT_EQ(claims->subject, "user-1");
    EXPECT_EQ(claims->sessionId, "session-1");
    EXPECT_EQ(claims->expiresAt, kNow + kTtl);
    EXPECT_EQ(jwt_.ttlSeconds(), kTtl);
}

TEST_F(JwtServiceTest, HandBuiltTokenWithStandardClaimsVerifies) {
    // Guards the helpers below: the refusals in other tests are about the claim changed.
    auto claims = jwt_.verify(signClaims(standardClaims()), kNow);
    ASSERT_TRUE(claims.has_value());
    EXPECT_EQ(claims->subject, "user-1");
}

TEST(JwtServiceSettingsTest, SecretShorterThan32BytesIsRefused) {
    EXPECT_THROW(JwtService{settings(std::string(31, 'k'))}, std::invalid_argument);
    EXPECT_NO_THROW(JwtService{settings(std::string(32, 'k'))});
}

TEST(JwtServiceSettingsTest, UnsupportedAlgorithmIsRefused) {
    JwtSettings s = settings();
    s.algorithm = "HS512";
    EXPECT_THROW(JwtService{s}, std::invalid_argument);
}

TEST_F(JwtServiceTest, ClaimsAreWholeSecondIntegers) {
    std::string token = jwt_.issue("user-1", "session-1", kNow);
    auto first = token.find('.');
    auto second = token.find('.', first + 1);
    ASSERT_NE(second, std::string::npos);
    std::string payloadText = base64UrlDecode(token.substr(first + 1, second - first - 1));
    EXPECT_THAT(payloadText, HasSubstr("\"iat\":1700000000"));
    EXPECT_THAT(payloadText, HasSubstr("\"exp\":1700003600"));

    auto payload = sdk::json::parseStrictObject(payloadText);
    for (const char* name : {"iat", "nbf", "exp"}) {
        ASSERT_TRUE(payload->has(name)) << name;
        auto v = payload->get(name);
        EXPECT_TRUE(v.isInteger()) << name;
        EXPECT_FALSE(v.isBoolean()) << name;
    }
    EXPECT_EQ(payload->getValue<int64_t>("exp") - payload->getValue<int64_t>("iat"), kTtl);
    EXPECT_EQ(payload->getValue<std::string>("sub"), "user-1");
    EXPECT_EQ(payload->getValue<std::string>("jti"), "session-1");
    EXPECT_EQ(payload->getValue<std::string>("typ"), "access");
    EXPECT_EQ(payload->getValue<std::string>("iss"), "hub");
    EXPECT_EQ(payload->getValue<std::string>("aud"), "hub-api");
}

TEST_F(JwtServiceTest, HeaderNamesTheAlgorithm) {
    std::string token = jwt_.issue("user-1", "session-1", kNow);
    auto header = sdk::json::parseStrictObject(base64UrlDecode(token.substr(0, token.find('.'))));
    EXPECT_EQ(header->getValue<std::string>("alg"), "HS256");
}

TEST_F(JwtServiceTest, ExpiredTokenBeyondLeewayIsRejected) {
    std::string token = jwt_.issue("user-1", "session-1", kNow);
    EXPECT_TRUE(refused(token, kNow + kTtl + kLeeway + 1));
    EXPECT_TRUE(refused(token, kNow + 10 * kTtl));
}

TEST_F(JwtServiceTest, ExpiredTokenWithinLeewayIsAccepted) {
    std::string token = jwt_.issue("user-1", "session-1", kNow);
    EXPECT_TRUE(jwt_.verify(token, kNow + kTtl + 1).has_value());
    EXPECT_TRUE(jwt_.verify(token, kNow + kTtl + kLeeway).has_value());
}

TEST_F(JwtServiceTest, NotBeforeInTheFutureIsRejected) {
    auto claims = standardClaims();
    claims->set("nbf", Poco::Int64(kNow + kLeeway + 1));
    EXPECT_TRUE(refused(signClaims(claims)));
    // A token issued in the future by a clock far ahead is refused too.
    EXPECT_TRUE(refused(jwt_.issue("user-1", "session-1", kNow + 3600), kNow));
}

TEST_F(JwtServiceTest, NotBeforeWithinLeewayIsAccepted) {
    auto claims = standardClaims();
    claims->set("nbf", Poco::Int64(kNow + kLeeway));
    EXPECT_TRUE(jwt_.verify(signClaims(claims), kNow).has_value());
}

TEST_F(JwtServiceTest, IssuedAtInTheFutureIsRejected) {
    auto claims = standardClaims();
    claims->set("iat", Poco::Int64(kNow + kLeeway + 1));
    EXPECT_TRUE(refused(signClaims(claims)));
}

TEST_F(JwtServiceTest, MissingOrNonIntegerExpiryIsRejected) {
    auto noExp = standardClaims();
    noExp->remove("exp");
    EXPECT_TRUE(refused(signClaims(noExp)));

    auto fractional = standardClaims();
    fractional->set("exp", static_cast<double>(kNow + kTtl) + 0.5);
    EXPECT_TRUE(refused(signClaims(fractional)));

    auto text = standardClaims();
    text->set("exp", std::to_string(kNow + kTtl));
    EXPECT_TRUE(refused(signClaims(text)));
}

TEST_F(JwtServiceTest, WrongAudienceIsRejected) {
    auto claims = standardClaims();
    claims->set("aud", std::string("other-api"));
    EXPECT_TRUE(refused(signClaims(claims)));

    auto none = standardClaims();
    none->remove("aud");
    EXPECT_TRUE(refused(signClaims(none)));
}

TEST_F(JwtServiceTest, AudienceListContainingOursIsAccepted) {
    auto list = sdk::json::array();
    list->add(std::string("other-api"));
    list->add(std::string("hub-api"));
    auto claims = standardClaims();
    claims->set("aud", list);
    EXPECT_TRUE(jwt_.verify(signClaims(claims), kNow).has_value());

    auto others = sdk::json::array();
    others->add(std::string("other-api"));
    claims->set("aud", others);
    EXPECT_TRUE(refused(signClaims(claims)));
}

TEST_F(JwtServiceTest, WrongIssuerIsRejected) {
    auto claims = standardClaims();
    claims->set("iss", std::string("evil"));
    EXPECT_TRUE(refused(signClaims(claims)));

    auto none = standardClaims();
    none->remove("iss");
    EXPECT_TRUE(refused(signClaims(none)));

    JwtSettings other = settings();
    other.issuer = "other-hub";
    EXPECT_TRUE(refused(JwtService(other).issue("user-1", "session-1", kNow)));
}

TEST_F(JwtServiceTest, WrongTokenTypeIsRejected) {
    auto refresh = standardClaims();
    refresh->set("typ", std::string("refresh"));
    EXPECT_TRUE(refused(signClaims(refresh)));

    auto none = standardClaims();
    none->remove("typ");
    EXPECT_TRUE(refused(signClaims(none)));
}

TEST_F(JwtServiceTest, TokenSignedWithAnotherKeyIsRejected) {
    JwtService other(settings("ffffffffffffffffffffffffffffffffffffffffffffffff"));
    EXPECT_TRUE(refused(other.issue("user-1", "session-1", kNow)));
    EXPECT_TRUE(
        refused(signToken(kHeader, sdk::json::stringify(standardClaims()), std::string(48, 'x'))));
}

TEST_F(JwtServiceTest, TamperedPayloadIsRejected) {
    std::string token = jwt_.issue("user-1", "session-1", kNow);
    auto first = token.find('.');
    auto second = token.find('.', first + 1);
    auto claims = standardClaims();
    claims->set("sub", std::string("admin"));
    std::string forged = token.substr(0, first) + "." + base64Url(sdk::json::stringify(claims)) +
                         token.substr(second);
    EXPECT_TRUE(refused(forged));
}

TEST_F(JwtServiceTest, AlgNoneTokenIsRejected) {
    const std::string payload = base64Url(sdk::json::stringify(standardClaims()));
    EXPECT_EQ(base64UrlDecode("eyJhbGciOiJub25lIn0"), R"({"alg":"none"})");
    EXPECT_TRUE(refused("eyJhbGciOiJub25lIn0." + payload + "."));
    // Also when it carries a valid-looking signature of the same input.
    std::string input = "eyJhbGciOiJub25lIn0." + payload;
    EXPECT_TRUE(refused(input + "." + base64Url(crypto::hmacSha256(kSecret, input))));
}

TEST_F(JwtServiceTest, HeaderWithDuplicateAlgIsRejected) {
    const std::string payload = sdk::json::stringify(standardClaims());
    EXPECT_TRUE(refused(signToken(R"({"alg":"none","alg":"HS256","typ":"JWT"})", payload)));
    EXPECT_TRUE(refused(signToken(R"({"alg":"HS256","alg":"none","typ":"JWT"})", payload)));
    EXPECT_TRUE(refused(signToken(R"({"alg":"HS256","alg":"HS256","typ":"JWT"})", payload)));
}

TEST_F(JwtServiceTest, PayloadWithDuplicateClaimIsRejected) {
    std::string payload = sdk::json::stringify(standardClaims());
    payload.insert(1, R"("sub":"admin",)");
    EXPECT_TRUE(refused(signToken(kHeader, payload)));
}

TEST_F(JwtServiceTest, KeySelectionHeadersAreRejected) {
    const std::string payload = sdk::json::stringify(standardClaims());
    EXPECT_TRUE(refused(
        signToken(R"({"alg":"HS256","typ":"JWT","jku":"http://127.0.0.1/keys"})", payload)));
    EXPECT_TRUE(refused(signToken(R"({"alg":"HS256","typ":"JWT","crit":["exp"]})", payload)));
}

TEST_F(JwtServiceTest, MalformedStringsAreRejected) {
    for (const std::string& bad :
         {std::string(""), std::string("a.b"), std::string("...."), std::string("a.b.c"),
          std::string("a.b.c.d"), std::string("not-a-token"), std::string("!!!.???.***"),
          std::string(".."), std::string(8193, 'a')}) {
        EXPECT_TRUE(refused(bad)) << "token: " << bad.substr(0, 40);
    }
    std::string token = jwt_.issue("user-1", "session-1", kNow);
    EXPECT_TRUE(refused(token + ".extra"));
    EXPECT_TRUE(refused(token.substr(0, token.size() - 4)));
}

TEST_F(JwtServiceTest, MissingSubjectGivesNoSubject) {
    auto claims = standardClaims();
    claims->remove("sub");
    EXPECT_TRUE(refused(signClaims(claims), kNow, TokenProblem::NoSubject));

    auto numeric = standardClaims();
    numeric->set("sub", 42);
    EXPECT_TRUE(refused(signClaims(numeric), kNow, TokenProblem::NoSubject));

    EXPECT_TRUE(refused(jwt_.issue("", "session-1", kNow), kNow, TokenProblem::NoSubject));
}

TEST_F(JwtServiceTest, VerifyWorksWithoutAProblemPointer) {
    EXPECT_TRUE(jwt_.verify(jwt_.issue("user-1", "s", kNow), kNow).has_value());
    EXPECT_FALSE(jwt_.verify("garbage", kNow).has_value());
}

}  // namespace
}  // namespace hub::core
