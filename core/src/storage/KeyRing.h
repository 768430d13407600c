// Per-owner data keys for encryption at rest. Each owner (user or workspace) gets a random
// 32-byte data key the first time it stores an encrypted chunk; the key is kept in the
// database only wrapped (XChaCha20-Poly1305) by the master key, which comes from the
// environment or a key file and never touches the database. Rotating the master key re-wraps
// the data keys; chunks are not rewritten.
#pragma once

#include <map>
#include <mutex>
#include <string>

#include "db/Database.h"

namespace hub::core::storage {

/// Keys derived from one data key (libsodium crypto_kdf), so the chunk cipher key and the
/// keyed chunk-id hash never share a key.
struct OwnerKeys {
    std::string cipherKey;  ///< XChaCha20-Poly1305 key for chunk payloads
    std::string idKey;      ///< HMAC key for chunk ids (ids reveal nothing about content)
};

class KeyRing {
public:
    static constexpr std::size_t kKeyBytes = 32;

    /// `masterKey` is 32 raw bytes, or empty when no master key is configured.
    KeyRing(Database& db, std::string masterKey);
    ~KeyRing();

    bool hasMasterKey() const { return !master_.empty(); }
    /// Short public fingerprint of the master key (stored next to each wrapped key).
    std::string masterKeyId() const { return idOf(master_); }
    static std::string idOf(const std::string& masterKey);

    /// The keys of `owner`, creating its data key when `create` is set. Throws
    /// std::runtime_error when there is no master key, the owner has no key (and `create` is
    /// false) or the stored key does not unwrap with this master key.
    OwnerKeys keysFor(const std::string& owner, bool create);

    /// Re-wraps every data key with `newMaster` in one transaction; keys already wrapped by
    /// it are left alone, so an interrupted rotation can be run again. Returns how many keys
    /// were re-wrapped.
    int rotate(const std::string& newMaster);
    /// How many stored data keys this master key cannot unwrap (wrong key configured).
    int countForeignKeys();

    /// A master key from its text form: 64 hex digits or base64 of 32 bytes. Throws
    /// std::invalid_argument with a message for operators.
    static std::string parseMasterKey(const std::string& text);

private:
    std::string unwrap(const std::string& owner, const std::string& wrappedHex, const std::string& master) const;
    std::string wrap(const std::string& owner, const std::string& dataKey, const std::string& master) const;

    Database& db_;
    std::string master_;
    std::mutex mutex_;
    std::map<std::string, OwnerKeys> cache_;
};

}  // namespace hub::core::storage
