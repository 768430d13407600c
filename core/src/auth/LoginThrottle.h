// Slows down password guessing per client IP and per account without letting an attacker
// lock a victim out for long: lockouts are keyed by account+IP, the account-wide limit is
// 10x higher, and every block ends after at most max_lockout_seconds.
#pragma once

#include <chrono>
#include <deque>
#include <mutex>
#include <string>
#include <unordered_map>

namespace hub::core {

struct ThrottleSettings {
    int accountFailures = 10;  ///< per account and IP, per window
    int ipFailures = 50;       ///< per IP, per window
    int windowSeconds = 900;
    int maxLockoutSeconds = 900;
    int registrationsPerIp = 30;  ///< accounts one IP may register per window
};

class LoginThrottle {
public:
    explicit LoginThrottle(const ThrottleSettings& s);

    /// Seconds the caller must wait before trying, 0 when allowed.
    int retryAfter(const std::string& username, const std::string& ip);
    /// Checks and, when allowed, counts the attempt as a failure in the same step, so a burst
    /// of parallel guesses cannot all pass the check; recordSuccess() gives it back.
    int reserveAttempt(const std::string& username, const std::string& ip);
    void recordFailure(const std::string& username, const std::string& ip);
    void recordSuccess(const std::string& username, const std::string& ip);
    /// Counts a registration from `ip`; returns seconds to wait (0 = allowed and counted).
    int reserveRegistration(const std::string& ip);

private:
    using Clock = std::chrono::steady_clock;
    int waitFor(const std::string& key, int limit, Clock::time_point now);
    int waitLocked(const std::string& user, const std::string& ip, Clock::time_point now);
    void recordFailureLocked(const std::string& user, const std::string& ip, Clock::time_point now);
    void prune(std::deque<Clock::time_point>& q, Clock::time_point now);

    ThrottleSettings s_;
    std::mutex mutex_;
    std::unordered_map<std::string, std::deque<Clock::time_point>> failures_;
};

}  // namespace hub::core
