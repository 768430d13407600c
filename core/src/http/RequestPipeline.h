// Everything that happens to one request: protocol checks, request id, CORS, routing,
// authentication, middleware, the handler, error envelopes and the access log.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <Poco/Logger.h>
#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerResponse.h>

#include "http/BodyStreamBuf.h"
#include "http/ConnectionWatchdog.h"
#include "http/Router.h"
#include "hub/sdk/RouteSpec.h"

namespace hub::core {

class AuthService;

struct CorsSettings {
    std::vector<std::string> allowedOrigins;
    bool allowCredentials = true;
    int maxAgeSeconds = 600;
};

struct PipelineSettings {
    CorsSettings cors;
    BodyLimits bodyDefaults;  ///< maxBytes is replaced by each route's limit
    bool accessLog = true;
};

class RequestPipeline {
public:
    RequestPipeline(Router& router, AuthService& auth, ConnectionWatchdog& watchdog,
                    PipelineSettings settings, Poco::Logger& accessLogger, Poco::Logger& errorLogger);

    /// Plugin middleware, sorted by priority (highest first) before serving.
    void setMiddleware(std::vector<sdk::MiddlewareSpec> middleware);
    void handle(Poco::Net::HTTPServerRequest& request, Poco::Net::HTTPServerResponse& response);

    /// Writes the error envelope {"detail","error":{"code","message"}} with `detail` override.
    static std::string errorBody(const std::string& code, const std::string& message,
                                 const Poco::Dynamic::Var& detail = Poco::Dynamic::Var());

private:
    Router& router_;
    AuthService& auth_;
    ConnectionWatchdog& watchdog_;
    PipelineSettings settings_;
    Poco::Logger& accessLogger_;
    Poco::Logger& errorLogger_;
    std::vector<sdk::MiddlewareSpec> middleware_;
};

}  // namespace hub::core
