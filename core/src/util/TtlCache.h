// A small thread-safe map whose entries expire after a fixed time; bounded in size.
#pragma once

#include <chrono>
#include <condition_variable>
#include <exception>
#include <memory>
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

    /**
     * The cached value, or the result of `load()` stored for next time. Concurrent misses on
     * one key wait for a single load instead of all hitting the database when an entry
     * expires (64 keep-alive clients sharing a token would otherwise stampede every TTL).
     * In the last quarter of an entry's life one caller reloads it while the others keep
     * using the still-valid entry, so a hot key never expires under load. An exception from
     * `load()` drops the entry and reaches every waiter. `load` returns std::optional<V>;
     * nullopt is not cached.
     */
    template <class Load>
    std::optional<V> getOrLoad(const std::string& key, Load load) {
        if (ttl_.count() == 0) return load();
        std::shared_ptr<Flight> flight;
        bool leader = false;
        {
            std::lock_guard<std::mutex> lock(mutex_);
            auto now = Clock::now();
            auto it = map_.find(key);
            bool fresh = it != map_.end() && now < it->second.expires;
            auto running = inflight_.find(key);
            if (fresh && (now < it->second.refreshAt || running != inflight_.end())) {
                return it->second.value;
            }
            if (running == inflight_.end()) {
                flight = std::make_shared<Flight>();
                inflight_[key] = flight;
                leader = true;
            } else {
                flight = running->second;
            }
        }
        if (leader) {
            std::optional<V> value;
            std::exception_ptr error;
            try {
                value = load();
            } catch (...) {
                error = std::current_exception();
            }
            {
                std::lock_guard<std::mutex> lock(mutex_);
                if (value) {
                    if (map_.size() >= maxEntries_) evictExpiredLocked();
                    auto now = Clock::now();
                    map_[key] = Entry{*value, now + ttl_, now + ttl_ * 3 / 4};
                } else {
                    map_.erase(key);
                }
                inflight_.erase(key);
                flight->done = true;
                flight->value = value;
                flight->error = error;
            }
            flightDone_.notify_all();
            if (error) std::rethrow_exception(error);
            return value;
        }
        std::unique_lock<std::mutex> lock(mutex_);
        flightDone_.wait(lock, [&] { return flight->done; });
        if (flight->error) std::rethrow_exception(flight->error);
        return flight->value;
    }

    void put(const std::string& key, V value) {
        if (ttl_.count() == 0) return;
        std::lock_guard<std::mutex> lock(mutex_);
        if (map_.size() >= maxEntries_) {
            evictExpiredLocked();
            if (map_.size() >= maxEntries_) map_.clear();  // a flood of distinct keys: start over
        }
        auto now = Clock::now();
        map_[key] = Entry{std::move(value), now + ttl_, now + ttl_ * 3 / 4};
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
    struct Flight {
        bool done = false;
        std::optional<V> value;
        std::exception_ptr error;
    };
    struct Entry {
        V value;
        Clock::time_point expires;
        Clock::time_point refreshAt;  ///< getOrLoad reloads from here on, ahead of expiry
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
    std::unordered_map<std::string, std::shared_ptr<Flight>> inflight_;
    std::condition_variable flightDone_;
};

}  // namespace hub::core
