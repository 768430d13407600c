#include "http/RequestPipeline.h"

#include <algorithm>
#include <chrono>

#include <Poco/JSON/Object.h>
#include <Poco/String.h>
#include <Poco/URI.h>

#include "auth/AuthService.h"
#include "http/CoreRequestContext.h"
#include "hub/sdk/Error.h"
#include "hub/sdk/Json.h"
#include "util/Crypto.h"

namespace hub::core {
namespace {

bool validRequestId(const std::string& id) {
    if (id.empty() || id.size() > 128) return false;
    return std::all_of(id.begin(), id.end(), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.';
    });
}

/// RFC 9110 §8.6: differing or malformed Content-Length values are an unrecoverable framing
/// error, as is Content-Length together with Transfer-Encoding (request smuggling).
std::string framingProblem(const Poco::Net::HTTPServerRequest& req) {
    std::string first;
    int count = 0;
    for (auto it = req.find("Content-Length"); it != req.end() && Poco::icompare(it->first, "Content-Length") == 0; ++it) {
        const std::string& v = it->second;
        if (v.empty() || v.size() > 18 || v.find_first_not_of("0123456789") != std::string::npos) {
            return "Malformed Content-Length";
        }
        if (count++ > 0 && v != first) return "Conflicting Content-Length headers";
        first = v;
    }
    if (count > 0 && req.has("Transfer-Encoding")) {
        return "Content-Length together with Transfer-Encoding";
    }
    int encodings = 0;
    for (auto it = req.find("Transfer-Encoding"); it != req.end() && Poco::icompare(it->first, "Transfer-Encoding") == 0;
         ++it) {
        if (++encodings > 1 || Poco::icompare(Poco::trim(it->second), "chunked") != 0) {
            return "Unsupported Transfer-Encoding";
        }
    }
    return {};
}

std::string nowIso() {
    auto now = std::chrono::system_clock::now();
    auto us = std::chrono::duration_cast<std::chrono::microseconds>(now.time_since_epoch()).count();
    std::time_t t = static_cast<std::time_t>(us / 1000000);
    std::tm tm{};
    gmtime_r(&t, &tm);
    char buf[40];
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
    char frac[16];
    std::snprintf(frac, sizeof frac, ".%03dZ", static_cast<int>((us / 1000) % 1000));
    return std::string(buf) + frac;
}

}  // namespace

RequestPipeline::RequestPipeline(Router& router, AuthService& auth, ConnectionWatchdog& watchdog,
                                 PipelineSettings settings, Poco::Logger& accessLogger,
                                 Poco::Logger& errorLogger)
    : router_(router),
      auth_(auth),
      watchdog_(watchdog),
      settings_(std::move(settings)),
      accessLogger_(accessLogger),
      errorLogger_(errorLogger) {}

void RequestPipeline::setMiddleware(std::vector<sdk::MiddlewareSpec> middleware) {
    std::stable_sort(middleware.begin(), middleware.end(),
                     [](const auto& a, const auto& b) { return a.priority > b.priority; });
    middleware_ = std::move(middleware);
}

std::string RequestPipeline::errorBody(const std::string& code, const std::string& message,
                                       const Poco::Dynamic::Var& detail) {
    auto body = sdk::json::object();
    body->set("detail", detail.isEmpty() ? Poco::Dynamic::Var(message) : detail);
    auto err = sdk::json::object();
    err->set("code", code);
    err->set("message", message);
    body->set("error", err);
    return sdk::json::stringify(body);
}

