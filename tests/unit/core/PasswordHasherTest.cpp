#include "auth/PasswordHasher.h"

#include <cstdio>
#include <ostream>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace hub::core {

/// Readable verdicts in failure messages.
static void PrintTo(PasswordHasher::Verdict v, std::ostream* os) {
    switch (v) {
        case PasswordHasher::Verdict::Mismatch:
            *os << "Mismatch";
            return;
        case PasswordHasher::Verdict::Match:
            *os << "Match";
            return;
        case PasswordHasher::Verdict::MatchNeedsRehash:
            *os << "MatchNeedsRehash";
            return;
    }
}

namespace {

using ::testing::StartsWith;
using Verdict = PasswordHasher::Verdict;

// Small argon2id parameters keep the suite fast; the logic does not depend on them.
constexpr int kMemoryKib = 8192;
constexpr int kIterations = 1;

/// Runs `command` and returns its standard output without the trailing newline.
std::string runCommand(const std::string& command) {
    std::string out;
    FILE* pipe = ::popen(command.c_str(), "r");
    if (pipe == nullptr) {
        return out;
    }
    char buffer[256];
    while (std::fgets(buffer, sizeof buffer, pipe) != nullptr) {
        out += buffer;
    }
    ::pclose(pipe);
    while (!out.empty() && (out.back() == '\n' || out.back() == '\r')) {
        out.pop_back();
    }
    return out;
}

/// A $2b$ hash of "hunter2" made by Python's bcrypt (as HubGPT stored them). Debian's
/// python3-bcrypt lives under /usr/bin/python3, which may not be first on PATH.
std::string pythonBcryptHash() {
    const std::string script =
        " -c 'import bcrypt;print(bcrypt.hashpw(b\"hunter2\", bcrypt.gensalt(4)).decode())'"
        " 2>/dev/null";
    for (const char* python : {"/usr/bin/python3", "python3"}) {
        std::string hash = runCommand(python + script);
        if (hash.rfind("$2b$", 0) == 0) {
            return hash;
        }
    }
    return {};
}

class PasswordHasherTest : public ::testing::Test {
protected:
    PasswordHasher hasher_{kMemoryKib, kIterations, 4};
};

/// Tests against a hash made by Python's bcrypt (made once for the suite).
class PasswordHasherBcryptTest : public PasswordHasherTest {
protected:
    static void SetUpTestSuite() { bcryptHash_ = new std::string(pythonBcryptHash()); }
    static void TearDownTestSuite() {
        delete bcryptHash_;
        bcryptHash_ = nullptr;
    }
    void SetUp() override {
        ASSERT_THAT(*bcryptHash_, StartsWith("$2b$04$"))
            << "python3 with the bcrypt module (Debian: python3-bcrypt) is needed";
    }

    static std::string* bcryptHash_;
};

std::string* PasswordHasherBcryptTest::bcryptHash_ = nullptr;

TEST_F(PasswordHasherTest, HashIsArgon2idAndVerifiesAsMatch) {
    std::string hash = hasher_.hash("correct horse");
    EXPECT_THAT(hash, StartsWith("$argon2id$v=19$"));
    EXPECT_EQ(hasher_.verify("correct horse", hash), Verdict::Match);
}

TEST_F(PasswordHasherTest, WrongPasswordIsMismatch) {
    std::string hash = hasher_.hash("correct horse");
    EXPECT_EQ(hasher_.verify("correct horsE", hash), Verdict::Mismatch);
    EXPECT_EQ(hasher_.verify("", hash), Verdict::Mismatch);
}

TEST_F(PasswordHasherTest, HashesOfTheSamePasswordAreSalted) {
    EXPECT_NE(hasher_.hash("same"), hasher_.hash("same"));
}

TEST_F(PasswordHasherBcryptTest, BcryptHashVerifiesAsMatchNeedsRehash) {
    EXPECT_EQ(hasher_.verify("hunter2", *bcryptHash_), Verdict::MatchNeedsRehash);
}

TEST_F(PasswordHasherBcryptTest, BcryptHashWithWrongPasswordIsMismatch) {
    EXPECT_EQ(hasher_.verify("hunter3", *bcryptHash_), Verdict::Mismatch);
    EXPECT_EQ(hasher_.verify("", *bcryptHash_), Verdict::Mismatch);
}

TEST_F(PasswordHasherBcryptTest, Bcrypt2aAnd2yPrefixesAreAccepted) {
    for (const char* prefix : {"$2a$", "$2y$"}) {
        std::string hash = prefix + bcryptHash_->substr(4);
        EXPECT_EQ(hasher_.verify("hunter2", hash), Verdict::MatchNeedsRehash) << prefix;
        EXPECT_EQ(hasher_.verify("hunter3", hash), Verdict::Mismatch) << prefix;
    }
}

TEST_F(PasswordHasherBcryptTest, TruncatedBcryptHashIsMismatch) {
    std::string hash = bcryptHash_->substr(0, bcryptHash_->size() - 1);
    EXPECT_EQ(hasher_.verify("hunter2", hash), Verdict::Mismatch);
}

TEST_F(PasswordHasherTest, HashWithOlderParametersNeedsRehash) {
    std::string old = hasher_.hash("pw");
    PasswordHasher stronger(kMemoryKib, kIterations + 1, 4);
    EXPECT_EQ(stronger.verify("pw", old), Verdict::MatchNeedsRehash);
    EXPECT_EQ(stronger.verify("wrong", old), Verdict::Mismatch);
    EXPECT_EQ(stronger.verify("pw", stronger.hash("pw")), Verdict::Match);
}

TEST_F(PasswordHasherTest, GarbageStoredHashIsMismatch) {
    for (const char* stored : {"", "garbage", "$argon2id$garbage", "$2b$04$short",
                               "$1$saltsalt$abcdefghijklmnopqrstuv", "hunter2"}) {
        EXPECT_EQ(hasher_.verify("hunter2", stored), Verdict::Mismatch) << stored;
    }
}

TEST_F(PasswordHasherTest, BurnVerificationCompletes) {
    hasher_.burnVerification("anything");
    // The capacity slot is released again: a normal hash still works afterwards.
    EXPECT_EQ(hasher_.verify("x", hasher_.hash("x")), Verdict::Match);
}

}  // namespace
}  // namespace hub::core
