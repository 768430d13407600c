// A callable tool offered to the LLM by the chat plugin's tool loop.
#pragma once

#include <functional>
#include <string>

#include "hub/sdk/AuthContext.h"

namespace hub {
namespace sdk {
inline namespace v1 {

/// One invocation of a tool: JSON arguments from the model plus who the chat belongs to.
struct ToolCall {
    std::string argumentsJson;
    AuthContext caller;
    std::string requestId;
};

/**
 * A tool: `inputSchemaJson` is an OpenAI function-parameters JSON schema; `invoke` returns
 * the result as a JSON text. `invoke` must be thread-safe.
 */
struct ToolSpec {
    std::string name;
    std::string description;
    std::string inputSchemaJson;
    std::function<std::string(const ToolCall&)> invoke;
};

}  // namespace v1
}  // namespace sdk
}  // namespace hub
