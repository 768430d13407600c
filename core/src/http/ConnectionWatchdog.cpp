#include "http/ConnectionWatchdog.h"

namespace hub::core {
namespace {
thread_local uint64_t tCurrentConnection = 0;
}

ConnectionWatchdog::ConnectionWatchdog(std::chrono::seconds headerTimeout)
    : headerTimeout_(headerTimeout) {}

ConnectionWatchdog::~ConnectionWatchdog() { stopThread(); }

uint64_t ConnectionWatchdog::currentId() { return tCurrentConnection; }
void ConnectionWatchdog::setCurrentId(uint64_t id) { tCurrentConnection = id; }

void ConnectionWatchdog::start() {
    thread_ = std::thread([this] {
        std::unique_lock<std::mutex> lock(mutex_);
        while (!stop_) {
            cv_.wait_for(lock, std::chrono::milliseconds(250));
            if (stop_) break;
            lock.unlock();
            sweep();
            lock.lock();
        }
    });
}

void ConnectionWatchdog::stopThread() {
    {
        std::lock_guard<std::mutex> lock(mutex_);
        stop_ = true;
    }
    cv_.notify_all();
    if (thread_.joinable()) thread_.join();
}

uint64_t ConnectionWatchdog::add(const Poco::Net::StreamSocket& socket) {
    std::lock_guard<std::mutex> lock(mutex_);
    uint64_t id = nextId_++;
    entries_[id] = Entry{socket, false, std::chrono::steady_clock::now()};
    return id;
}

void ConnectionWatchdog::remove(uint64_t id) {
    std::lock_guard<std::mutex> lock(mutex_);
    entries_.erase(id);
}

void ConnectionWatchdog::setBusy(uint64_t id) {
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = entries_.find(id);
    if (it != entries_.end()) it->second.busy = true;
}

void ConnectionWatchdog::setAwaiting(uint64_t id) {
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = entries_.find(id);
    if (it != entries_.end()) {
        it->second.busy = false;
        it->second.since = std::chrono::steady_clock::now();
    }
}

void ConnectionWatchdog::beginDrain() {
    draining_ = true;
    sweep();
}

void ConnectionWatchdog::sweep() {
    auto now = std::chrono::steady_clock::now();
    std::lock_guard<std::mutex> lock(mutex_);
    for (auto& [id, e] : entries_) {
        if (e.busy) continue;
        if (draining_ || now - e.since > headerTimeout_) {
            try {
                e.socket.shutdown();
            } catch (...) {
            }
            // Do not shut the same socket down on every sweep.
            e.since = now + std::chrono::hours(24);
        }
    }
}

void ConnectionWatchdog::closeAll() {
    std::lock_guard<std::mutex> lock(mutex_);
    for (auto& [id, e] : entries_) {
        try {
            e.socket.shutdown();
        } catch (...) {
        }
    }
}

std::size_t ConnectionWatchdog::count() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return entries_.size();
}

}  // namespace hub::core
