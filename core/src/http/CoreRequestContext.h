// sdk::RequestContext over POCO's server request/response.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>

#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerResponse.h>
#include <Poco/NullStream.h>

#include "http/BodyStreamBuf.h"
#include "http/ChunkedDecoder.h"
#include "hub/sdk/RequestContext.h"

namespace hub::core {

class CoreRequestContext : public sdk::RequestContext {
public:
    CoreRequestContext(Poco::Net::HTTPServerRequest& request, Poco::Net::HTTPServerResponse& response,
                       std::string requestId, std::string path);
    ~CoreRequestContext() override;

    // Set by the pipeline before the handler runs.
    void setRoute(std::map<std::string, std::string> params, BodyLimits limits);
    void setAuth(std::optional<sdk::AuthContext> auth) { auth_ = std::move(auth); }
    /// Headers every response carries (CORS, request id); applied at send time.
    void addBaseHeader(const std::string& name, const std::string& value);
    void setForceClose(bool v) { forceClose_ = v; }
    /// After the response has started: end the connection once the handler returns (a body
    /// cut short must not be followed by another response on the same connection).
    void closeAfterResponse() { response_.setKeepAlive(false); }

    int statusSent() const { return status_; }
    uint64_t bytesSent() const { return bytesSent_; }
    bool bodyConsumed() const;

    // sdk::RequestContext
    const std::string& method() const override { return method_; }
    const std::string& path() const override { return path_; }
    std::string pathParam(const std::string& name) const override;
    std::optional<std::string> query(const std::string& name) const override;
    std::vector<std::pair<std::string, std::string>> queryParams() const override;
    std::optional<std::string> header(const std::string& name) const override;
    const std::string& requestId() const override { return requestId_; }
    std::string clientAddress() const override;
    const sdk::AuthContext* auth() const override { return auth_ ? &*auth_ : nullptr; }
    std::optional<int64_t> contentLength() const override;
    std::string contentType() const override;
    const std::string& body() override;
    std::istream& bodyStream() override;
    Poco::JSON::Object::Ptr jsonBody() override;
    void readMultipart(const sdk::MultipartHandler& onPart) override;
    std::ostream& beginBody(int status, const std::string& contentType, uint64_t length) override;
    void setHeader(const std::string& name, const std::string& value) override;
    void respond(int status, const std::string& contentType, const std::string& body) override;
    void respondJson(int status, const Poco::Dynamic::Var& body) override;
    std::ostream& beginStream(int status, const std::string& contentType) override;
    bool responded() const override { return status_ != 0; }
    bool clientGone() const override;

private:
    void prepareResponse(int status);
    void ensureQueryParsed() const;

    Poco::Net::HTTPServerRequest& request_;
    Poco::Net::HTTPServerResponse& response_;
    std::string requestId_;
    std::string method_;
    std::string path_;
    std::map<std::string, std::string> params_;
    BodyLimits limits_;
    std::optional<sdk::AuthContext> auth_;
    std::vector<std::pair<std::string, std::string>> baseHeaders_;
    std::vector<std::pair<std::string, std::string>> headers_;
    mutable bool queryParsed_ = false;
    mutable std::vector<std::pair<std::string, std::string>> query_;
    std::unique_ptr<std::istream> rawBody_;         ///< the session's bytes, for chunked bodies
    std::unique_ptr<ChunkedDecoder> chunked_;
    std::unique_ptr<std::istream> chunkedStream_;
    std::unique_ptr<BodyStreamBuf> bodyBuf_;
    std::unique_ptr<std::istream> bodyStream_;
    bool bodyLoaded_ = false;
    std::string body_;
    int status_ = 0;
    uint64_t bytesSent_ = 0;
    std::ostream* stream_ = nullptr;
    Poco::NullOutputStream discard_;  ///< body sink for HEAD requests
    bool forceClose_ = false;
};

}  // namespace hub::core
