// Text rules of snippets (contract §9): the title line, hashtags, tag merging, plus the small
// string helpers the routes and exports share. Pure functions; thread-safe.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace hub::plugins::snippets {

/**
 * HubGPT's title: the first line starting with `#` or `##` followed by whitespace (which, as
 * with HubGPT's multi-line regex, may run onto following lines), then the rest of that line,
 * trimmed. `###` and setext headings do not count. nullopt when there is none.
 */
std::optional<std::string> extractTitle(const std::string& markdown);

/**
 * Hashtags in document order, de-duplicated: a `#` not preceded by `#`, then an ASCII letter
 * and one or more word characters (ASCII alphanumerics, `_`, and Unicode letters and digits,
 * like Python's `\w`). Matched anywhere, as HubGPT did: inside words, URL fragments, code.
 */
std::vector<std::string> extractHashtags(const std::string& markdown);

/// `given` then `found`, each tag once, first occurrence wins (HubGPT used an unordered set).
std::vector<std::string> mergeTags(const std::vector<std::string>& given,
                                   const std::vector<std::string>& found);

/// Lower-cases UTF-8 text (for case-insensitive search).
std::string lowerUtf8(const std::string& s);

/// Escapes `& < > " '` for HTML text and attribute values.
std::string htmlEscape(const std::string& s);

/// Python-Markdown's toc slug: ASCII word characters, spaces and hyphens kept, lower-cased,
/// runs of spaces/hyphens become one `-`. Non-ASCII characters are dropped (Python-Markdown
/// first folds them with NFKD, so `é` became `e` there).
std::string slugify(const std::string& text);

/// Leading and trailing ASCII whitespace removed.
std::string trim(const std::string& s);

}  // namespace hub::plugins::snippets
