// The one rule for the names of teams and workspaces, which users type and others read.
#pragma once

#include <string>

#include "hub/sdk/BodyValidator.h"
#include "hub/sdk/Text.h"

namespace hub::core {

/// `name` from a body, finishing the validation: 1-64 bytes of UTF-8 with no control
/// characters and no leading or trailing space. `what` is "team" or "workspace".
inline std::string validGroupName(sdk::BodyValidator& v, const std::string& what) {
    std::string name = v.requiredString("name", 256);
    if (v.ok() && (name.empty() || name.size() > 64 || name.find_first_of(std::string("\0\r\n\t", 4)) != std::string::npos ||
                   !sdk::text::isValidUtf8(name) || name.front() == ' ' || name.back() == ' ')) {
        v.fail("name", "value_error", "A " + what + " name is 1-64 characters, no control characters or edge spaces");
    }
    v.finish();
    return name;
}

}  // namespace hub::core
