#include "storage/ChunkCache.h"

namespace hub::core::storage {

ChunkCache::Data ChunkCache::get(const std::string& key) {
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = index_.find(key);
    if (it == index_.end()) {
        ++misses_;
        return nullptr;
    }
    ++hits_;
    lru_.splice(lru_.begin(), lru_, it->second);
    return it->second->data;
}

void ChunkCache::put(const std::string& key, Data data) {
    if (capacity_ == 0 || !data || data->size() > capacity_ / 4) return;
    std::lock_guard<std::mutex> lock(mutex_);
    if (auto it = index_.find(key); it != index_.end()) {
        lru_.splice(lru_.begin(), lru_, it->second);
        return;
    }
    bytes_ += data->size();
    lru_.push_front({key, std::move(data)});
    index_[key] = lru_.begin();
    while (bytes_ > capacity_ && !lru_.empty()) {
        bytes_ -= lru_.back().data->size();
        index_.erase(lru_.back().key);
        lru_.pop_back();
    }
}

void ChunkCache::erase(const std::string& key) {
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = index_.find(key);
    if (it == index_.end()) return;
    bytes_ -= it->second->data->size();
    lru_.erase(it->second);
    index_.erase(it);
}

std::size_t ChunkCache::sizeBytes() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return bytes_;
}

uint64_t ChunkCache::hits() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return hits_;
}

uint64_t ChunkCache::misses() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return misses_;
}

}  // namespace hub::core::storage
