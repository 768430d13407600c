// Password hashing: argon2id (libsodium) for new hashes, HubGPT's bcrypt verified with
// libcrypt, and a cap on concurrent hash computations so logins cannot exhaust memory.
#pragma once

#include <condition_variable>
#include <mutex>
#include <string>

namespace hub::core {

class PasswordHasher {
public:
    enum class Verdict { Mismatch, Match, MatchNeedsRehash };

    /// `memoryKib`/`iterations` are argon2id parameters; `maxConcurrent` hashes at once.
    PasswordHasher(int memoryKib, int iterations, int maxConcurrent);

    /// A new argon2id hash string ($argon2id$v=19$...). Throws Unavailable when the
    /// hashing capacity stays busy for too long.
    std::string hash(const std::string& password);
    /// Verifies against argon2id or bcrypt ($2a$/$2b$/$2y$) hashes in constant time.
    /// MatchNeedsRehash: right password, but stored as bcrypt or with old parameters.
    Verdict verify(const std::string& password, const std::string& stored);
    /// Spends about one verification's time: used for unknown users so timing does not
    /// reveal whether an account exists.
    void burnVerification(const std::string& password);

private:
    class Slot;
    void acquire();
    void release();

    unsigned long long opsLimit_;
    std::size_t memLimit_;
    int maxConcurrent_;
    int inUse_ = 0;
    std::mutex mutex_;
    std::condition_variable cv_;
    std::once_flag dummyOnce_;
    std::string dummyHash_;  ///< made on first use, so start-up does not pay for a hash
};

}  // namespace hub::core
