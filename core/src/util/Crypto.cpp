#include "util/Crypto.h"

#include <stdexcept>

#include <sodium.h>

namespace hub::core::crypto {

void initialize() {
    if (sodium_init() < 0) {
        throw std::runtime_error("libsodium failed to initialise");
    }
}

std::string randomBytes(std::size_t n) {
    std::string out(n, '\0');
    randombytes_buf(out.data(), n);
    return out;
}

std::string toHex(const std::string& bytes) {
    std::string out(bytes.size() * 2 + 1, '\0');
    sodium_bin2hex(out.data(), out.size(), reinterpret_cast<const unsigned char*>(bytes.data()),
                   bytes.size());
    out.resize(bytes.size() * 2);
    return out;
}

std::string randomHex(std::size_t n) { return toHex(randomBytes(n)); }

std::string uuid4() {
    unsigned char b[16];
    randombytes_buf(b, sizeof b);
    b[6] = static_cast<unsigned char>((b[6] & 0x0f) | 0x40);
    b[8] = static_cast<unsigned char>((b[8] & 0x3f) | 0x80);
    std::string hex = toHex(std::string(reinterpret_cast<char*>(b), sizeof b));
    return hex.substr(0, 8) + "-" + hex.substr(8, 4) + "-" + hex.substr(12, 4) + "-" +
           hex.substr(16, 4) + "-" + hex.substr(20, 12);
}

std::string sha256Hex(const std::string& data) {
    unsigned char out[crypto_hash_sha256_BYTES];
    crypto_hash_sha256(out, reinterpret_cast<const unsigned char*>(data.data()), data.size());
    return toHex(std::string(reinterpret_cast<char*>(out), sizeof out));
}

std::string hmacSha256(const std::string& key, const std::string& data) {
    crypto_auth_hmacsha256_state st;
    crypto_auth_hmacsha256_init(&st, reinterpret_cast<const unsigned char*>(key.data()), key.size());
    crypto_auth_hmacsha256_update(&st, reinterpret_cast<const unsigned char*>(data.data()),
                                  data.size());
    unsigned char out[crypto_auth_hmacsha256_BYTES];
    crypto_auth_hmacsha256_final(&st, out);
    return std::string(reinterpret_cast<char*>(out), sizeof out);
}

bool constantTimeEquals(const std::string& a, const std::string& b) {
    if (a.size() != b.size()) {
        return false;
    }
    return sodium_memcmp(a.data(), b.data(), a.size()) == 0;
}

bool base64Decode(const std::string& in, std::string& out) {
    out.assign(in.size(), '\0');
    size_t len = 0;
    if (sodium_base642bin(reinterpret_cast<unsigned char*>(out.data()), out.size(), in.data(),
                          in.size(), nullptr, &len, nullptr, sodium_base64_VARIANT_ORIGINAL) != 0) {
        return false;
    }
    out.resize(len);
    return true;
}

}  // namespace hub::core::crypto
