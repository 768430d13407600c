#include "http/CoreRequestContext.h"

#include <Poco/Net/HTMLForm.h>
#include <Poco/Net/HTTPServerRequestImpl.h>
#include <Poco/Net/HTTPServerSession.h>
#include <Poco/Net/HTTPStream.h>
#include <Poco/Net/MessageHeader.h>
#include <Poco/Net/NetException.h>
#include <Poco/Net/PartHandler.h>
#include <Poco/Net/StreamSocket.h>
#include <Poco/String.h>
#include <Poco/URI.h>

#include "hub/sdk/Error.h"
#include "hub/sdk/Json.h"

namespace hub::core {

CoreRequestContext::CoreRequestContext(Poco::Net::HTTPServerRequest& request,
                                       Poco::Net::HTTPServerResponse& response,
                                       std::string requestId, std::string path)
    : request_(request),
      response_(response),
      requestId_(std::move(requestId)),
      method_(request.getMethod()),
      path_(std::move(path)) {}

CoreRequestContext::~CoreRequestContext() = default;

void CoreRequestContext::setRoute(std::map<std::string, std::string> params, BodyLimits limits) {
    params_ = std::move(params);
    limits_ = limits;
}

void CoreRequestContext::addBaseHeader(const std::string& name, const std::string& value) {
    baseHeaders_.emplace_back(name, value);
}

std::string CoreRequestContext::pathParam(const std::string& name) const {
    auto it = params_.find(name);
    return it == params_.end() ? std::string() : it->second;
}

void CoreRequestContext::ensureQueryParsed() const {
    if (queryParsed_) return;
    queryParsed_ = true;
    try {
        Poco::URI uri(request_.getURI());
        query_ = uri.getQueryParameters();
    } catch (const Poco::Exception&) {
        throw sdk::BadRequest("Malformed query string", "bad_query");
    }
    for (const auto& [k, v] : query_) {
        for (unsigned char c : k + v) {
            if (c < 0x20 && c != '\t') throw sdk::BadRequest("Control characters in query string", "bad_query");
        }
    }
}

std::optional<std::string> CoreRequestContext::query(const std::string& name) const {
    ensureQueryParsed();
    for (const auto& [k, v] : query_) {
        if (k == name) return v;
    }
    return std::nullopt;
}

std::vector<std::pair<std::string, std::string>> CoreRequestContext::queryParams() const {
    ensureQueryParsed();
    return query_;
}

std::optional<std::string> CoreRequestContext::header(const std::string& name) const {
    auto it = request_.find(name);
    if (it == request_.end()) return std::nullopt;
    return it->second;
}

std::string CoreRequestContext::clientAddress() const {
    return request_.clientAddress().host().toString();
}

std::optional<int64_t> CoreRequestContext::contentLength() const {
    if (!request_.hasContentLength()) return std::nullopt;
    return request_.getContentLength64();
}

std::string CoreRequestContext::contentType() const {
    return request_.has("Content-Type") ? request_.getContentType() : std::string();
}

std::istream& CoreRequestContext::bodyStream() {
    if (!bodyStream_) {
        auto cl = contentLength();
        if (cl && static_cast<uint64_t>(*cl) > limits_.maxBytes) {
            throw sdk::PayloadTooLarge("Request body is larger than the limit of " +
                                       std::to_string(limits_.maxBytes) + " bytes");
        }
        BodyLimits limits = limits_;
        if (cl) limits.expectedBytes = static_cast<uint64_t>(*cl);
        std::istream* source = &request_.stream();
        auto* impl = dynamic_cast<Poco::Net::HTTPServerRequestImpl*>(&request_);
        if (request_.getChunkedTransferEncoding() && impl != nullptr) {
            // Decode chunked framing ourselves, strictly, from the session's raw bytes.
            rawBody_ = std::make_unique<Poco::Net::HTTPInputStream>(impl->session());
            chunked_ = std::make_unique<ChunkedDecoder>(*rawBody_);
            chunkedStream_ = std::make_unique<std::istream>(chunked_.get());
            chunkedStream_->exceptions(std::ios::badbit);
            source = chunkedStream_.get();
        }
        bodyBuf_ = std::make_unique<BodyStreamBuf>(*source, limits);
        bodyStream_ = std::make_unique<std::istream>(bodyBuf_.get());
        // Let limit/deadline errors thrown inside the streambuf reach the caller.
        bodyStream_->exceptions(std::ios::badbit);
    }
    return *bodyStream_;
}

const std::string& CoreRequestContext::body() {
    if (bodyLoaded_) return body_;
    std::istream& in = bodyStream();
    char buf[16384];
    while (true) {
        in.read(buf, sizeof buf);
        std::streamsize n = in.gcount();
        if (n > 0) body_.append(buf, static_cast<std::size_t>(n));
        if (!in) break;
    }
    bodyLoaded_ = true;  // BodyStreamBuf already refused a body shorter than its Content-Length
    return body_;
}

bool CoreRequestContext::bodyConsumed() const {
    bool hasBody = request_.getChunkedTransferEncoding() ||
                   (request_.hasContentLength() && request_.getContentLength64() > 0);
    if (!hasBody) return true;
    return bodyBuf_ && bodyBuf_->finished();
}

Poco::JSON::Object::Ptr CoreRequestContext::jsonBody() { return sdk::json::parseStrictObject(body()); }

void CoreRequestContext::setHeader(const std::string& name, const std::string& value) {
    if (name.find_first_of("\r\n") != std::string::npos || value.find_first_of("\r\n") != std::string::npos) {
        throw std::invalid_argument("header contains CR/LF");
    }
    headers_.emplace_back(name, value);
}

void CoreRequestContext::prepareResponse(int status) {
    if (status_ != 0) {
        throw std::logic_error("response already sent");
    }
    status_ = status;
    response_.setStatusAndReason(static_cast<Poco::Net::HTTPResponse::HTTPStatus>(status));
    for (const auto& [k, v] : baseHeaders_) response_.set(k, v);
    for (const auto& [k, v] : headers_) response_.set(k, v);
    // An unread body would be parsed as the next request: close instead. A chunked body always
    // ends the connection, so no framing disagreement can carry over to a next request.
    if (forceClose_ || !bodyConsumed() || request_.getChunkedTransferEncoding()) response_.setKeepAlive(false);
}

void CoreRequestContext::respond(int status, const std::string& contentType, const std::string& body) {
    prepareResponse(status);
    response_.setContentType(contentType);
    response_.setContentLength64(static_cast<Poco::Int64>(body.size()));
    try {
        response_.sendBuffer(body.data(), body.size());
        if (method_ != "HEAD") bytesSent_ = body.size();
    } catch (const Poco::Exception&) {
        // Client went away; nothing left to do for this request.
    }
}

void CoreRequestContext::respondJson(int status, const Poco::Dynamic::Var& body) {
    respond(status, "application/json", sdk::json::stringify(body));
}

std::ostream& CoreRequestContext::beginStream(int status, const std::string& contentType) {
    prepareResponse(status);
    response_.setContentType(contentType);
    response_.setChunkedTransferEncoding(true);
    stream_ = &response_.send();
    return *stream_;
}

namespace {

/// Adapts POCO's multipart callback to the SDK's, keeping POCO types out of plugins.
class PartAdapter : public Poco::Net::PartHandler {
public:
    explicit PartAdapter(const sdk::MultipartHandler& fn) : fn_(fn) {}
    void handlePart(const Poco::Net::MessageHeader& header, std::istream& stream) override {
        sdk::MultipartPart part;
        if (header.has("Content-Disposition")) {
            std::string disposition;
            Poco::Net::NameValueCollection params;
            Poco::Net::MessageHeader::splitParameters(header.get("Content-Disposition"), disposition, params);
            part.name = params.get("name", "");
            part.filename = params.get("filename", "");
        }
        part.contentType = header.get("Content-Type", "");
        // Like the body stream itself: a limit, deadline or framing error while reading the
        // part is thrown to the handler, never mistaken for the end of the part.
        stream.exceptions(std::ios::badbit);
        fn_(part, stream);
        // A part the handler did not read must still be consumed to reach the next boundary.
        char buf[16384];
        while (stream.read(buf, sizeof buf) || stream.gcount() > 0) {
        }
    }

private:
    const sdk::MultipartHandler& fn_;
};

}  // namespace

void CoreRequestContext::readMultipart(const sdk::MultipartHandler& onPart) {
    std::string type = contentType();
    if (Poco::icompare(type.substr(0, 19), "multipart/form-data") != 0) {
        throw sdk::ValidationError("Expected a multipart/form-data body", "not_multipart");
    }
    std::istream& in = bodyStream();
    PartAdapter adapter(onPart);
    Poco::Net::HTMLForm form;
    form.setFieldLimit(100);
    form.setValueLengthLimit(64 * 1024);
    try {
        form.load(request_, in, adapter);
    } catch (const sdk::Error&) {
        throw;
    } catch (const Poco::Net::HTMLFormException& e) {
        throw sdk::ValidationError("Malformed multipart body: " + e.message(), "bad_multipart");
    } catch (const Poco::Net::MessageException& e) {
        throw sdk::ValidationError("Malformed multipart body: " + e.message(), "bad_multipart");
    } catch (const std::ios_base::failure&) {
        // The multipart reader hit the end of the body without its closing boundary.
        throw sdk::ValidationError("Malformed multipart body: it ends without its closing boundary",
                                   "bad_multipart");
    } catch (const Poco::Exception& e) {
        throw sdk::ValidationError("Malformed multipart body: " + e.message(), "bad_multipart");
    }
    // Drain what follows the closing boundary so keep-alive stays possible.
    char buf[4096];
    while (in.read(buf, sizeof buf) || in.gcount() > 0) {
    }
}

std::ostream& CoreRequestContext::beginBody(int status, const std::string& contentType, uint64_t length) {
    prepareResponse(status);
    response_.setContentType(contentType);
    response_.setContentLength64(static_cast<Poco::Int64>(length));
    stream_ = &response_.send();
    if (method_ == "HEAD") {
        return discard_;  // POCO already sent the head; a body would corrupt the connection
    }
    bytesSent_ = length;
    return *stream_;
}

bool CoreRequestContext::clientGone() const { return stream_ != nullptr && !stream_->good(); }

}  // namespace hub::core
