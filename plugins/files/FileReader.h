// files.reader.v1: how other plugins (chat's <$file:…$> includes, tools) read a user's files
// without touching the files tables.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

namespace hub::plugins::files {

/**
 * Provided by the files plugin; usable once it has started. Paths are in the user's own
 * namespace, as on the path routes. Default visibility (plugins are built hidden) with the
 * destructor out of line in FilesPlugin.cpp, so hub_files owns the vtable. Thread-safe.
 */
class __attribute__((visibility("default"))) IFileReader {
public:
    static constexpr const char* kServiceId = "files.reader.v1";
    virtual ~IFileReader();

    /// UTF-8 text of the user's file, cut at `maxBytes`; nullopt when there is no such file,
    /// it is a folder, the path is invalid, or the content is not UTF-8 text.
    virtual std::optional<std::string> readText(const std::string& userId, const std::string& path,
                                                std::size_t maxBytes) const = 0;
    /// Paths of the user's files matching `pattern` (`*` any run, `?` one character, ASCII
    /// case-insensitive), sorted.
    virtual std::vector<std::string> match(const std::string& userId, const std::string& pattern) const = 0;
};

}  // namespace hub::plugins::files
