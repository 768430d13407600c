// The one validator for user-supplied file paths, used by every files route.
#pragma once

#include <string>
#include <vector>

namespace hub::plugins::files {

/**
 * Validates and normalises a path relative to a user's root ("docs/a.txt"). Rejects empty
 * paths and segments, "." and "..", a leading "/", backslashes, NUL and control characters,
 * invalid UTF-8, segments over 255 bytes, paths over 4096 bytes, and top-level names that
 * the routes reserve (id, tree, shares, shared-with-me). Percent-decoding has already
 * happened once, in the router. Throws sdk::ValidationError (422, code "invalid_path").
 */
std::string normalisePath(const std::string& raw);

/// Validates one name (for rename): the same rules as a single segment.
std::string normaliseName(const std::string& raw);

/// "a/b/c.txt" -> {"a", "a/b"}.
std::vector<std::string> parentFolders(const std::string& path);
/// "a/b/c.txt" -> "c.txt".
std::string baseName(const std::string& path);
/// "a/b/c.txt" -> "a/b" ("" at the root).
std::string dirName(const std::string& path);
/// Number of UTF-8 code points (SQL substr counts characters).
std::size_t codePoints(const std::string& s);
/// "c.tar.gz" -> "gz"; "" when none.
std::string extension(const std::string& name);

}  // namespace hub::plugins::files
