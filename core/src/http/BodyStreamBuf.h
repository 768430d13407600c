// Reads a request body through a size limit and a whole-body deadline, so a handler never
// stores more than its route allows and a slow-drip client cannot hold a thread for minutes.
#pragma once

#include <chrono>
#include <cstdint>
#include <istream>
#include <optional>
#include <streambuf>
#include <vector>

namespace hub::core {

struct BodyLimits {
    std::size_t maxBytes = 1024 * 1024;
    std::chrono::seconds graceSeconds{30};  ///< no rate check before this
    uint64_t minBytesPerSecond = 4096;      ///< average rate required after the grace period
    std::optional<uint64_t> expectedBytes;  ///< the declared Content-Length, if any
};

/// Throws sdk::PayloadTooLarge (413) past maxBytes and a 408 sdk::Error when too slow or
/// when the socket times out. Use with an istream whose exceptions() include badbit so the
/// sdk::Error reaches the handler's caller.
class BodyStreamBuf : public std::streambuf {
public:
    BodyStreamBuf(std::istream& source, BodyLimits limits);

    uint64_t bytesRead() const { return total_; }
    bool finished() const { return eof_; }

protected:
    int_type underflow() override;

private:
    std::istream& source_;
    BodyLimits limits_;
    std::vector<char> buffer_;
    uint64_t total_ = 0;
    bool eof_ = false;
    std::chrono::steady_clock::time_point started_;
};

}  // namespace hub::core
