// What a plugin registers for one HTTP route.
#pragma once

#include <cstddef>
#include <functional>
#include <string>

#include "hub/sdk/RequestContext.h"

namespace hub {
namespace sdk {
inline namespace v1 {

/// How the core authenticates a route before calling its handler.
enum class AuthMode {
    None,      ///< no credentials looked at
    Optional,  ///< credentials checked if present (bad ones are 401), auth() may be null
    Required,  ///< Bearer or Basic required
    Admin      ///< Required and the caller's role is admin (403 otherwise)
};

using Handler = std::function<void(RequestContext&)>;

/**
 * One route. `path` is a template such as `/api/v1/files/{path:path}/share`: `{name}`
 * matches one segment, `{name:path}` matches one or more segments. Both trailing-slash
 * forms are served. A duplicate method+path across all plugins is fatal at start.
 */
struct RouteSpec {
    std::string method;  ///< GET, POST, PUT, PATCH, DELETE
    std::string path;
    AuthMode auth = AuthMode::Required;
    /// Largest accepted body in bytes; larger ones get 413 without being stored.
    std::size_t bodyLimit = 1024 * 1024;
    Handler handler;
    /// `detail` of the 401 when credentials are missing (HubGPT differs per route).
    std::string missingAuthMessage = "Not authenticated";
};

/// Middleware wraps every routed request after auth; higher priority runs first.
/// The core reserves 10000 (request id), 9000 (access log) and 8000 (auth).
struct MiddlewareSpec {
    std::string name;
    int priority = 0;
    std::function<void(RequestContext&, const std::function<void()>& next)> fn;
};

}  // namespace v1
}  // namespace sdk
}  // namespace hub
