// Strict HTTP/1.1 chunked decoding of request bodies. POCO 1.11 reads a malformed chunk-size
// line, or a connection that closes mid-chunk, as a clean end of body; a truncated body would
// then be stored and the leftover bytes parsed as the next request.
#pragma once

#include <cstdint>
#include <istream>
#include <streambuf>
#include <vector>

namespace hub::core {

/// Decodes `raw` (bytes after the request head). Throws sdk::BadRequest ("bad_framing") for a
/// malformed chunk line, an overflowing size, a missing CRLF, or an end before the last chunk.
class ChunkedDecoder : public std::streambuf {
public:
    explicit ChunkedDecoder(std::istream& raw);

protected:
    int_type underflow() override;

private:
    bool readLine(std::string& line);
    int get();

    std::istream& raw_;
    std::vector<char> buffer_;
    uint64_t chunkLeft_ = 0;
    bool done_ = false;
};

}  // namespace hub::core
