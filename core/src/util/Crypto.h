// Small wrappers over libsodium: randomness, hashes, constant-time comparison.
#pragma once

#include <string>

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
/// HMAC-SHA-256 (libsodium's crypto_auth_hmacsha256), raw bytes.
std::string hmacSha256(const std::string& key, const std::string& data);
/// Constant-time equality for equal-length secrets; false for different lengths.
bool constantTimeEquals(const std::string& a, const std::string& b);
/// RFC 4648 base64 (standard alphabet) decoding; false on malformed input.
bool base64Decode(const std::string& in, std::string& out);

}  // namespace hub::core::crypto
