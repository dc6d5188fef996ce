// A small bounded pool of threads for calls that can hang: statfs on a dead NFS server, an NVML
// call on a sick GPU. The caller waits for a call only up to a deadline; a call that overruns
// stays on its worker (a thread in uninterruptible sleep cannot be cancelled or joined) and keeps
// its key busy, so each key (a mount point, a GPU) holds at most one stuck worker. Workers are
// detached: destroying the pool, shutdown and reload never wait for a stuck call.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

namespace sonde::core {

class BlockingPool {
 public:
  struct State;

  /// What became of a call.
  enum class Outcome : std::uint8_t {
    done,       // the function returned before the deadline
    timed_out,  // still running at the deadline; its key stays busy until it returns
    key_busy,   // not started: an earlier call with this key has not returned yet
    pool_full,  // not started: every worker is busy (stuck) and max_workers are running
    stopped,    // not started: the pool is being destroyed
  };
  static std::string_view outcome_name(Outcome o);

  /// A submitted call. Wait on it, then read the result the function wrote (only after `done`:
  /// until then the function may still be writing). Shared with the worker, so it outlives
  /// whichever gives up first.
  class Call {
   public:
    /// Blocks until the call finished or `deadline` passed. Returns done or timed_out (or the
    /// reason it never started).
    Outcome wait_until(std::chrono::steady_clock::time_point deadline);

   private:
    friend class BlockingPool;
    friend struct BlockingPool::State;
    std::mutex mu_;
    std::condition_variable cv_;
    Outcome outcome_ = Outcome::timed_out;
    bool finished_ = false;
    bool abandoned_ = false;  // the waiter gave up: the call counts as stuck until it returns
    std::weak_ptr<State> pool_;
  };

  /// `max_workers` threads at most (at least 1). Threads start on demand and exit after
  /// `idle_exit` without work.
  explicit BlockingPool(std::size_t max_workers,
                        std::chrono::milliseconds idle_exit = std::chrono::seconds(30));
  /// Never waits for running calls; queued calls that have not started are dropped.
  ~BlockingPool();
  BlockingPool(const BlockingPool&) = delete;
  BlockingPool& operator=(const BlockingPool&) = delete;

  /// Runs `fn` on a worker. `key` names the resource (e.g. "mount:/mnt/nfs"): while a call with
  /// the same key has not returned, another is refused with key_busy. `fn` must capture what it
  /// writes by shared_ptr (the caller may have stopped waiting) and must not throw.
  std::shared_ptr<Call> submit(std::string key, std::function<void()> fn);

  /// Convenience: submit, then wait until now + timeout.
  Outcome run(std::string key, std::function<void()> fn, std::chrono::milliseconds timeout);

  /// Calls whose deadline passed and that have not returned yet (stuck workers).
  std::size_t stuck() const;
  /// Threads currently alive (idle or busy).
  std::size_t threads() const;
  std::size_t max_workers() const { return max_workers_; }

 private:
  std::shared_ptr<State> state_;
  std::size_t max_workers_;
};

}  // namespace sonde::core
