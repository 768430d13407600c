// The request/response a route handler sees. The core implements it over POCO; plugins
// never touch POCO's request objects, so HubSDK::testing's fake is enough for unit tests.
#pragma once

#include <cstdint>
#include <functional>
#include <istream>
#include <optional>
#include <ostream>
#include <string>
#include <utility>
#include <vector>

#include <Poco/Dynamic/Var.h>
#include <Poco/JSON/Object.h>

#include "hub/sdk/AuthContext.h"
#include "hub/sdk/Export.h"

namespace hub {
namespace sdk {
inline namespace v1 {

/// Headers of one part of a multipart/form-data body.
struct MultipartPart {
    std::string name;         ///< form field name
    std::string filename;     ///< client-supplied file name (untrusted), empty for plain fields
    std::string contentType;  ///< client-supplied type (untrusted)
};

/// Receives each part of a multipart body with a stream of its bytes (read it, or leave it
/// unread to skip it). Called on the request's thread, in body order.
using MultipartHandler = std::function<void(const MultipartPart&, std::istream&)>;

/**
 * One HTTP exchange. Implemented by the core (and by FakeRequestContext in tests).
 * Not thread-safe: a handler uses it on the thread that called it. References it returns
 * are valid until the handler returns.
 */
class HUB_SDK_API RequestContext {
public:
    virtual ~RequestContext();

    virtual const std::string& method() const = 0;
    /// Percent-decoded path without the query string.
    virtual const std::string& path() const = 0;
    /// Value of a `{name}` or `{name:path}` template parameter; empty if the route has none.
    virtual std::string pathParam(const std::string& name) const = 0;
    /// First value of a query parameter, decoded.
    virtual std::optional<std::string> query(const std::string& name) const = 0;
    virtual std::vector<std::pair<std::string, std::string>> queryParams() const = 0;
    /// Request header (case-insensitive name).
    virtual std::optional<std::string> header(const std::string& name) const = 0;
    /// The X-Request-Id echoed on the response (given by the client or generated).
    virtual const std::string& requestId() const = 0;
    /// Peer IP address as text.
    virtual std::string clientAddress() const = 0;

    /// The authenticated caller, or nullptr on routes with AuthMode::None/Optional.
    virtual const AuthContext* auth() const = 0;
    /// The caller; throws Unauthorized if there is none.
    const AuthContext& requireAuth() const;

    /// Declared Content-Length, if any.
    virtual std::optional<int64_t> contentLength() const = 0;
    virtual std::string contentType() const = 0;
    /**
     * The whole body. Throws PayloadTooLarge (413) past the route's body limit and a 408
     * error when the client sends too slowly. Reads the body once; later calls return
     * the same bytes.
     */
    virtual const std::string& body() = 0;
    /**
     * The body as a stream for large uploads; enforces the same limit and deadline while
     * it is read. Use either body() or bodyStream(), not both.
     */
    virtual std::istream& bodyStream() = 0;
    /// body() parsed with json::parseStrictObject (422 on anything not a strict object).
    virtual Poco::JSON::Object::Ptr jsonBody() = 0;
    /**
     * Streams a multipart/form-data body part by part (bounded memory) under the route's
     * body limit and deadline. Throws ValidationError (422) when the body is not
     * multipart/form-data or is malformed, PayloadTooLarge (413) past the limit.
     */
    virtual void readMultipart(const MultipartHandler& onPart) = 0;

    /// Adds a response header (before respond/beginStream).
    virtual void setHeader(const std::string& name, const std::string& value) = 0;
    virtual void respond(int status, const std::string& contentType, const std::string& body) = 0;
    /// Serialises `body` compactly as application/json.
    virtual void respondJson(int status, const Poco::Dynamic::Var& body) = 0;
    /**
     * Starts a chunked response (SSE, downloads) and returns the stream to write to.
     * Check `clientGone()` between writes: a disconnected client makes writes fail.
     */
    virtual std::ostream& beginStream(int status, const std::string& contentType) = 0;
    /**
     * Starts a response of known length (downloads, ranges) and returns the stream to write
     * exactly `length` bytes to. For HEAD requests the stream discards what is written.
     */
    virtual std::ostream& beginBody(int status, const std::string& contentType, uint64_t length) = 0;
    /// True once the response has been started.
    virtual bool responded() const = 0;
    /// True when a write to the client failed (client disconnected).
    virtual bool clientGone() const = 0;
};

}  // namespace v1
}  // namespace sdk
}  // namespace hub
