// snippets.writer.v1: how other plugins (the chat tool loop's create_snippet) save a snippet
// for a user without touching the snippets table.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace hub::plugins::snippets {

/**
 * Provided by the snippets plugin in registerComponents(); usable once it has started (before
 * that, or after it stopped, calls throw sdk::Unavailable). Default visibility (plugins are
 * built hidden) with the destructor out of line in SnippetsPlugin.cpp, so hub_snippets owns
 * the vtable. Thread-safe.
 */
class __attribute__((visibility("default"))) ISnippetWriter {
public:
    static constexpr const char* kServiceId = "snippets.writer.v1";
    virtual ~ISnippetWriter();

    /**
     * Creates a snippet for userId exactly as POST /api/v1/snippets would (same validation,
     * title, tags, HTML, event); returns the snippet id; throws sdk::ValidationError for bad
     * input.
     */
    virtual std::string create(const std::string& userId, const std::string& sourceType,
                               const std::string& sourceName, const std::string& content,
                               const std::vector<std::string>& tags) const = 0;

    /// The title of the user's snippet `id` as stored (derived from its content); nullopt when
    /// it has none, or when the user has no such snippet.
    virtual std::optional<std::string> title(const std::string& userId, const std::string& id) const = 0;
};

}  // namespace hub::plugins::snippets
