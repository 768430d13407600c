// core.tools.v1: the tools plugins registered, for the chat plugin's tool loop, and who may
// use each (config `tools.access`, grants on resource type "tool").
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

    // 1.2
    /// Whether the user may call the tool: it exists, and it is open to everyone or the user
    /// holds `use` on it (resource type "tool" of core.access.v1; server admins always may).
    /// The chat plugin lists, offers and runs only such tools.
    virtual bool usableBy(const std::string& userId, const std::string& name) const = 0;
};

}  // namespace v1
}  // namespace sdk
}  // namespace hub
