// core.storage.v1: durable byte storage behind the files feature.
#pragma once

#include <cstdint>
#include <istream>
#include <memory>
#include <optional>
#include <string>

#include "hub/sdk/Export.h"

namespace hub {
namespace sdk {
inline namespace v1 {

/// What the store knows about one blob.
struct BlobInfo {
    std::string id;      ///< opaque id chosen by the store
    uint64_t size = 0;
    std::string sha256;  ///< lowercase hex of the content
};

/**
 * Blobs are immutable: put() stores new bytes and returns a new id; the caller records the
 * id in its own table in the same request and removes blobs it no longer references.
 * put() is durable when it returns (temp file, fsync, rename, fsync of the directory).
 * Thread-safe.
 */
class HUB_SDK_API IBlobStore {
public:
    static constexpr const char* kServiceId = "core.storage.v1";
    virtual ~IBlobStore();

    /// Stores everything `in` yields; throws PayloadTooLarge past `maxBytes` (nothing kept).
    virtual BlobInfo put(std::istream& in, uint64_t maxBytes) = 0;
    /// Opens a blob for reading; nullptr when it does not exist.
    virtual std::unique_ptr<std::istream> open(const std::string& id) const = 0;
    virtual std::optional<BlobInfo> stat(const std::string& id) const = 0;
    /// Removes a blob; false when it did not exist.
    virtual bool remove(const std::string& id) = 0;
};

}  // namespace v1
}  // namespace sdk
}  // namespace hub
