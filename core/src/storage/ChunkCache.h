// A bounded LRU cache of decoded (verified, decrypted, decompressed) chunks, so hot files are
// served without touching the disk or the cipher again. Thread-safe.
#pragma once

#include <cstddef>
#include <list>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

namespace hub::core::storage {

class ChunkCache {
public:
    using Data = std::shared_ptr<const std::string>;
    /// `capacityBytes` 0 disables caching.
    explicit ChunkCache(std::size_t capacityBytes) : capacity_(capacityBytes) {}

    Data get(const std::string& key);
    /// Chunks larger than a quarter of the capacity are not kept (one big file would flush
    /// everything else).
    void put(const std::string& key, Data data);
    void erase(const std::string& key);

    std::size_t sizeBytes() const;
    uint64_t hits() const;
    uint64_t misses() const;

private:
    struct Entry {
        std::string key;
        Data data;
    };
    std::size_t capacity_;
    mutable std::mutex mutex_;
    std::list<Entry> lru_;  ///< front = most recently used
    std::unordered_map<std::string, std::list<Entry>::iterator> index_;
    std::size_t bytes_ = 0;
    uint64_t hits_ = 0;
    uint64_t misses_ = 0;
};

}  // namespace hub::core::storage
