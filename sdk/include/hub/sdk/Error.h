// Exceptions a handler throws to answer with an HTTP error. The core maps each to the
// envelope {"detail": message, "error": {"code": code, "message": message}}.
#pragma once

#include <map>
#include <stdexcept>
#include <string>

#include <Poco/Dynamic/Var.h>

#include "hub/sdk/Export.h"

namespace hub {
namespace sdk {
inline namespace v1 {

/**
 * Base of every error that carries an HTTP status. `code` is a stable snake_case string for
 * programs; `message` is for people. Extra response headers (Retry-After, WWW-Authenticate)
 * travel with the error. `detail` overrides the envelope's `detail` (e.g. the HubGPT list
 * form of a 422); when empty, `detail` is the message.
 * Thread-safety: immutable after construction.
 */
class HUB_SDK_API Error : public std::runtime_error {
public:
    Error(int status, std::string code, const std::string& message);
    ~Error() override;

    int status() const noexcept { return status_; }
    const std::string& code() const noexcept { return code_; }
    const std::map<std::string, std::string>& headers() const noexcept { return headers_; }
    const Poco::Dynamic::Var& detail() const noexcept { return detail_; }

    /// Adds a response header; returns *this so it can be chained before throw.
    Error& withHeader(const std::string& name, const std::string& value);
    /// Replaces the envelope's `detail` with a structured value.
    Error& withDetail(const Poco::Dynamic::Var& detail);

private:
    int status_;
    std::string code_;
    std::map<std::string, std::string> headers_;
    Poco::Dynamic::Var detail_;
};

/// 400: the request is malformed at the protocol level.
class HUB_SDK_API BadRequest : public Error {
public:
    explicit BadRequest(const std::string& message, std::string code = "bad_request");
    ~BadRequest() override;
};

/// 401: no or bad credentials.
class HUB_SDK_API Unauthorized : public Error {
public:
    explicit Unauthorized(const std::string& message, std::string code = "not_authenticated");
    ~Unauthorized() override;
};

/// 403: the object is visible to the caller but the action is not allowed.
class HUB_SDK_API Forbidden : public Error {
public:
    explicit Forbidden(const std::string& message, std::string code = "forbidden");
    ~Forbidden() override;
};

/// 404: no such object, or the caller may not see it.
class HUB_SDK_API NotFound : public Error {
public:
    explicit NotFound(const std::string& message = "Not Found", std::string code = "not_found");
    ~NotFound() override;
};

/// 409: the request conflicts with current state (duplicate name, ...).
class HUB_SDK_API Conflict : public Error {
public:
    explicit Conflict(const std::string& message, std::string code = "conflict");
    ~Conflict() override;
};

/// 413: the body is larger than the route allows.
class HUB_SDK_API PayloadTooLarge : public Error {
public:
    explicit PayloadTooLarge(const std::string& message, std::string code = "payload_too_large");
    ~PayloadTooLarge() override;
};

/// 422: the body is well-formed HTTP but not valid for this route.
class HUB_SDK_API ValidationError : public Error {
public:
    explicit ValidationError(const std::string& message, std::string code = "validation_error");
    ~ValidationError() override;
};

/// 429: too many requests; carries Retry-After in seconds.
class HUB_SDK_API TooManyRequests : public Error {
public:
    TooManyRequests(const std::string& message, int retryAfterSeconds,
                    std::string code = "too_many_requests");
    ~TooManyRequests() override;
};

/// 503: a dependency (database, hashing capacity) is temporarily unavailable.
class HUB_SDK_API Unavailable : public Error {
public:
    explicit Unavailable(const std::string& message, std::string code = "unavailable");
    ~Unavailable() override;
};

}  // namespace v1
}  // namespace sdk
}  // namespace hub
