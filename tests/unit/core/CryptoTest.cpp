#include "util/Crypto.h"

#include <regex>
#include <set>
#include <string>

#include <gtest/gtest.h>

namespace hub::core {
namespace {

TEST(CryptoTest, InitializeCanBeCalledAgain) { EXPECT_NO_THROW(crypto::initialize()); }

TEST(CryptoTest, Uuid4HasVersionAndVariantBits) {
    const std::regex format(
        "^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$");
    std::set<std::string> seen;
    for (int i = 0; i < 200; ++i) {
        std::string id = crypto::uuid4();
        EXPECT_TRUE(std::regex_match(id, format)) << id;
        seen.insert(id);
    }
    EXPECT_EQ(seen.size(), 200u);
}

TEST(CryptoTest, Sha256HexMatchesKnownVectors) {
    EXPECT_EQ(crypto::sha256Hex("abc"),
              "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    EXPECT_EQ(crypto::sha256Hex(""),
              "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

TEST(CryptoTest, HmacSha256MatchesRfc4231) {
    // RFC 4231, test case 2.
    EXPECT_EQ(crypto::toHex(crypto::hmacSha256("Jefe", "what do ya want for nothing?")),
              "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

TEST(CryptoTest, ToHexIsLowercaseTwoDigitsPerByte) {
    EXPECT_EQ(crypto::toHex(std::string("\x00\x0f\xab\xff", 4)), "000fabff");
    EXPECT_EQ(crypto::toHex(""), "");
}

TEST(CryptoTest, RandomValuesHaveTheRequestedSizeAndDiffer) {
    EXPECT_EQ(crypto::randomBytes(24).size(), 24u);
    std::string a = crypto::randomHex(16);
    std::string b = crypto::randomHex(16);
    EXPECT_EQ(a.size(), 32u);
    EXPECT_EQ(a.find_first_not_of("0123456789abcdef"), std::string::npos);
    EXPECT_NE(a, b);
}

TEST(CryptoTest, ConstantTimeEqualsComparesContentAndLength) {
    EXPECT_TRUE(crypto::constantTimeEquals("secret", "secret"));
    EXPECT_TRUE(crypto::constantTimeEquals("", ""));
    EXPECT_FALSE(crypto::constantTimeEquals("secret", "secreT"));
    EXPECT_FALSE(crypto::constantTimeEquals("secret", "secret2"));
    EXPECT_FALSE(crypto::constantTimeEquals("", "x"));
    EXPECT_TRUE(crypto::constantTimeEquals(std::string("a\0b", 3), std::string("a\0b", 3)));
    EXPECT_FALSE(crypto::constantTimeEquals(std::string("a\0b", 3), std::string("a\0c", 3)));
}

TEST(CryptoTest, Base64DecodeAcceptsStandardAlphabet) {
    std::string out;
    ASSERT_TRUE(crypto::base64Decode("aGVsbG8=", out));
    EXPECT_EQ(out, "hello");
    ASSERT_TRUE(crypto::base64Decode("aGk=", out));
    EXPECT_EQ(out, "hi");
    ASSERT_TRUE(crypto::base64Decode("+/8=", out));
    EXPECT_EQ(out, "\xfb\xff");
    ASSERT_TRUE(crypto::base64Decode("", out));
    EXPECT_EQ(out, "");
}

TEST(CryptoTest, Base64DecodeRejectsMalformedInput) {
    std::string out;
    EXPECT_FALSE(crypto::base64Decode("a*b=", out));
    EXPECT_FALSE(crypto::base64Decode("aGVsbG8", out));  // padding required
    EXPECT_FALSE(crypto::base64Decode("-_8=", out));     // URL alphabet
    EXPECT_FALSE(crypto::base64Decode("aGVsbG8=x", out));
    EXPECT_FALSE(crypto::base64Decode("a", out));
}

}  // namespace
}  // namespace hub::core
