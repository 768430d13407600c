// The on-disk form of one chunk: a 16-byte header, then the payload, optionally zstd-
// compressed (kept only when it saves enough) and optionally sealed with
// XChaCha20-Poly1305. The header and the chunk's key are authenticated with the payload, so
// a chunk cannot be swapped for another or have its flags flipped.
#pragma once

#include <cstddef>
#include <cstdint>
#include <mutex>
#include <stdexcept>
#include <string>
#include <vector>

namespace hub::core::storage {

/// A stored chunk failed its checks (truncated, wrong magic, failed authentication,
/// decompression error or hash mismatch).
class CorruptChunk : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

struct ChunkHeader {
    static constexpr std::size_t kSize = 16;
    static constexpr uint8_t kCompressed = 1;
    static constexpr uint8_t kEncrypted = 2;
    uint8_t flags = 0;
    uint32_t plainSize = 0;
    uint32_t payloadSize = 0;

    bool compressed() const { return (flags & kCompressed) != 0; }
    bool encrypted() const { return (flags & kEncrypted) != 0; }
    /// Throws CorruptChunk on a short buffer, wrong magic or version, unknown flags.
    static ChunkHeader parse(const std::string& stored);
};

struct CodecSettings {
    bool compress = true;
    int zstdLevel = 3;
    int minSavingPercent = 10;  ///< keep the compressed form only if it is this much smaller
};

class ChunkCodec {
public:
    static constexpr std::size_t kKeyBytes = 32;
    explicit ChunkCodec(CodecSettings settings);
    ~ChunkCodec();
    ChunkCodec(const ChunkCodec&) = delete;
    ChunkCodec& operator=(const ChunkCodec&) = delete;

    /// The stored form of `data[0, n)`. A non-empty `key` (kKeyBytes) encrypts; `aad` binds
    /// the result to the chunk's identity.
    std::string encode(const uint8_t* data, std::size_t n, const std::string& key, const std::string& aad);
    /// The plaintext; `key` is used only when the header says the chunk is encrypted.
    /// Throws CorruptChunk. Takes `stored` by value: a plain chunk becomes its own plaintext
    /// in place, without a second buffer.
    std::string decode(std::string stored, const std::string& key, const std::string& aad) const;

    const CodecSettings& settings() const { return settings_; }

private:
    /// False when a sample shows the chunk will not compress by min_saving_percent.
    bool looksCompressible(const uint8_t* data, std::size_t n);
    void* takeCompressor();
    void giveBack(void* cctx);

    CodecSettings settings_;
    std::mutex poolMutex_;
    std::vector<void*> compressors_;  ///< reusable ZSTD_CCtx (allocating one per chunk is slow)
};

}  // namespace hub::core::storage
