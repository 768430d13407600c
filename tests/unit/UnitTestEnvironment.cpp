// Process-wide set-up shared by every unit test: libsodium must be initialised once.

#include <gtest/gtest.h>

#include "util/Crypto.h"

namespace hub::core {
namespace {

class CryptoEnvironment : public ::testing::Environment {
public:
    void SetUp() override { crypto::initialize(); }
};

// gtest takes ownership of the environment.
[[maybe_unused]] ::testing::Environment* const kCryptoEnvironment =
    ::testing::AddGlobalTestEnvironment(new CryptoEnvironment);

}  // namespace
}  // namespace hub::core
