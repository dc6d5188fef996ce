// A connection's deadlines (TLS handshake, read, idle, write) as an input: the steady clock in
// production, ManualTimers in tests, where time moves only when the test says so.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <vector>

namespace sonde::http {

using SteadyTime = std::chrono::steady_clock::time_point;

/// One connection's deadline: at most one armed at a time.
class Deadline {
 public:
  virtual ~Deadline() = default;
  /// `fire` runs on the executor the deadline was made for once `at` has passed, unless the
  /// deadline is armed again, cancelled or destroyed first.
  virtual void arm(SteadyTime at, std::function<void()> fire) = 0;
  virtual void cancel() = 0;
};

/// The clock that connections' deadlines run on.
class Timers {
 public:
  virtual ~Timers() = default;
  virtual SteadyTime now() const = 0;
  /// A deadline whose `fire` runs on `executor` (a connection's strand).
  virtual std::unique_ptr<Deadline> deadline(const boost::asio::any_io_executor& executor) = 0;
};

/// std::chrono::steady_clock and asio::steady_timer: what the server uses unless told otherwise.
std::shared_ptr<Timers> steady_timers();

/// Time that moves only by advance(). Thread-safe. A deadline's `fire` is posted to its executor
/// by the advance() that passes it.
class ManualTimers final : public Timers {
 public:
  SteadyTime now() const override;
  std::unique_ptr<Deadline> deadline(const boost::asio::any_io_executor& executor) override;
  /// Moves time on by `d` and fires every deadline it passes.
  void advance(std::chrono::nanoseconds d);
  /// The armed deadlines, earliest first, as offsets from now() (what a test waits for before
  /// it advances: "the connection has armed its read_timeout").
  std::vector<std::chrono::nanoseconds> armed() const;
  /// How many times a deadline has been armed (each operation a connection starts arms one).
  std::uint64_t arms() const;

 private:
  class ManualDeadline;
  struct Armed {
    SteadyTime at;
    boost::asio::any_io_executor executor;
    std::function<void()> fire;
  };
  struct State {
    mutable std::mutex mu;
    SteadyTime now{};
    std::uint64_t next_id = 0;
    std::uint64_t arms = 0;
    std::map<std::uint64_t, Armed> armed;  // by deadline id
  };
  std::shared_ptr<State> state_ = std::make_shared<State>();
};

}  // namespace sonde::http
