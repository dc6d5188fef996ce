// Rate limiting for repeated log lines: at most `burst` lines per `period` per key, and a count
// of what was suppressed, reported with the next line that gets through. RateLimitedLog is what
// modules use (one wording for the count); LogRateLimiter is its bookkeeping.
#pragma once

#include <chrono>
#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <type_traits>
#include <unordered_map>

namespace sonde::core {

class LogRateLimiter {
 public:
  explicit LogRateLimiter(std::chrono::steady_clock::duration period = std::chrono::seconds(10),
                          std::uint32_t burst = 5, std::size_t max_keys = 1024)
      : period_(period), burst_(burst), max_keys_(max_keys) {}

  /// True if a line for `key` may be logged now; `suppressed` receives how many lines for this
  /// key were held back since the last one allowed.
  bool allow(const std::string& key, std::chrono::steady_clock::time_point now,
             std::uint64_t& suppressed) {
    std::lock_guard lock(mu_);
    auto it = keys_.find(key);
    if (it == keys_.end()) {
      if (keys_.size() >= max_keys_) keys_.clear();  // bounded: forget old keys wholesale
      it = keys_.emplace(key, State{now, 0, 0}).first;
    }
    State& s = it->second;
    if (now - s.window_start >= period_) {
      s.window_start = now;
      s.count = 0;
    }
    if (s.count < burst_) {
      s.count++;
      suppressed = s.suppressed;
      s.suppressed = 0;
      return true;
    }
    s.suppressed++;
    return false;
  }

 private:
  struct State {
    std::chrono::steady_clock::time_point window_start;
    std::uint32_t count;
    std::uint64_t suppressed;
  };
  std::chrono::steady_clock::duration period_;
  std::uint32_t burst_;
  std::size_t max_keys_;
  std::mutex mu_;
  std::unordered_map<std::string, State> keys_;
};

/// `message`, followed by " (N similar lines suppressed)" when N > 0: the one wording of a
/// suppressed count.
std::string with_suppressed(std::string message, std::uint64_t suppressed);

/// Warnings about untrusted input or a failing peer, at most `burst` per `period` per key (a
/// reason, a GPU, ...); the next line that gets through says how many were held back. Thread safe.
class RateLimitedLog {
 public:
  explicit RateLimitedLog(std::chrono::steady_clock::duration period = std::chrono::seconds(10),
                          std::uint32_t burst = 5, std::size_t max_keys = 1024)
      : limiter_(period, burst, max_keys) {}

  /// Logs at warn unless `key` is over its budget; true if logged. `message` is a string, or a
  /// callable returning one, called only when the line is logged (keeps formatting off the path
  /// of a flood of bad input).
  template <class Message>
  bool warn(std::string_view key, Message&& message,
            std::chrono::steady_clock::time_point now = std::chrono::steady_clock::now()) {
    std::uint64_t suppressed = 0;
    if (!limiter_.allow(std::string(key), now, suppressed)) return false;
    if constexpr (std::is_invocable_v<Message>) {
      emit(with_suppressed(std::string(message()), suppressed));
    } else {
      emit(with_suppressed(std::string(message), suppressed));
    }
    return true;
  }

 private:
  static void emit(const std::string& line);  // spdlog::warn

  LogRateLimiter limiter_;
};

}  // namespace sonde::core
