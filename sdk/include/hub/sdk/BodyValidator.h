// Typed access to a JSON request body that collects every field error before failing.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>

#include "hub/sdk/Export.h"

namespace hub {
namespace sdk {
inline namespace v1 {

/**
 * Reads fields of a request object and records a pydantic-2 style error item
 * ({"type","loc":["body",field],"msg","input"}) for each missing or mistyped field.
 * `finish()` throws ValidationError (422) with the whole list when anything failed,
 * so a client learns about every bad field at once.
 *
 * Strings never contain NUL (the strict parser already refused them); `maxLength` is in
 * bytes. Unknown keys are ignored, as HubGPT did.
 * Not thread-safe; use one per request.
 */
class HUB_SDK_API BodyValidator {
public:
    explicit BodyValidator(Poco::JSON::Object::Ptr body);
    ~BodyValidator();

    std::string requiredString(const std::string& field, std::size_t maxLength = 65536);
    std::optional<std::string> optionalString(const std::string& field,
                                              std::size_t maxLength = 65536);
    std::optional<int64_t> optionalInt(const std::string& field, int64_t min, int64_t max);
    int64_t requiredInt(const std::string& field, int64_t min, int64_t max);
    std::optional<double> optionalNumber(const std::string& field);
    std::optional<bool> optionalBool(const std::string& field);
    /// A point in time given as a strict ISO-8601 string (offset or Z; none means UTC) or
    /// as epoch seconds, in microseconds since the epoch; null counts as absent. With
    /// `futureAfter` > 0 the time must be later than it (microseconds).
    std::optional<int64_t> optionalTimestamp(const std::string& field, int64_t futureAfter = 0);
    /// An array field; null counts as absent.
    Poco::JSON::Array::Ptr optionalArray(const std::string& field);
    /// An object field; null counts as absent.
    Poco::JSON::Object::Ptr optionalObject(const std::string& field);
    bool has(const std::string& field) const;

    /// Records a custom error for `field` (e.g. "value is not a valid email address").
    void fail(const std::string& field, const std::string& type, const std::string& message);

    bool ok() const { return errors_->size() == 0; }
    /// Throws ValidationError with the collected list if any field failed.
    void finish() const;

    const Poco::JSON::Object::Ptr& body() const { return body_; }

private:
    Poco::JSON::Object::Ptr body_;
    Poco::JSON::Array::Ptr errors_;
};

}  // namespace v1
}  // namespace sdk
}  // namespace hub
