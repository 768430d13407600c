#include "storage/ChunkCodec.h"

#include <cstring>

#include <sodium.h>
#include <zstd.h>

namespace hub::core::storage {
namespace {

constexpr char kMagic[4] = {'H', 'U', 'B', 'C'};
constexpr uint8_t kVersion = 1;

void putU32(std::string& out, std::size_t at, uint32_t v) {
    for (int i = 0; i < 4; ++i) out[at + static_cast<std::size_t>(i)] = static_cast<char>((v >> (8 * i)) & 0xff);
}

uint32_t getU32(const std::string& in, std::size_t at) {
    uint32_t v = 0;
    for (int i = 3; i >= 0; --i) v = (v << 8) | static_cast<uint8_t>(in[at + static_cast<std::size_t>(i)]);
    return v;
}

std::string headerBytes(uint8_t flags, uint32_t plainSize, uint32_t payloadSize) {
    std::string h(ChunkHeader::kSize, '\0');
    std::memcpy(h.data(), kMagic, 4);
    h[4] = static_cast<char>(kVersion);
    h[5] = static_cast<char>(flags);
    putU32(h, 8, plainSize);
    putU32(h, 12, payloadSize);
    return h;
}

}  // namespace

ChunkHeader ChunkHeader::parse(const std::string& stored) {
    if (stored.size() < kSize) throw CorruptChunk("chunk is shorter than its header");
    if (std::memcmp(stored.data(), kMagic, 4) != 0) throw CorruptChunk("chunk has no HUBC header");
    if (static_cast<uint8_t>(stored[4]) != kVersion) throw CorruptChunk("chunk has an unknown format version");
    ChunkHeader h;
    h.flags = static_cast<uint8_t>(stored[5]);
    if ((h.flags & ~(kCompressed | kEncrypted)) != 0 || stored[6] != 0 || stored[7] != 0) {
        throw CorruptChunk("chunk header has unknown flags");
    }
    h.plainSize = getU32(stored, 8);
    h.payloadSize = getU32(stored, 12);
    if (stored.size() != kSize + h.payloadSize) throw CorruptChunk("chunk is truncated or has trailing bytes");
    return h;
}

ChunkCodec::ChunkCodec(CodecSettings settings) : settings_(settings) {}

ChunkCodec::~ChunkCodec() {
    for (void* c : compressors_) ZSTD_freeCCtx(static_cast<ZSTD_CCtx*>(c));
}

void* ChunkCodec::takeCompressor() {
    {
        std::lock_guard<std::mutex> lock(poolMutex_);
        if (!compressors_.empty()) {
            void* c = compressors_.back();
            compressors_.pop_back();
            return c;
        }
    }
    ZSTD_CCtx* c = ZSTD_createCCtx();
    if (c == nullptr) throw std::bad_alloc();
    return c;
}

void ChunkCodec::giveBack(void* cctx) {
    std::lock_guard<std::mutex> lock(poolMutex_);
    if (compressors_.size() < 8) {
        compressors_.push_back(cctx);
    } else {
        ZSTD_freeCCtx(static_cast<ZSTD_CCtx*>(cctx));
    }
}

bool ChunkCodec::looksCompressible(const uint8_t* data, std::size_t n) {
    // Random-looking data (media, archives, encrypted files) is common and zstd gains nothing
    // on it: a fast level-1 pass over a 64 KiB sample decides before the full attempt.
    constexpr std::size_t kSample = 64 * 1024;
    if (n <= 2 * kSample) return true;
    std::string out(ZSTD_compressBound(kSample), '\0');
    auto* cctx = static_cast<ZSTD_CCtx*>(takeCompressor());
    std::size_t z = ZSTD_compressCCtx(cctx, out.data(), out.size(), data, kSample, 1);
    giveBack(cctx);
    if (ZSTD_isError(z)) return true;
    return z * 100 <= kSample * static_cast<std::size_t>(100 - settings_.minSavingPercent / 2);
}

std::string ChunkCodec::encode(const uint8_t* data, std::size_t n, const std::string& key, const std::string& aad) {
    if (n > UINT32_MAX / 2) throw std::invalid_argument("chunk too large");
    uint8_t flags = 0;
    std::string inner;
    if (settings_.compress && n >= 64 && looksCompressible(data, n)) {
        inner.resize(ZSTD_compressBound(n));
        auto* cctx = static_cast<ZSTD_CCtx*>(takeCompressor());
        std::size_t z = ZSTD_compressCCtx(cctx, inner.data(), inner.size(), data, n, settings_.zstdLevel);
        giveBack(cctx);
        if (!ZSTD_isError(z) && z * 100 <= n * static_cast<std::size_t>(100 - settings_.minSavingPercent)) {
            inner.resize(z);
            flags |= ChunkHeader::kCompressed;
        } else {
            inner.clear();
        }
    }
    if ((flags & ChunkHeader::kCompressed) == 0) inner.assign(reinterpret_cast<const char*>(data), n);
    if (key.empty()) {
        std::string out = headerBytes(flags, static_cast<uint32_t>(n), static_cast<uint32_t>(inner.size()));
        out += inner;
        return out;
    }
    if (key.size() != kKeyBytes) throw std::invalid_argument("chunk key must be 32 bytes");
    flags |= ChunkHeader::kEncrypted;
    const std::size_t payload = crypto_aead_xchacha20poly1305_ietf_NPUBBYTES + inner.size() +
                                crypto_aead_xchacha20poly1305_ietf_ABYTES;
    std::string out = headerBytes(flags, static_cast<uint32_t>(n), static_cast<uint32_t>(payload));
    std::string ad = out + aad;
    out.resize(ChunkHeader::kSize + payload);
    auto* nonce = reinterpret_cast<unsigned char*>(out.data() + ChunkHeader::kSize);
    randombytes_buf(nonce, crypto_aead_xchacha20poly1305_ietf_NPUBBYTES);
    unsigned long long clen = 0;
    crypto_aead_xchacha20poly1305_ietf_encrypt(
        nonce + crypto_aead_xchacha20poly1305_ietf_NPUBBYTES, &clen, reinterpret_cast<const unsigned char*>(inner.data()),
        inner.size(), reinterpret_cast<const unsigned char*>(ad.data()), ad.size(), nullptr, nonce,
        reinterpret_cast<const unsigned char*>(key.data()));
    return out;
}

std::string ChunkCodec::decode(std::string stored, const std::string& key, const std::string& aad) const {
    ChunkHeader h = ChunkHeader::parse(stored);
    const char* payload = stored.data() + ChunkHeader::kSize;
    std::size_t payloadSize = h.payloadSize;
    std::string opened;
    if (h.encrypted()) {
        if (key.size() != kKeyBytes) throw CorruptChunk("chunk is encrypted and no data key is available");
        if (payloadSize < crypto_aead_xchacha20poly1305_ietf_NPUBBYTES + crypto_aead_xchacha20poly1305_ietf_ABYTES) {
            throw CorruptChunk("encrypted chunk is too short");
        }
        std::string ad = stored.substr(0, ChunkHeader::kSize) + aad;
        const auto* nonce = reinterpret_cast<const unsigned char*>(payload);
        std::size_t clen = payloadSize - crypto_aead_xchacha20poly1305_ietf_NPUBBYTES;
        opened.resize(clen - crypto_aead_xchacha20poly1305_ietf_ABYTES);
        unsigned long long mlen = 0;
        if (crypto_aead_xchacha20poly1305_ietf_decrypt(
                reinterpret_cast<unsigned char*>(opened.data()), &mlen, nullptr,
                nonce + crypto_aead_xchacha20poly1305_ietf_NPUBBYTES, clen,
                reinterpret_cast<const unsigned char*>(ad.data()), ad.size(), nonce,
                reinterpret_cast<const unsigned char*>(key.data())) != 0) {
            throw CorruptChunk("chunk failed authentication (tampered, damaged or wrong key)");
        }
        opened.resize(mlen);
        payload = opened.data();
        payloadSize = opened.size();
    }
    if (h.compressed()) {
        // The zstd frame records its content size: check it before allocating, so a damaged
        // size field is reported as corruption instead of allocating up to 4 GiB first.
        if (ZSTD_getFrameContentSize(payload, payloadSize) != h.plainSize) {
            throw CorruptChunk("chunk does not decompress to its size");
        }
        std::string plain(h.plainSize, '\0');
        std::size_t got = ZSTD_decompress(plain.data(), plain.size(), payload, payloadSize);
        if (ZSTD_isError(got) || got != h.plainSize) throw CorruptChunk("chunk does not decompress to its size");
        return plain;
    }
    if (payloadSize != h.plainSize) throw CorruptChunk("chunk size does not match its header");
    if (h.encrypted()) return opened;
    stored.erase(0, ChunkHeader::kSize);
    return stored;
}

}  // namespace hub::core::storage
