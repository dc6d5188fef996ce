// Time as an input: production code asks a Clock, tests drive a FakeClock.
#pragma once

#include <atomic>
#include <chrono>

namespace sonde::core {

class Clock {
 public:
  virtual ~Clock() = default;
  /// Wall-clock time (what node_time_seconds reports).
  virtual std::chrono::system_clock::time_point now() const = 0;
  /// Monotonic time, for durations.
  virtual std::chrono::steady_clock::time_point steady_now() const = 0;
};

class SystemClock final : public Clock {
 public:
  std::chrono::system_clock::time_point now() const override {
    return std::chrono::system_clock::now();
  }
  std::chrono::steady_clock::time_point steady_now() const override {
    return std::chrono::steady_clock::now();
  }
  /// The process-wide instance.
  static const SystemClock& instance() {
    static const SystemClock c;
    return c;
  }
};

/// A clock that moves only when told to. Thread-safe.
class FakeClock final : public Clock {
 public:
  explicit FakeClock(std::chrono::system_clock::time_point start = {})
      : wall_(start.time_since_epoch().count()) {}
  std::chrono::system_clock::time_point now() const override {
    return std::chrono::system_clock::time_point(std::chrono::system_clock::duration(wall_.load()));
  }
  std::chrono::steady_clock::time_point steady_now() const override {
    return std::chrono::steady_clock::time_point(std::chrono::steady_clock::duration(mono_.load()));
  }
  void advance(std::chrono::nanoseconds d) {
    wall_ += std::chrono::duration_cast<std::chrono::system_clock::duration>(d).count();
    mono_ += std::chrono::duration_cast<std::chrono::steady_clock::duration>(d).count();
  }
  void set(std::chrono::system_clock::time_point t) { wall_ = t.time_since_epoch().count(); }

 private:
  std::atomic<std::chrono::system_clock::rep> wall_;
  std::atomic<std::chrono::steady_clock::rep> mono_{0};
};

}  // namespace sonde::core
