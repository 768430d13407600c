#include "SnippetInput.h"

#include "hub/sdk/BodyValidator.h"
#include "hub/sdk/Json.h"

namespace hub::plugins::snippets {

SnippetInput SnippetInput::parse(const Poco::JSON::Object::Ptr& body, const InputLimits& limits) {
    sdk::BodyValidator v(body);
    SnippetInput in;
    in.sourceType = v.requiredString("source_type", limits.maxSourceBytes);
    in.sourceName = v.requiredString("source_name", limits.maxSourceBytes);
    in.content = v.requiredString("content", limits.maxContentBytes);
    if (auto tags = v.optionalArray("tags")) {
        if (tags->size() > limits.maxTags) {
            v.fail("tags", "too_long",
                   "List should have at most " + std::to_string(limits.maxTags) + " items");
        } else {
            for (std::size_t i = 0; i < tags->size(); ++i) {
                auto t = tags->get(static_cast<unsigned>(i));
                std::string at = " (tags[" + std::to_string(i) + "])";
                if (!t.isString()) {
                    v.fail("tags", "string_type", "Input should be a valid string" + at);
                    continue;
                }
                auto s = t.convert<std::string>();
                if (s.empty()) {
                    v.fail("tags", "string_too_short", "String should have at least 1 character" + at);
                } else if (s.size() > limits.maxTagBytes) {
                    v.fail(
                        "tags", "string_too_long",
                        "String should have at most " + std::to_string(limits.maxTagBytes) + " bytes" + at);
                } else {
                    in.tags.push_back(s);
                }
            }
        }
    }
    if (auto meta = v.optionalObject("snippet_metadata")) in.metadataJson = sdk::json::stringify(meta);
    v.finish();
    return in;
}

}  // namespace hub::plugins::snippets
