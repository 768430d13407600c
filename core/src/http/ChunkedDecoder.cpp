#include "http/ChunkedDecoder.h"

#include <string>

#include "hub/sdk/Error.h"

namespace hub::core {
namespace {

[[noreturn]] void malformed(const std::string& why) {
    throw sdk::BadRequest("Malformed chunked body: " + why, "bad_framing");
}

}  // namespace

ChunkedDecoder::ChunkedDecoder(std::istream& raw) : raw_(raw), buffer_(16 * 1024) {}

int ChunkedDecoder::get() {
    int c = raw_.get();
    if (c == std::char_traits<char>::eof()) malformed("the body ended before its last chunk");
    return c;
}

bool ChunkedDecoder::readLine(std::string& line) {
    line.clear();
    while (true) {
        int c = get();
        if (c == '\r') {
            if (get() != '\n') malformed("a line does not end with CRLF");
            return true;
        }
        if (c == '\n') malformed("a line ends with a bare LF");
        line += static_cast<char>(c);
        if (line.size() > 4096) malformed("a chunk line is too long");
    }
}

ChunkedDecoder::int_type ChunkedDecoder::underflow() {
    if (gptr() < egptr()) return traits_type::to_int_type(*gptr());
    if (done_) return traits_type::eof();
    if (chunkLeft_ == 0) {
        std::string line;
        readLine(line);
        std::string size = line.substr(0, line.find(';'));
        if (size.empty() || size.size() > 15 || size.find_first_not_of("0123456789abcdefABCDEF") != std::string::npos) {
            malformed("bad chunk size '" + size.substr(0, 20) + "'");
        }
        chunkLeft_ = std::stoull(size, nullptr, 16);
        if (chunkLeft_ == 0) {
            // Trailers up to the empty line, then the body is complete.
            std::string trailer;
            do {
                readLine(trailer);
            } while (!trailer.empty());
            done_ = true;
            return traits_type::eof();
        }
    }
    auto want = static_cast<std::streamsize>(std::min<uint64_t>(chunkLeft_, buffer_.size()));
    raw_.read(buffer_.data(), want);
    std::streamsize got = raw_.gcount();
    if (got <= 0) malformed("the body ended inside a chunk");
    chunkLeft_ -= static_cast<uint64_t>(got);
    if (chunkLeft_ == 0) {
        if (get() != '\r' || get() != '\n') malformed("a chunk is not followed by CRLF");
    }
    setg(buffer_.data(), buffer_.data(), buffer_.data() + got);
    return traits_type::to_int_type(*gptr());
}

}  // namespace hub::core
