// core.tools.v1: the tools plugins registered, for the chat plugin's tool loop.
#pragma once

#include <string>
#include <vector>

#include "hub/sdk/Export.h"
#include "hub/sdk/ToolSpec.h"

namespace hub {
namespace sdk {
inline namespace v1 {

/// Frozen after start-up; thread-safe.
class HUB_SDK_API IToolRegistry {
public:
    static constexpr const char* kServiceId = "core.tools.v1";
    virtual ~IToolRegistry();

    virtual std::vector<const ToolSpec*> list() const = 0;
    virtual const ToolSpec* find(const std::string& name) const = 0;
    /// The plugin that registered the tool ("" when there is no such tool).
    virtual std::string ownerOf(const std::string& name) const = 0;
};

}  // namespace v1
}  // namespace sdk
}  // namespace hub
