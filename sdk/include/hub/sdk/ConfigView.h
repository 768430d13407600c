// Immutable, validated config values of one section. yaml-cpp types never cross the SDK.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <Poco/JSON/Object.h>

#include "hub/sdk/Export.h"

namespace hub {
namespace sdk {
inline namespace v1 {

/**
 * Read-only view over a validated section (defaults already filled in). Keys may be dotted
 * to reach nested sections (`jwt.issuer`). Asking for a key the schema did not declare, or
 * with the wrong type, throws std::out_of_range / std::invalid_argument: that is a
 * programming error, not a user error. Cheap to copy; thread-safe for reads.
 */
class HUB_SDK_API ConfigView {
public:
    ConfigView();
    explicit ConfigView(Poco::JSON::Object::Ptr values);
    ~ConfigView();

    bool has(const std::string& key) const;
    bool getBool(const std::string& key) const;
    int64_t getInt(const std::string& key) const;
    double getDouble(const std::string& key) const;
    std::string getString(const std::string& key) const;
    std::vector<std::string> getStringList(const std::string& key) const;
    /// A free-form Object key, or a nested section, as JSON.
    Poco::JSON::Object::Ptr getObject(const std::string& key) const;
    ConfigView section(const std::string& key) const;
    /// The whole section as JSON.
    const Poco::JSON::Object::Ptr& raw() const { return values_; }

private:
    Poco::Dynamic::Var lookup(const std::string& key) const;
    Poco::JSON::Object::Ptr values_;
};

}  // namespace v1
}  // namespace sdk
}  // namespace hub
