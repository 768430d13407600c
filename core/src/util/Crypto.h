// Small crypto helpers: randomness and comparison from libsodium; SHA-256 and HMAC-SHA-256 from
// OpenSSL (hardware-accelerated where the CPU has SHA extensions, which chunk hashing needs).
#pragma once

#include <cstddef>
#include <string>

typedef struct evp_md_ctx_st EVP_MD_CTX;

namespace hub::core::crypto {

/// Must be called once before any other function (sodium_init).
void initialize();
/// `n` random bytes from the OS CSPRNG.
std::string randomBytes(std::size_t n);
/// Lowercase hex of `n` random bytes.
std::string randomHex(std::size_t n);
/// A random RFC 4122 version-4 UUID, lowercase.
std::string uuid4();
std::string toHex(const std::string& bytes);
/// SHA-256 of `data`, lowercase hex.
std::string sha256Hex(const std::string& data);
std::string sha256Hex(const void* data, std::size_t n);
/// Incremental SHA-256. Not thread-safe; one per stream.
class Sha256 {
public:
    Sha256();
    ~Sha256();
    Sha256(const Sha256&) = delete;
    Sha256& operator=(const Sha256&) = delete;
    void update(const void* data, std::size_t n);
    /// Lowercase hex; the object cannot be updated afterwards.
    std::string finalHex();

private:
    EVP_MD_CTX* ctx_;
};
/// HMAC-SHA-256, raw bytes.
std::string hmacSha256(const std::string& key, const std::string& data);
std::string hmacSha256(const std::string& key, const void* data, std::size_t n);
/// HMAC-SHA-256, lowercase hex.
std::string hmacSha256Hex(const std::string& key, const void* data, std::size_t n);
/// Constant-time equality for equal-length secrets; false for different lengths.
bool constantTimeEquals(const std::string& a, const std::string& b);
/// RFC 4648 base64 (standard alphabet) decoding; false on malformed input.
bool base64Decode(const std::string& in, std::string& out);

}  // namespace hub::core::crypto
