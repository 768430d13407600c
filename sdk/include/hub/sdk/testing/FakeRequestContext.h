// A RequestContext for unit tests of handlers: set inputs, call the handler, read the response.
#pragma once

#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "hub/sdk/RequestContext.h"

namespace hub {
namespace sdk {
inline namespace v1 {
namespace testing {

/// Records what a handler answered. Not thread-safe.
class HUB_SDK_API FakeRequestContext : public RequestContext {
public:
    FakeRequestContext(std::string method, std::string path);
    ~FakeRequestContext() override;

    // Inputs.
    FakeRequestContext& withPathParam(const std::string& n, const std::string& v);
    FakeRequestContext& withQuery(const std::string& n, const std::string& v);
    FakeRequestContext& withHeader(const std::string& n, const std::string& v);
    FakeRequestContext& withBody(const std::string& body, const std::string& contentType);
    FakeRequestContext& withAuth(const AuthContext& auth);
    FakeRequestContext& withBodyLimit(std::size_t limit);

    // Outputs.
    int status() const { return status_; }
    const std::string& responseBody() const;
    const std::string& responseContentType() const { return responseContentType_; }
    std::optional<std::string> responseHeader(const std::string& n) const;
    /// The response body parsed as JSON.
    Poco::Dynamic::Var responseJson() const;

    // RequestContext.
    const std::string& method() const override { return method_; }
    const std::string& path() const override { return path_; }
    std::string pathParam(const std::string& name) const override;
    std::optional<std::string> query(const std::string& name) const override;
    std::vector<std::pair<std::string, std::string>> queryParams() const override;
    std::optional<std::string> header(const std::string& name) const override;
    const std::string& requestId() const override { return requestId_; }
    std::string clientAddress() const override { return "127.0.0.1"; }
    const AuthContext* auth() const override { return auth_ ? &*auth_ : nullptr; }
    std::optional<int64_t> contentLength() const override;
    std::string contentType() const override { return contentType_; }
    const std::string& body() override;
    std::istream& bodyStream() override;
    Poco::JSON::Object::Ptr jsonBody() override;
    /// Parses a multipart body given with withBody() (tests build it by hand).
    void readMultipart(const MultipartHandler& onPart) override;
    std::ostream& beginBody(int status, const std::string& contentType, uint64_t length) override;
    void setHeader(const std::string& name, const std::string& value) override;
    void respond(int status, const std::string& contentType, const std::string& body) override;
    void respondJson(int status, const Poco::Dynamic::Var& body) override;
    std::ostream& beginStream(int status, const std::string& contentType) override;
    bool responded() const override { return status_ != 0; }
    bool clientGone() const override { return false; }

private:
    std::string method_;
    std::string path_;
    std::string requestId_ = "test-request";
    std::map<std::string, std::string> pathParams_;
    std::vector<std::pair<std::string, std::string>> query_;
    std::map<std::string, std::string> headers_;
    std::string body_;
    std::string contentType_;
    std::size_t bodyLimit_ = 1024 * 1024;
    std::optional<AuthContext> auth_;
    std::istringstream bodyStream_;

    int status_ = 0;
    std::string responseContentType_;
    std::map<std::string, std::string> responseHeaders_;
    mutable std::string responseBody_;
    std::ostringstream stream_;
    bool streaming_ = false;
};

}  // namespace testing
}  // namespace v1
}  // namespace sdk
}  // namespace hub
