// SHA-256 and HMAC-SHA-256 from OpenSSL (hardware-accelerated where the CPU has SHA
// extensions), for chunk ids and whole-blob content hashes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

typedef struct evp_md_ctx_st EVP_MD_CTX;

namespace hub::core::storage {

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

/// Lowercase hex SHA-256 of `data[0, n)`.
std::string sha256Hex(const void* data, std::size_t n);
/// Lowercase hex HMAC-SHA-256 of `data[0, n)` under `key`.
std::string hmacSha256Hex(const std::string& key, const void* data, std::size_t n);

}  // namespace hub::core::storage
