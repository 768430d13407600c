// The route table: method + path template -> handler, with 404/405 answers decided here
// (POCO alone would answer 501).
#pragma once

#include <map>
#include <memory>
#include <shared_mutex>
#include <string>
#include <vector>

#include "http/PathTemplate.h"
#include "hub/sdk/RouteSpec.h"

namespace hub::core {

struct Route {
    sdk::RouteSpec spec;
    PathTemplate pathTemplate;
    std::string owner;  ///< "core" or the plugin name
};

struct RouteMatch {
    enum Kind { Found, NotFound, MethodNotAllowed } kind = NotFound;
    const Route* route = nullptr;
    std::map<std::string, std::string> params;
    std::vector<std::string> allowed;  ///< for MethodNotAllowed
};

/// Registration happens before serving; matching afterwards is lock-free reads of a
/// frozen table (removal of a failed optional plugin's routes happens before serving too).
class Router {
public:
    /// Throws std::invalid_argument on a bad template and std::runtime_error naming both
    /// owners on a duplicate method+path.
    void add(sdk::RouteSpec spec, const std::string& owner = "core");
    /// Removes every route of `owner`.
    void removeOwner(const std::string& owner);
    void clear();

    /// HEAD matches GET routes.
    RouteMatch match(const std::string& method, const std::vector<std::string>& segments) const;
    const std::vector<std::unique_ptr<Route>>& routes() const { return routes_; }

private:
    std::vector<std::unique_ptr<Route>> routes_;
};

}  // namespace hub::core
