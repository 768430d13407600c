// A route path template: literal segments, `{name}` (one segment), `{name:path}` (one or more).
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace hub::core {

class PathTemplate {
public:
    /// Throws std::invalid_argument for malformed templates (empty name, bad type, ...).
    explicit PathTemplate(const std::string& text);

    /// Matches already-decoded segments; fills `params`. Literal segments compare exactly.
    bool match(const std::vector<std::string>& segments,
               std::map<std::string, std::string>& params) const;

    /// Higher is more specific: literal segments first, then single-segment params.
    /// `/snippets/export` beats `/snippets/{id}`, which beats `/{x:path}`.
    int specificity() const { return specificity_; }
    const std::string& text() const { return text_; }
    /// Canonical form used to detect duplicates: params renamed to `{}` / `{:path}`.
    const std::string& canonical() const { return canonical_; }

    /// Splits a raw request path into percent-decoded segments, dropping one trailing slash.
    /// Returns nullopt for paths that are not acceptable (NUL/control bytes, bad escapes).
    static std::optional<std::vector<std::string>> splitRequestPath(const std::string& rawPath);

private:
    struct Segment {
        enum Kind { Literal, Param, PathParam } kind;
        std::string value;  ///< literal text or param name
    };
    bool matchFrom(std::size_t si, const std::vector<std::string>& segs, std::size_t pi,
                   std::map<std::string, std::string>& params) const;

    std::string text_;
    std::string canonical_;
    std::vector<Segment> segments_;
    int specificity_ = 0;
};

}  // namespace hub::core
