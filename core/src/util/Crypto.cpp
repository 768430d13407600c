#include "util/Crypto.h"

#include <stdexcept>

#include <openssl/evp.h>
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

std::string sha256Hex(const std::string& data) { return sha256Hex(data.data(), data.size()); }

std::string sha256Hex(const void* data, std::size_t n) {
    Sha256 h;
    h.update(data, n);
    return h.finalHex();
}

Sha256::Sha256() : ctx_(EVP_MD_CTX_new()) {
    if (ctx_ == nullptr || EVP_DigestInit_ex(ctx_, EVP_sha256(), nullptr) != 1) {
        EVP_MD_CTX_free(ctx_);
        throw std::runtime_error("OpenSSL SHA-256 is unavailable");
    }
}

Sha256::~Sha256() { EVP_MD_CTX_free(ctx_); }

void Sha256::update(const void* data, std::size_t n) {
    if (n > 0 && EVP_DigestUpdate(ctx_, data, n) != 1) throw std::runtime_error("SHA-256 update failed");
}

std::string Sha256::finalHex() {
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    if (EVP_DigestFinal_ex(ctx_, md, &len) != 1) throw std::runtime_error("SHA-256 final failed");
    return toHex(std::string(reinterpret_cast<char*>(md), len));
}

std::string hmacSha256(const std::string& key, const std::string& data) {
    return hmacSha256(key, data.data(), data.size());
}

std::string hmacSha256(const std::string& key, const void* data, std::size_t n) {
    unsigned char md[EVP_MAX_MD_SIZE];
    std::size_t len = 0;
    char digest[] = "SHA256";
    if (EVP_Q_mac(nullptr, "HMAC", nullptr, digest, nullptr, key.data(), key.size(),
                  static_cast<const unsigned char*>(data), n, md, sizeof md, &len) == nullptr) {
        throw std::runtime_error("HMAC-SHA-256 failed");
    }
    return std::string(reinterpret_cast<char*>(md), len);
}

std::string hmacSha256Hex(const std::string& key, const void* data, std::size_t n) {
    return toHex(hmacSha256(key, data, n));
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
