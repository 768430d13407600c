// Tracks every open connection so that (1) a client that drips its request headers cannot
// hold a thread for long (POCO's timeout is per receive, not per request) and (2) a graceful
// shutdown can close idle keep-alive connections while busy ones finish.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <thread>
#include <unordered_map>

#include <Poco/Net/StreamSocket.h>

namespace hub::core {

class ConnectionWatchdog {
public:
    explicit ConnectionWatchdog(std::chrono::seconds headerTimeout);
    ~ConnectionWatchdog();

    void start();
    void stopThread();

    uint64_t add(const Poco::Net::StreamSocket& socket);
    void remove(uint64_t id);
    /// The connection's current request has been parsed and is being handled.
    void setBusy(uint64_t id);
    /// The connection waits for (the rest of) its next request.
    void setAwaiting(uint64_t id);

    /// From now on, idle connections are closed and responses say Connection: close.
    void beginDrain();
    bool draining() const { return draining_.load(); }
    /// Closes every connection, busy or not (end of the shutdown grace period).
    void closeAll();
    std::size_t count() const;

    /// The connection id of the calling thread (set by HubConnection), 0 if none.
    static uint64_t currentId();
    static void setCurrentId(uint64_t id);

private:
    struct Entry {
        Poco::Net::StreamSocket socket;
        bool busy = false;
        std::chrono::steady_clock::time_point since;
    };
    void sweep();

    std::chrono::seconds headerTimeout_;
    mutable std::mutex mutex_;
    std::condition_variable cv_;
    std::unordered_map<uint64_t, Entry> entries_;
    uint64_t nextId_ = 1;
    std::atomic<bool> draining_{false};
    bool stop_ = false;
    std::thread thread_;
};

}  // namespace hub::core
