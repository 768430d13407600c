// Serves the files of the web page (web/ in the source tree, share/hub/web once installed) at
// `/` and `/static/{file:path}`: a fixed list of content types, a strict Content-Security-Policy,
// ETag revalidation, and nothing outside the web root (traversal, dotfiles and symlinks that
// leave the root are 404). Feature-free on purpose: the page talks to the JSON API.
#pragma once

#include <optional>
#include <string>

#include "hub/sdk/RequestContext.h"

namespace hub::core {

class Router;

class StaticFiles {
public:
    /// The policy sent with every static response: no inline script or style, same origin only.
    static constexpr const char* kContentSecurityPolicy =
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
        "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

    /// `root` is the web root directory; it need not exist (every file is then 404).
    explicit StaticFiles(std::string root);

    /**
     * Where the page lives: `configured` when not empty (relative to the working directory),
     * else `<exeDir>/../share/hub/web` when it is a directory, else `sourceWebDir`.
     */
    static std::string resolveRoot(const std::string& configured, const std::string& exeDir,
                                   const std::string& sourceWebDir);

    /// Content type for a file name by extension; nullopt for types the page never serves.
    static std::optional<std::string> contentTypeFor(const std::string& name);

    /// Registers `GET /` (index.html) and `GET /static/{file:path}` (HEAD comes with GET).
    void registerRoutes(Router& router) const;

    /// Answers one request for `relative` (already percent-decoded, '/'-separated).
    /// Throws sdk::NotFound for anything that is not a servable file under the root.
    void serve(sdk::RequestContext& ctx, const std::string& relative) const;

    const std::string& root() const { return root_; }

private:
    std::string root_;
};

}  // namespace hub::core
