// Content-defined chunking (FastCDC with normalised chunking and a gear rolling hash): cut
// points depend on the content around them, so an insertion only changes the chunks near it
// and the rest of a file deduplicates against its earlier version.
#pragma once

#include <cstddef>
#include <cstdint>

namespace hub::core::storage {

struct ChunkerParams {
    std::size_t minSize = 256 * 1024;
    std::size_t avgSize = 1024 * 1024;
    std::size_t maxSize = 4 * 1024 * 1024;
};

class Chunker {
public:
    /// `params` must satisfy 64 <= min <= avg <= max (checked by the config schema; throws
    /// std::invalid_argument otherwise).
    explicit Chunker(ChunkerParams params);

    /// Length of the first chunk of `data[0, n)`. With `atEnd` false the caller must pass at
    /// least maxSize() bytes (or everything that is left). Never returns 0 for n > 0.
    std::size_t cut(const uint8_t* data, std::size_t n) const;

    std::size_t maxSize() const { return params_.maxSize; }
    const ChunkerParams& params() const { return params_; }

private:
    ChunkerParams params_;
    uint64_t maskSmall_;  ///< more bits: harder to cut before the average size
    uint64_t maskLarge_;  ///< fewer bits: easier to cut after it
};

}  // namespace hub::core::storage
