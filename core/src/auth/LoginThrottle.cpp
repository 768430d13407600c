#include "auth/LoginThrottle.h"

#include <algorithm>

#include <Poco/String.h>

namespace hub::core {

LoginThrottle::LoginThrottle(const ThrottleSettings& s) : s_(s) {}

void LoginThrottle::prune(std::deque<Clock::time_point>& q, Clock::time_point now) {
    auto window = std::chrono::seconds(s_.windowSeconds);
    while (!q.empty() && now - q.front() >= window) q.pop_front();
}

int LoginThrottle::waitFor(const std::string& key, int limit, Clock::time_point now) {
    auto it = failures_.find(key);
    if (it == failures_.end()) return 0;
    prune(it->second, now);
    if (static_cast<int>(it->second.size()) < limit) return 0;
    // Blocked until enough old failures leave the window, never longer than the cap.
    auto freeAt = it->second[it->second.size() - static_cast<std::size_t>(limit)] +
                  std::chrono::seconds(s_.windowSeconds);
    auto secs = std::chrono::duration_cast<std::chrono::seconds>(freeAt - now).count() + 1;
    return static_cast<int>(std::min<long long>(secs, s_.maxLockoutSeconds));
}

int LoginThrottle::waitLocked(const std::string& user, const std::string& ip, Clock::time_point now) {
    int wait = waitFor("ip:" + ip, s_.ipFailures, now);
    wait = std::max(wait, waitFor("pair:" + user + "|" + ip, s_.accountFailures, now));
    return std::max(wait, waitFor("acct:" + user, s_.accountFailures * 10, now));
}

int LoginThrottle::retryAfter(const std::string& username, const std::string& ip) {
    std::lock_guard<std::mutex> lock(mutex_);
    return waitLocked(Poco::toLower(username), ip, Clock::now());
}

int LoginThrottle::reserveAttempt(const std::string& username, const std::string& ip) {
    std::lock_guard<std::mutex> lock(mutex_);
    auto now = Clock::now();
    std::string user = Poco::toLower(username);
    int wait = waitLocked(user, ip, now);
    if (wait == 0) recordFailureLocked(user, ip, now);
    return wait;
}

int LoginThrottle::reserveRegistration(const std::string& ip) {
    std::lock_guard<std::mutex> lock(mutex_);
    auto now = Clock::now();
    int wait = waitFor("reg:" + ip, s_.registrationsPerIp, now);
    if (wait == 0) failures_["reg:" + ip].push_back(now);
    return wait;
}

void LoginThrottle::recordFailure(const std::string& username, const std::string& ip) {
    std::lock_guard<std::mutex> lock(mutex_);
    recordFailureLocked(Poco::toLower(username), ip, Clock::now());
}

void LoginThrottle::recordFailureLocked(const std::string& user, const std::string& ip, Clock::time_point now) {
    if (failures_.size() > 100000) {
        for (auto it = failures_.begin(); it != failures_.end();) {
            prune(it->second, now);
            it = it->second.empty() ? failures_.erase(it) : std::next(it);
        }
    }
    for (const std::string& key : {"ip:" + ip, "pair:" + user + "|" + ip, "acct:" + user}) {
        auto& q = failures_[key];
        q.push_back(now);
        if (q.size() > 10000) q.pop_front();
    }
}

void LoginThrottle::recordSuccess(const std::string& username, const std::string& ip) {
    std::lock_guard<std::mutex> lock(mutex_);
    std::string user = Poco::toLower(username);
    failures_.erase("pair:" + user + "|" + ip);
    // Give back the attempt reserveAttempt() counted on the IP and account-wide windows.
    for (const std::string& key : {"ip:" + ip, "acct:" + user}) {
        auto it = failures_.find(key);
        if (it != failures_.end() && !it->second.empty()) it->second.pop_back();
    }
}

}  // namespace hub::core
