// A small thread-safe map whose entries expire after a fixed time; bounded in size.
#pragma once

#include <chrono>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

namespace hub::core {

template <class V>
class TtlCache {
public:
    using Clock = std::chrono::steady_clock;

    TtlCache(std::chrono::milliseconds ttl, std::size_t maxEntries)
        : ttl_(ttl), maxEntries_(maxEntries) {}

    std::optional<V> get(const std::string& key) {
        if (ttl_.count() == 0) return std::nullopt;
        std::lock_guard<std::mutex> lock(mutex_);
        auto it = map_.find(key);
        if (it == map_.end()) return std::nullopt;
        if (Clock::now() >= it->second.expires) {
            map_.erase(it);
            return std::nullopt;
        }
        return it->second.value;
    }

    void put(const std::string& key, V value) {
        if (ttl_.count() == 0) return;
        std::lock_guard<std::mutex> lock(mutex_);
        if (map_.size() >= maxEntries_) {
            evictExpiredLocked();
            if (map_.size() >= maxEntries_) map_.clear();  // a flood of distinct keys: start over
        }
        map_[key] = Entry{std::move(value), Clock::now() + ttl_};
    }

    void erase(const std::string& key) {
        std::lock_guard<std::mutex> lock(mutex_);
        map_.erase(key);
    }

    template <class Pred>
    void eraseIf(Pred pred) {
        std::lock_guard<std::mutex> lock(mutex_);
        for (auto it = map_.begin(); it != map_.end();) {
            if (pred(it->second.value)) it = map_.erase(it);
            else ++it;
        }
    }

    void clear() {
        std::lock_guard<std::mutex> lock(mutex_);
        map_.clear();
    }

private:
    struct Entry {
        V value;
        Clock::time_point expires;
    };
    void evictExpiredLocked() {
        auto now = Clock::now();
        for (auto it = map_.begin(); it != map_.end();) {
            if (now >= it->second.expires) it = map_.erase(it);
            else ++it;
        }
    }

    std::chrono::milliseconds ttl_;
    std::size_t maxEntries_;
    std::mutex mutex_;
    std::unordered_map<std::string, Entry> map_;
};

}  // namespace hub::core
