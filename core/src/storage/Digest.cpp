#include "storage/Digest.h"

#include <stdexcept>

#include <openssl/evp.h>

#include "util/Crypto.h"

namespace hub::core::storage {

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
    return crypto::toHex(std::string(reinterpret_cast<char*>(md), len));
}

std::string sha256Hex(const void* data, std::size_t n) {
    Sha256 h;
    h.update(data, n);
    return h.finalHex();
}

std::string hmacSha256Hex(const std::string& key, const void* data, std::size_t n) {
    unsigned char md[EVP_MAX_MD_SIZE];
    std::size_t len = 0;
    char digest[] = "SHA256";
    if (EVP_Q_mac(nullptr, "HMAC", nullptr, digest, nullptr, key.data(), key.size(),
                  static_cast<const unsigned char*>(data), n, md, sizeof md, &len) == nullptr) {
        throw std::runtime_error("HMAC-SHA-256 failed");
    }
    return crypto::toHex(std::string(reinterpret_cast<char*>(md), len));
}

}  // namespace hub::core::storage