void RequestPipeline::handle(Poco::Net::HTTPServerRequest& request,
                             Poco::Net::HTTPServerResponse& response) {
    auto started = std::chrono::steady_clock::now();
    uint64_t connectionId = ConnectionWatchdog::currentId();
    if (connectionId != 0) watchdog_.setBusy(connectionId);

    std::string requestId;
    if (request.has("X-Request-Id") && validRequestId(request.get("X-Request-Id"))) {
        requestId = request.get("X-Request-Id");
    } else {
        requestId = crypto::randomHex(16);
    }

    // The raw path (before '?'), checked and split into decoded segments.
    const std::string& uri = request.getURI();
    std::string rawPath = uri.substr(0, uri.find('?'));
    auto segments = PathTemplate::splitRequestPath(rawPath);
    std::string displayPath;
    if (segments) {
        displayPath = "/";
        for (std::size_t i = 0; i < segments->size(); ++i) displayPath += (i ? "/" : "") + (*segments)[i];
    } else {
        displayPath = rawPath.substr(0, 256);
    }
    CoreRequestContext ctx(request, response, requestId, displayPath);
    ctx.addBaseHeader("X-Request-Id", requestId);
    ctx.addBaseHeader("X-Content-Type-Options", "nosniff");
    if (watchdog_.draining()) ctx.setForceClose(true);

    std::string origin = request.has("Origin") ? request.get("Origin") : "";
    bool originAllowed = !origin.empty() &&
                         std::find(settings_.cors.allowedOrigins.begin(), settings_.cors.allowedOrigins.end(),
                                   origin) != settings_.cors.allowedOrigins.end();
    if (originAllowed) {
        ctx.addBaseHeader("Access-Control-Allow-Origin", origin);
        ctx.addBaseHeader("Vary", "Origin");
        ctx.addBaseHeader("Access-Control-Expose-Headers", "X-Request-Id, Retry-After, ETag, Content-Disposition");
    }
    if (!origin.empty() && settings_.cors.allowCredentials) {
        ctx.addBaseHeader("Access-Control-Allow-Credentials", "true");
    }

    auto sendError = [&](int status, const std::string& code, const std::string& message,
                         const Poco::Dynamic::Var& detail = Poco::Dynamic::Var(),
                         const std::map<std::string, std::string>& headers = {}) {
        if (ctx.responded()) {
            // Too late for an error response: the body is cut short, and the client sees
            // the connection end instead of waiting for bytes that will never come.
            ctx.closeAfterResponse();
            return;
        }
        for (const auto& [k, v] : headers) ctx.setHeader(k, v);
        ctx.respond(status, "application/json", errorBody(code, message, detail));
    };

    std::string username;
    try {
        const std::string& version = request.getVersion();
        if (version != "HTTP/1.1" && version != "HTTP/1.0") {
            ctx.setForceClose(true);
            sendError(505, "http_version_not_supported", "HTTP Version Not Supported");
        } else if (std::string problem = framingProblem(request); !problem.empty()) {
            ctx.setForceClose(true);
            sendError(400, "bad_framing", problem);
        } else if (!segments || rawPath.find("//") != std::string::npos) {
            sendError(400, "bad_path", "Malformed request path");
        } else if (request.getMethod() == "OPTIONS") {
            RouteMatch m = router_.match("GET", *segments);
            bool known = m.kind != RouteMatch::NotFound || router_.match("POST", *segments).kind != RouteMatch::NotFound;
            if (request.has("Access-Control-Request-Method") && !origin.empty()) {
                if (!originAllowed) {
                    sendError(400, "cors_origin_denied", "Disallowed CORS origin");
                } else {
                    ctx.setHeader("Access-Control-Allow-Methods", "DELETE, GET, HEAD, OPTIONS, PATCH, POST, PUT");
                    if (request.has("Access-Control-Request-Headers")) {
                        std::string h = request.get("Access-Control-Request-Headers");
                        if (h.size() <= 1024 && h.find_first_of("\r\n") == std::string::npos) {
                            ctx.setHeader("Access-Control-Allow-Headers", h);
                        }
                    }
                    ctx.setHeader("Access-Control-Max-Age", std::to_string(settings_.cors.maxAgeSeconds));
                    ctx.respond(200, "text/plain; charset=utf-8", "OK");
                }
            } else if (known) {
                ctx.setHeader("Allow", "DELETE, GET, HEAD, OPTIONS, PATCH, POST, PUT");
                ctx.respond(204, "text/plain", "");
            } else {
                sendError(404, "not_found", "Not Found");
            }
        } else {
            RouteMatch m = router_.match(request.getMethod(), *segments);
            if (m.kind == RouteMatch::NotFound) {
                sendError(404, "not_found", "Not Found");
            } else if (m.kind == RouteMatch::MethodNotAllowed) {
                std::string allow;
                for (const auto& a : m.allowed) allow += (allow.empty() ? "" : ", ") + a;
                sendError(405, "method_not_allowed", "Method Not Allowed", Poco::Dynamic::Var(),
                          {{"Allow", allow}});
            } else {
                const sdk::RouteSpec& spec = m.route->spec;
                BodyLimits limits = settings_.bodyDefaults;
                limits.maxBytes = spec.bodyLimit;
                ctx.setRoute(m.params, limits);
                // Refuse an oversize body from its declared length before reading a byte.
                if (request.hasContentLength() && static_cast<uint64_t>(request.getContentLength64()) > spec.bodyLimit) {
                    throw sdk::PayloadTooLarge("Request body is larger than the limit of " +
                                               std::to_string(spec.bodyLimit) + " bytes");
                }
                if (spec.auth != sdk::AuthMode::None) {
                    std::optional<sdk::AuthContext> who;
                    if (request.has("Authorization")) {
                        who = auth_.authenticateHeader(request.get("Authorization"), ctx.clientAddress());
                    }
                    if (!who && spec.auth != sdk::AuthMode::Optional) {
                        throw sdk::Unauthorized(spec.missingAuthMessage, "not_authenticated");
                    }
                    if (who && spec.auth == sdk::AuthMode::Admin && !who->isAdmin()) {
                        throw sdk::Forbidden("Admin privileges required", "admin_required");
                    }
                    if (who) username = who->username;
                    ctx.setAuth(who);
                }
                if (middleware_.empty()) {
                    spec.handler(ctx);
                } else {
                    std::size_t index = 0;
                    std::function<void()> next = [&]() {
                        if (index < middleware_.size()) {
                            const auto& mw = middleware_[index++];
                            mw.fn(ctx, next);
                        } else {
                            spec.handler(ctx);
                        }
                    };
                    next();
                }
                if (!ctx.responded()) {
                    errorLogger_.error("request %s: handler for %s %s returned without a response",
                                       requestId, spec.method, spec.path);
                    sendError(500, "internal_error", "Internal Server Error");
                }
            }
        }
    } catch (const sdk::Error& e) {
        if (e.status() == 413 || e.status() == 408 || (e.status() == 400 && e.code() == "bad_body")) {
            ctx.setForceClose(true);
        }
        if (ctx.responded()) {
            errorLogger_.warning("request %s: error after the response started: %s", requestId,
                                 std::string(e.what()));
        }
        sendError(e.status(), e.code(), e.what(), e.detail(), e.headers());
    } catch (const std::exception& e) {
        std::string what = e.what();
        if (auto* pe = dynamic_cast<const Poco::Exception*>(&e)) what = pe->displayText();
        errorLogger_.error("request %s: unhandled exception in %s %s: %s", requestId,
                           request.getMethod(), displayPath, what);
        sendError(500, "internal_error", "Internal Server Error (request id " + requestId + ")");
    } catch (...) {
        errorLogger_.error("request %s: unhandled non-standard exception in %s %s", requestId,
                           request.getMethod(), displayPath);
        sendError(500, "internal_error", "Internal Server Error (request id " + requestId + ")");
    }

    if (settings_.accessLog) {
        auto ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started).count();
        auto line = sdk::json::object();
        line->set("ts", nowIso());
        line->set("type", "access");
        line->set("request_id", requestId);
        line->set("method", request.getMethod().substr(0, 16));
        line->set("path", displayPath.substr(0, 1024));
        line->set("status", ctx.statusSent());
        line->set("bytes", static_cast<Poco::UInt64>(ctx.bytesSent()));
        line->set("duration_ms", static_cast<double>(static_cast<int64_t>(ms * 1000)) / 1000.0);
        line->set("remote", ctx.clientAddress());
        if (!username.empty()) line->set("user", username);
        accessLogger_.information(sdk::json::stringify(line));
    }
    if (connectionId != 0) watchdog_.setAwaiting(connectionId);
}

}  // namespace hub::core
