#include "storage/KeyRing.h"

#include <stdexcept>
#include <vector>

#include <Poco/Data/Session.h>
#include <sodium.h>

#include "util/Crypto.h"

using namespace Poco::Data::Keywords;

namespace hub::core::storage {
namespace {

std::string fromHex(const std::string& hex) {
    std::string out(hex.size() / 2, '\0');
    std::size_t len = 0;
    if (sodium_hex2bin(reinterpret_cast<unsigned char*>(out.data()), out.size(), hex.data(), hex.size(), nullptr, &len,
                       nullptr) != 0 ||
        len != out.size()) {
        throw std::invalid_argument("not hex");
    }
    return out;
}

std::string wrapAad(const std::string& owner) { return "hub-data-key:" + owner; }

OwnerKeys derive(const std::string& dataKey) {
    OwnerKeys k;
    k.cipherKey.resize(32);
    k.idKey.resize(32);
    auto* master = reinterpret_cast<const unsigned char*>(dataKey.data());
    crypto_kdf_derive_from_key(reinterpret_cast<unsigned char*>(k.cipherKey.data()), 32, 1, "hubchunk", master);
    crypto_kdf_derive_from_key(reinterpret_cast<unsigned char*>(k.idKey.data()), 32, 2, "hubchnid", master);
    return k;
}

void wipe(std::string& s) {
    if (!s.empty()) sodium_memzero(s.data(), s.size());
}

}  // namespace

KeyRing::KeyRing(Database& db, std::string masterKey) : db_(db), master_(std::move(masterKey)) {
    if (!master_.empty() && master_.size() != kKeyBytes) throw std::invalid_argument("the master key must be 32 bytes");
}

KeyRing::~KeyRing() {
    wipe(master_);
    for (auto& [owner, k] : cache_) {
        wipe(k.cipherKey);
        wipe(k.idKey);
    }
}

std::string KeyRing::idOf(const std::string& masterKey) {
    if (masterKey.empty()) return "";
    unsigned char out[8];
    static const char label[] = "hub-master-key-id";
    crypto_generichash(out, sizeof out, reinterpret_cast<const unsigned char*>(label), sizeof label - 1,
                       reinterpret_cast<const unsigned char*>(masterKey.data()), masterKey.size());
    return crypto::toHex(std::string(reinterpret_cast<char*>(out), sizeof out));
}

std::string KeyRing::parseMasterKey(const std::string& raw) {
    std::string text = raw;
    while (!text.empty() && (text.back() == '\n' || text.back() == '\r' || text.back() == ' ')) text.pop_back();
    while (!text.empty() && text.front() == ' ') text.erase(0, 1);
    if (text.size() == 64) {
        try {
            return fromHex(text);
        } catch (const std::invalid_argument&) {
        }
    }
    std::string decoded;
    if (crypto::base64Decode(text, decoded) && decoded.size() == kKeyBytes) return decoded;
    throw std::invalid_argument(
        "a master key must be 32 bytes written as 64 hex digits or base64 (e.g. `openssl rand -hex 32`)");
}

std::string KeyRing::wrap(const std::string& owner, const std::string& dataKey, const std::string& master) const {
    std::string out(crypto_aead_xchacha20poly1305_ietf_NPUBBYTES + dataKey.size() +
                        crypto_aead_xchacha20poly1305_ietf_ABYTES,
                    '\0');
    auto* nonce = reinterpret_cast<unsigned char*>(out.data());
    randombytes_buf(nonce, crypto_aead_xchacha20poly1305_ietf_NPUBBYTES);
    std::string aad = wrapAad(owner);
    unsigned long long clen = 0;
    crypto_aead_xchacha20poly1305_ietf_encrypt(nonce + crypto_aead_xchacha20poly1305_ietf_NPUBBYTES, &clen,
                                               reinterpret_cast<const unsigned char*>(dataKey.data()), dataKey.size(),
                                               reinterpret_cast<const unsigned char*>(aad.data()), aad.size(), nullptr,
                                               nonce, reinterpret_cast<const unsigned char*>(master.data()));
    return crypto::toHex(out);
}

std::string KeyRing::unwrap(const std::string& owner, const std::string& wrappedHex, const std::string& master) const {
    std::string wrapped = fromHex(wrappedHex);
    const std::size_t overhead = crypto_aead_xchacha20poly1305_ietf_NPUBBYTES + crypto_aead_xchacha20poly1305_ietf_ABYTES;
    if (wrapped.size() != overhead + kKeyBytes) throw std::runtime_error("stored data key has the wrong length");
    std::string key(kKeyBytes, '\0');
    std::string aad = wrapAad(owner);
    const auto* nonce = reinterpret_cast<const unsigned char*>(wrapped.data());
    unsigned long long mlen = 0;
    if (crypto_aead_xchacha20poly1305_ietf_decrypt(
            reinterpret_cast<unsigned char*>(key.data()), &mlen, nullptr,
            nonce + crypto_aead_xchacha20poly1305_ietf_NPUBBYTES, wrapped.size() - crypto_aead_xchacha20poly1305_ietf_NPUBBYTES,
            reinterpret_cast<const unsigned char*>(aad.data()), aad.size(), nonce,
            reinterpret_cast<const unsigned char*>(master.data())) != 0) {
        throw std::runtime_error("the data key of '" + owner + "' does not unwrap with the configured master key");
    }
    return key;
}

OwnerKeys KeyRing::keysFor(const std::string& owner, bool create) {
    {
        std::lock_guard<std::mutex> lock(mutex_);
        if (auto it = cache_.find(owner); it != cache_.end()) return it->second;
    }
    if (master_.empty()) throw std::runtime_error("encrypted storage needs a master key (HUB_STORAGE_MASTER_KEY or storage.encryption.master_key_file)");
    std::vector<std::string> wrapped;
    std::string o = owner;
    db_.withSession([&](Poco::Data::Session& s) {
        wrapped.clear();
        s << "SELECT wrapped_key FROM storage_data_keys WHERE owner_id = $1", use(o), into(wrapped), now;
    });
    if (wrapped.empty()) {
        if (!create) throw std::runtime_error("no data key exists for '" + owner + "'");
        std::string fresh = crypto::randomBytes(kKeyBytes);
        std::string w = wrap(owner, fresh, master_), id = masterKeyId();
        wipe(fresh);
        int64_t at = static_cast<int64_t>(time(nullptr)) * 1000000;
        // Two first writers may race: the first row wins and both use it.
        db_.withTransaction([&](Poco::Data::Session& s) {
            s << "INSERT INTO storage_data_keys (owner_id, wrapped_key, master_key_id, created_at) VALUES ($1, $2, $3, $4) "
                 "ON CONFLICT (owner_id) DO NOTHING",
                use(o), use(w), use(id), use(at), now;
            wrapped.clear();
            s << "SELECT wrapped_key FROM storage_data_keys WHERE owner_id = $1", use(o), into(wrapped), now;
        });
        if (wrapped.empty()) throw std::runtime_error("could not store a data key for '" + owner + "'");
    }
    std::string dataKey = unwrap(owner, wrapped.front(), master_);
    OwnerKeys keys = derive(dataKey);
    wipe(dataKey);
    std::lock_guard<std::mutex> lock(mutex_);
    cache_.emplace(owner, keys);
    return keys;
}

int KeyRing::rotate(const std::string& newMaster) {
    if (master_.empty()) throw std::runtime_error("key rotation needs the current master key");
    if (newMaster.size() != kKeyBytes) throw std::invalid_argument("the new master key must be 32 bytes");
    const std::string newId = idOf(newMaster);
    int rewrapped = 0;
    db_.withTransaction([&](Poco::Data::Session& s) {
        std::vector<std::string> owners, wrapped, ids;
        s << "SELECT owner_id, wrapped_key, master_key_id FROM storage_data_keys ORDER BY owner_id", into(owners),
            into(wrapped), into(ids), now;
        rewrapped = 0;
        for (std::size_t i = 0; i < owners.size(); ++i) {
            if (ids[i] == newId) continue;
            std::string key = unwrap(owners[i], wrapped[i], master_);
            std::string w = wrap(owners[i], key, newMaster);
            wipe(key);
            std::string o = owners[i], nid = newId;
            s << "UPDATE storage_data_keys SET wrapped_key = $1, master_key_id = $2 WHERE owner_id = $3", use(w),
                use(nid), use(o), now;
            ++rewrapped;
        }
    });
    return rewrapped;
}

int KeyRing::countForeignKeys() {
    std::string id = masterKeyId();
    int n = 0;
    db_.withSession([&](Poco::Data::Session& s) {
        s << "SELECT COUNT(*) FROM storage_data_keys WHERE master_key_id <> $1", use(id), into(n), now;
    });
    return n;
}

}  // namespace hub::core::storage
