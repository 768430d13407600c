#include "storage/Chunker.h"

#include <array>
#include <bit>
#include <stdexcept>
#include <string>

#include <sodium.h>

namespace hub::core::storage {
namespace {

/// 256 pseudo-random 64-bit values derived from a fixed label with BLAKE2b, so every build
/// and every node cuts the same content at the same places (dedup across versions depends on
/// it). Changing the label changes every future chunk boundary.
const std::array<uint64_t, 256>& gearTable() {
    static const std::array<uint64_t, 256> table = [] {
        std::array<uint64_t, 256> t{};
        for (std::size_t i = 0; i < t.size(); ++i) {
            std::string label = "hub-fastcdc-gear-" + std::to_string(i);
            unsigned char out[8];
            crypto_generichash(out, sizeof out, reinterpret_cast<const unsigned char*>(label.data()), label.size(),
                               nullptr, 0);
            uint64_t v = 0;
            for (unsigned char b : out) v = (v << 8) | b;
            t[i] = v;
        }
        return t;
    }();
    return table;
}

/// `bits` one-bits in the top of the word: the gear hash shifts left, so its high bits depend
/// on the last ~64 bytes while its low bits depend on the last few only.
uint64_t topMask(int bits) {
    if (bits <= 0) return 0;
    if (bits >= 64) return ~uint64_t{0};
    return ~uint64_t{0} << (64 - bits);
}

}  // namespace

Chunker::Chunker(ChunkerParams params) : params_(params) {
    if (params_.minSize < 64 || params_.minSize > params_.avgSize || params_.avgSize > params_.maxSize) {
        throw std::invalid_argument("chunk sizes must satisfy 64 <= min <= avg <= max");
    }
    int bits = static_cast<int>(std::bit_width(params_.avgSize) - 1);  // log2(avg), rounded down
    maskSmall_ = topMask(bits + 2);
    maskLarge_ = topMask(bits - 2);
    (void)gearTable();
}

std::size_t Chunker::cut(const uint8_t* data, std::size_t n) const {
    if (n <= params_.minSize) return n;
    if (n > params_.maxSize) n = params_.maxSize;
    std::size_t normal = params_.avgSize < n ? params_.avgSize : n;
    const auto& gear = gearTable();
    uint64_t hash = 0;
    std::size_t i = params_.minSize;
    for (; i < normal; ++i) {
        hash = (hash << 1) + gear[data[i]];
        if ((hash & maskSmall_) == 0) return i + 1;
    }
    for (; i < n; ++i) {
        hash = (hash << 1) + gear[data[i]];
        if ((hash & maskLarge_) == 0) return i + 1;
    }
    return n;
}

}  // namespace hub::core::storage
