#include "hub/sdk/services/IShareLinks.h"

#include <algorithm>
#include <cctype>

#include "hub/sdk/RequestContext.h"

namespace hub {
namespace sdk {
inline namespace v1 {

// Out of line so libhub_sdk.so is the one home of the vtable and typeinfo.
IShareLinks::~IShareLinks() = default;

bool redirectBrowserToLinkPage(RequestContext& ctx, const std::string& pagePath, const std::string& token) {
    const bool linkShaped = !token.empty() && token.size() <= 128 && std::all_of(token.begin(), token.end(), [](char ch) {
        return std::isalnum(static_cast<unsigned char>(ch)) || ch == '-' || ch == '_';
    });
    auto accept = ctx.header("Accept");
    if (!linkShaped || !accept || accept->find("text/html") == std::string::npos ||
        accept->find("application/json") != std::string::npos) {
        return false;
    }
    ctx.setHeader("Location", pagePath + token);
    ctx.setHeader("Cache-Control", "no-store");
    ctx.respond(303, "text/plain; charset=utf-8", "See " + pagePath + "\n");
    return true;
}

}  // namespace v1
}  // namespace sdk
}  // namespace hub
