#include "hub/sdk/Error.h"

namespace hub {
namespace sdk {
inline namespace v1 {

Error::Error(int status, std::string code, const std::string& message)
    : std::runtime_error(message), status_(status), code_(std::move(code)) {}
Error::~Error() = default;

Error& Error::withHeader(const std::string& name, const std::string& value) {
    headers_[name] = value;
    return *this;
}

Error& Error::withDetail(const Poco::Dynamic::Var& detail) {
    detail_ = detail;
    return *this;
}

BadRequest::BadRequest(const std::string& m, std::string c) : Error(400, std::move(c), m) {}
BadRequest::~BadRequest() = default;
Unauthorized::Unauthorized(const std::string& m, std::string c) : Error(401, std::move(c), m) {}
Unauthorized::~Unauthorized() = default;
Forbidden::Forbidden(const std::string& m, std::string c) : Error(403, std::move(c), m) {}
Forbidden::~Forbidden() = default;
NotFound::NotFound(const std::string& m, std::string c) : Error(404, std::move(c), m) {}
NotFound::~NotFound() = default;
Conflict::Conflict(const std::string& m, std::string c) : Error(409, std::move(c), m) {}
Conflict::~Conflict() = default;
PayloadTooLarge::PayloadTooLarge(const std::string& m, std::string c)
    : Error(413, std::move(c), m) {}
PayloadTooLarge::~PayloadTooLarge() = default;
ValidationError::ValidationError(const std::string& m, std::string c)
    : Error(422, std::move(c), m) {}
ValidationError::~ValidationError() = default;
TooManyRequests::TooManyRequests(const std::string& m, int retryAfterSeconds, std::string c)
    : Error(429, std::move(c), m) {
    withHeader("Retry-After", std::to_string(retryAfterSeconds < 1 ? 1 : retryAfterSeconds));
}
TooManyRequests::~TooManyRequests() = default;
Unavailable::Unavailable(const std::string& m, std::string c) : Error(503, std::move(c), m) {}
Unavailable::~Unavailable() = default;

}  // namespace v1
}  // namespace sdk
}  // namespace hub
