// The body of POST and PUT /api/v1/snippets, validated.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include <Poco/JSON/Object.h>

namespace hub::plugins::snippets {

/// Size limits of one snippet body.
struct InputLimits {
    std::size_t maxContentBytes = 1024 * 1024;
    std::size_t maxTags = 100;
    std::size_t maxTagBytes = 100;
    std::size_t maxSourceBytes = 1024;
};

/**
 * HubGPT's SnippetCreate: `source_type`, `source_name`, `content` (required strings), `tags`
 * (list of strings, or null), `snippet_metadata` (object, or null; default `{}`). Unknown keys,
 * including the PRD's `metadata`, are ignored.
 */
struct SnippetInput {
    std::string sourceType;
    std::string sourceName;
    std::string content;
    std::vector<std::string> tags;
    std::string metadataJson = "{}";

    /// Reads `body`; throws ValidationError (422, pydantic list detail) naming every bad field.
    static SnippetInput parse(const Poco::JSON::Object::Ptr& body, const InputLimits& limits);
};

}  // namespace hub::plugins::snippets
