// core.clock.v1: the one time source (UTC), replaceable in tests.
#pragma once

#include <cstdint>
#include <string>

#include "hub/sdk/Export.h"

namespace hub {
namespace sdk {
inline namespace v1 {

/// Thread-safe.
class HUB_SDK_API IClock {
public:
    static constexpr const char* kServiceId = "core.clock.v1";
    virtual ~IClock();

    /// Microseconds since the Unix epoch, UTC.
    virtual int64_t nowMicros() const = 0;

    /// HubGPT's naive ISO form: `2026-11-28T22:37:00` (whole seconds) or with
    /// `.ffffff` when `withMicros` and the fraction is non-zero.
    static std::string formatIso(int64_t micros, bool withMicros = false);
};

}  // namespace v1
}  // namespace sdk
}  // namespace hub
