#include "auth/PasswordHasher.h"

#include <chrono>
#include <crypt.h>
#include <cstring>
#include <memory>

#include <sodium.h>

#include "hub/sdk/Error.h"

namespace hub::core {

class PasswordHasher::Slot {
public:
    explicit Slot(PasswordHasher& h) : h_(h) { h_.acquire(); }
    ~Slot() { h_.release(); }

private:
    PasswordHasher& h_;
};

PasswordHasher::PasswordHasher(int memoryKib, int iterations, int maxConcurrent)
    : opsLimit_(static_cast<unsigned long long>(iterations)),
      memLimit_(static_cast<std::size_t>(memoryKib) * 1024),
      maxConcurrent_(maxConcurrent) {}

void PasswordHasher::acquire() {
    std::unique_lock<std::mutex> lock(mutex_);
    if (!cv_.wait_for(lock, std::chrono::seconds(5), [&] { return inUse_ < maxConcurrent_; })) {
        throw sdk::Unavailable("Too many logins in progress; try again shortly", "auth_busy")
            .withHeader("Retry-After", "1");
    }
    ++inUse_;
}

void PasswordHasher::release() {
    {
        std::lock_guard<std::mutex> lock(mutex_);
        --inUse_;
    }
    cv_.notify_one();
}

std::string PasswordHasher::hash(const std::string& password) {
    Slot slot(*this);
    char out[crypto_pwhash_STRBYTES];
    if (crypto_pwhash_str_alg(out, password.data(), password.size(), opsLimit_, memLimit_,
                              crypto_pwhash_ALG_ARGON2ID13) != 0) {
        throw sdk::Unavailable("Not enough memory to hash the password", "auth_busy");
    }
    return std::string(out);
}

PasswordHasher::Verdict PasswordHasher::verify(const std::string& password,
                                               const std::string& stored) {
    if (stored.rfind("$argon2", 0) == 0) {
        Slot slot(*this);
        if (crypto_pwhash_str_verify(stored.c_str(), password.data(), password.size()) != 0) {
            return Verdict::Mismatch;
        }
        int rehash = crypto_pwhash_str_needs_rehash(stored.c_str(), opsLimit_, memLimit_);
        return rehash == 0 ? Verdict::Match : Verdict::MatchNeedsRehash;
    }
    if (stored.rfind("$2a$", 0) == 0 || stored.rfind("$2b$", 0) == 0 ||
        stored.rfind("$2y$", 0) == 0) {
        Slot slot(*this);
        // struct crypt_data is ~32 KiB: keep it off the (small) thread stack.
        auto data = std::make_unique<crypt_data>();
        std::memset(data.get(), 0, sizeof(crypt_data));
        // bcrypt silently truncates at 72 bytes; HubGPT (passlib + bcrypt 4) did the same.
        const char* result = crypt_r(password.c_str(), stored.c_str(), data.get());
        if (result == nullptr || result[0] == '*') {
            return Verdict::Mismatch;
        }
        std::size_t n = std::strlen(result);
        if (n != stored.size() || sodium_memcmp(result, stored.data(), n) != 0) {
            return Verdict::Mismatch;
        }
        return Verdict::MatchNeedsRehash;
    }
    burnVerification(password);
    return Verdict::Mismatch;
}

void PasswordHasher::burnVerification(const std::string& password) {
    std::call_once(dummyOnce_, [this] { dummyHash_ = hash("hub-timing-equaliser"); });
    Slot slot(*this);
    int ignored = crypto_pwhash_str_verify(dummyHash_.c_str(), password.data(), password.size());
    (void)ignored;
}

}  // namespace hub::core
