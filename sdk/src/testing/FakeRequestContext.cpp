#include "hub/sdk/testing/FakeRequestContext.h"

#include <Poco/String.h>

#include "hub/sdk/Error.h"
#include "hub/sdk/Json.h"

namespace hub {
namespace sdk {
inline namespace v1 {
namespace testing {

FakeRequestContext::FakeRequestContext(std::string method, std::string path)
    : method_(std::move(method)), path_(std::move(path)) {}
FakeRequestContext::~FakeRequestContext() = default;

FakeRequestContext& FakeRequestContext::withPathParam(const std::string& n, const std::string& v) {
    pathParams_[n] = v;
    return *this;
}
FakeRequestContext& FakeRequestContext::withQuery(const std::string& n, const std::string& v) {
    query_.emplace_back(n, v);
    return *this;
}
FakeRequestContext& FakeRequestContext::withHeader(const std::string& n, const std::string& v) {
    headers_[Poco::toLower(n)] = v;
    return *this;
}
FakeRequestContext& FakeRequestContext::withBody(const std::string& b, const std::string& ct) {
    body_ = b;
    contentType_ = ct;
    bodyStream_.str(b);
    return *this;
}
FakeRequestContext& FakeRequestContext::withAuth(const AuthContext& a) {
    auth_ = a;
    return *this;
}
FakeRequestContext& FakeRequestContext::withBodyLimit(std::size_t limit) {
    bodyLimit_ = limit;
    return *this;
}

const std::string& FakeRequestContext::responseBody() const {
    if (streaming_) {
        responseBody_ = stream_.str();
    }
    return responseBody_;
}

std::optional<std::string> FakeRequestContext::responseHeader(const std::string& n) const {
    auto it = responseHeaders_.find(Poco::toLower(n));
    if (it == responseHeaders_.end()) {
        return std::nullopt;
    }
    return it->second;
}

Poco::Dynamic::Var FakeRequestContext::responseJson() const {
    return json::parseStrict(responseBody());
}

std::string FakeRequestContext::pathParam(const std::string& name) const {
    auto it = pathParams_.find(name);
    return it == pathParams_.end() ? std::string() : it->second;
}

std::optional<std::string> FakeRequestContext::query(const std::string& name) const {
    for (const auto& [k, v] : query_) {
        if (k == name) {
            return v;
        }
    }
    return std::nullopt;
}

std::vector<std::pair<std::string, std::string>> FakeRequestContext::queryParams() const {
    return query_;
}

std::optional<std::string> FakeRequestContext::header(const std::string& name) const {
    auto it = headers_.find(Poco::toLower(name));
    if (it == headers_.end()) {
        return std::nullopt;
    }
    return it->second;
}

std::optional<int64_t> FakeRequestContext::contentLength() const {
    return static_cast<int64_t>(body_.size());
}

const std::string& FakeRequestContext::body() {
    if (body_.size() > bodyLimit_) {
        throw PayloadTooLarge("Request body too large");
    }
    return body_;
}

std::istream& FakeRequestContext::bodyStream() { return bodyStream_; }

Poco::JSON::Object::Ptr FakeRequestContext::jsonBody() { return json::parseStrictObject(body()); }

void FakeRequestContext::setHeader(const std::string& name, const std::string& value) {
    responseHeaders_[Poco::toLower(name)] = value;
}

void FakeRequestContext::respond(int status, const std::string& ct, const std::string& b) {
    status_ = status;
    responseContentType_ = ct;
    responseBody_ = b;
}

void FakeRequestContext::respondJson(int status, const Poco::Dynamic::Var& b) {
    respond(status, "application/json", json::stringify(b));
}

void FakeRequestContext::readMultipart(const MultipartHandler& onPart) {
    // Minimal parser for tests: boundary from the content type, parts split on it.
    auto pos = contentType_.find("boundary=");
    if (contentType_.rfind("multipart/form-data", 0) != 0 || pos == std::string::npos) {
        throw ValidationError("Expected a multipart/form-data body", "not_multipart");
    }
    std::string boundary = "--" + contentType_.substr(pos + 9);
    std::size_t at = body_.find(boundary);
    while (at != std::string::npos) {
        std::size_t headStart = at + boundary.size();
        if (body_.compare(headStart, 2, "--") == 0) break;
        headStart += 2;  // CRLF
        std::size_t headEnd = body_.find("\r\n\r\n", headStart);
        if (headEnd == std::string::npos) break;
        std::string head = body_.substr(headStart, headEnd - headStart);
        std::size_t next = body_.find("\r\n" + boundary, headEnd + 4);
        if (next == std::string::npos) break;
        MultipartPart part;
        auto grab = [&](const std::string& key) {
            auto k = head.find(key + "=\"");
            if (k == std::string::npos) return std::string();
            auto e = head.find('"', k + key.size() + 2);
            return head.substr(k + key.size() + 2, e - k - key.size() - 2);
        };
        part.name = grab("name");
        part.filename = grab("filename");
        auto ct = head.find("Content-Type: ");
        if (ct != std::string::npos) part.contentType = head.substr(ct + 14, head.find("\r\n", ct) - ct - 14);
        std::istringstream data(body_.substr(headEnd + 4, next - headEnd - 4));
        onPart(part, data);
        at = next + 2;
    }
}

std::ostream& FakeRequestContext::beginBody(int status, const std::string& ct, uint64_t) {
    return beginStream(status, ct);
}

std::ostream& FakeRequestContext::beginStream(int status, const std::string& ct) {
    status_ = status;
    responseContentType_ = ct;
    streaming_ = true;
    return stream_;
}

}  // namespace testing
}  // namespace v1
}  // namespace sdk
}  // namespace hub
