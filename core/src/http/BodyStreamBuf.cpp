#include "http/BodyStreamBuf.h"

#include <algorithm>

#include <Poco/Exception.h>

#include "hub/sdk/Error.h"

namespace hub::core {

BodyStreamBuf::BodyStreamBuf(std::istream& source, BodyLimits limits)
    : source_(source), limits_(limits), buffer_(64 * 1024), started_(std::chrono::steady_clock::now()) {}

BodyStreamBuf::int_type BodyStreamBuf::underflow() {
    if (gptr() < egptr()) return traits_type::to_int_type(*gptr());
    if (eof_) return traits_type::eof();
    std::streamsize n = 0;
    try {
        // One device read at a time (sgetc triggers at most one recv), so the deadline is
        // checked between receives instead of after a whole 64 KiB arrives.
        std::streambuf* sb = source_.rdbuf();
        if (sb->sgetc() != traits_type::eof()) {
            std::streamsize avail = sb->in_avail();
            if (avail <= 0) avail = 1;
            n = sb->sgetn(buffer_.data(), std::min<std::streamsize>(avail, static_cast<std::streamsize>(buffer_.size())));
        }
    } catch (const Poco::TimeoutException&) {
        throw sdk::Error(408, "request_timeout", "Timed out reading the request body");
    } catch (const Poco::Exception&) {
        throw sdk::BadRequest("The request body could not be read", "bad_body");
    }
    if (n <= 0) {
        // A client that hangs up early must not have its truncated body taken as complete.
        if (limits_.expectedBytes && total_ < *limits_.expectedBytes) {
            throw sdk::BadRequest("The request body ended after " + std::to_string(total_) + " of " +
                                      std::to_string(*limits_.expectedBytes) + " bytes",
                                  "incomplete_body");
        }
        eof_ = true;
        return traits_type::eof();
    }
    total_ += static_cast<uint64_t>(n);
    if (total_ > limits_.maxBytes) {
        throw sdk::PayloadTooLarge("Request body is larger than the limit of " +
                                   std::to_string(limits_.maxBytes) + " bytes");
    }
    auto elapsed = std::chrono::steady_clock::now() - started_;
    if (elapsed > limits_.graceSeconds && limits_.minBytesPerSecond > 0) {
        double secs = std::chrono::duration<double>(elapsed).count();
        if (static_cast<double>(total_) / secs < static_cast<double>(limits_.minBytesPerSecond)) {
            throw sdk::Error(408, "request_timeout", "The request body arrived too slowly");
        }
    }
    setg(buffer_.data(), buffer_.data(), buffer_.data() + n);
    return traits_type::to_int_type(*gptr());
}

}  // namespace hub::core
