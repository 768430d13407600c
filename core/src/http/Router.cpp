#include "http/Router.h"

#include <algorithm>
#include <limits>
#include <set>
#include <stdexcept>

namespace hub::core {

void Router::add(sdk::RouteSpec spec, const std::string& owner) {
    static const std::set<std::string> kMethods{"GET", "POST", "PUT", "PATCH", "DELETE"};
    if (kMethods.count(spec.method) == 0) {
        throw std::invalid_argument("unsupported method '" + spec.method + "' for route " + spec.path);
    }
    if (!spec.handler) {
        throw std::invalid_argument("route " + spec.method + " " + spec.path + " has no handler");
    }
    PathTemplate tpl(spec.path);
    for (const auto& r : routes_) {
        if (r->spec.method == spec.method && r->pathTemplate.canonical() == tpl.canonical()) {
            throw std::runtime_error("duplicate route " + spec.method + " " + spec.path + ": registered by '" +
                                     r->owner + "' and by '" + owner + "'");
        }
    }
    routes_.push_back(std::make_unique<Route>(Route{std::move(spec), tpl, owner}));
}

void Router::removeOwner(const std::string& owner) {
    routes_.erase(std::remove_if(routes_.begin(), routes_.end(),
                                 [&](const auto& r) { return r->owner == owner; }),
                  routes_.end());
}

void Router::clear() { routes_.clear(); }

RouteMatch Router::match(const std::string& method, const std::vector<std::string>& segments) const {
    RouteMatch best;
    std::set<std::string> allowed;
    std::map<std::string, std::string> params;
    const std::string& wanted = method == "HEAD" ? std::string("GET") : method;
    // `/{x:path}` has a negative specificity (-1): start below every possible score.
    int bestScore = std::numeric_limits<int>::min();
    for (const auto& r : routes_) {
        if (!r->pathTemplate.match(segments, params)) continue;
        allowed.insert(r->spec.method);
        if (r->spec.method == wanted && r->pathTemplate.specificity() > bestScore) {
            bestScore = r->pathTemplate.specificity();
            best.kind = RouteMatch::Found;
            best.route = r.get();
            best.params = params;
        }
    }
    if (best.kind == RouteMatch::Found) return best;
    if (!allowed.empty()) {
        best.kind = RouteMatch::MethodNotAllowed;
        if (allowed.count("GET")) allowed.insert("HEAD");
        allowed.insert("OPTIONS");
        best.allowed.assign(allowed.begin(), allowed.end());
    }
    return best;
}

}  // namespace hub::core
