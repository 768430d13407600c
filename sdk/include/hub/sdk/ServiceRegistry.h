// Services looked up by versioned id ("core.db.v1"), resolved in start(), never per request.
#pragma once

#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "hub/sdk/Export.h"

namespace hub {
namespace sdk {
inline namespace v1 {

/**
 * Read-only lookup of services provided by the core and by plugins. Each service interface
 * declares `static constexpr const char* kServiceId`. Thread-safe for reads after start-up.
 */
class HUB_SDK_API ServiceRegistry {
public:
    virtual ~ServiceRegistry();

    /// The service registered under `id`, or nullptr.
    virtual std::shared_ptr<void> findRaw(const std::string& id) const = 0;
    virtual std::vector<std::string> ids() const = 0;

    /// The service or nullptr (for optional dependencies).
    template <class T>
    std::shared_ptr<T> find() const {
        return std::static_pointer_cast<T>(findRaw(T::kServiceId));
    }

    /// The service; throws std::runtime_error naming the id when it is missing.
    template <class T>
    std::shared_ptr<T> require() const {
        auto p = find<T>();
        if (!p) {
            throw std::runtime_error(std::string("required service not available: ") +
                                     T::kServiceId);
        }
        return p;
    }
};

}  // namespace v1
}  // namespace sdk
}  // namespace hub
