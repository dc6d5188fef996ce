#include "core/blocking_pool.hpp"

#include <deque>
#include <set>
#include <thread>
#include <utility>

namespace sonde::core {

struct BlockingPool::State : std::enable_shared_from_this<BlockingPool::State> {
  struct Task {
    std::string key;
    std::function<void()> fn;
    std::shared_ptr<Call> call;
  };

  std::mutex mu;
  std::condition_variable cv;
  std::deque<Task> queue;
  std::set<std::string, std::less<>> busy_keys;  // queued or running
  std::size_t threads = 0;
  std::size_t idle = 0;
  std::size_t stuck = 0;
  bool stopping = false;
  std::size_t max_workers = 1;
  std::chrono::milliseconds idle_exit{30'000};

  // Finishes a call that never started (refused, or dropped at shutdown) and wakes its waiter.
  static void refuse(Call& call, Outcome outcome) {
    {
      std::lock_guard lock(call.mu_);
      call.finished_ = true;
      call.outcome_ = outcome;
    }
    call.cv_.notify_all();
  }

  void worker() {
    std::unique_lock lock(mu);
    for (;;) {
      if (stopping) break;
      if (queue.empty()) {
        if (cv.wait_for(lock, idle_exit) == std::cv_status::timeout && queue.empty()) break;
        continue;
      }
      Task task = std::move(queue.front());
      queue.pop_front();
      --idle;
      lock.unlock();
      bool abandoned = false;
      {
        std::lock_guard call_lock(task.call->mu_);
        abandoned = task.call->abandoned_;
      }
      // A call whose waiter gave up before it started is not worth starting late.
      if (!abandoned) task.fn();
      task.fn = nullptr;  // release captures before the key becomes free again
      {
        // One step for the waiter and the pool: once wait_until() says done, the key is free
        // and the call no longer counts as stuck. Lock order: call, then pool.
        std::lock_guard call_lock(task.call->mu_);
        task.call->finished_ = true;
        task.call->outcome_ = Outcome::done;
        lock.lock();
        busy_keys.erase(task.key);
        if (task.call->abandoned_) --stuck;
        ++idle;
      }
      task.call->cv_.notify_all();
    }
    --idle;
    --threads;
  }
};

std::string_view BlockingPool::outcome_name(Outcome o) {
  switch (o) {
    case Outcome::done:
      return "done";
    case Outcome::timed_out:
      return "timed_out";
    case Outcome::key_busy:
      return "key_busy";
    case Outcome::pool_full:
      return "pool_full";
    case Outcome::stopped:
      return "stopped";
  }
  return "stopped";
}

BlockingPool::Outcome BlockingPool::Call::wait_until(
    std::chrono::steady_clock::time_point deadline) {
  std::unique_lock lock(mu_);
  if (!cv_.wait_until(lock, deadline, [this] { return finished_; })) {
    if (!abandoned_) {
      abandoned_ = true;
      // Counted while the call's lock is held, so the worker (which reads abandoned_ under it)
      // cannot decrement first. Lock order everywhere: call, then pool.
      if (auto pool = pool_.lock()) {
        std::lock_guard pool_lock(pool->mu);
        ++pool->stuck;
      }
    }
    return Outcome::timed_out;
  }
  return outcome_;
}

BlockingPool::BlockingPool(std::size_t max_workers, std::chrono::milliseconds idle_exit)
    : state_(std::make_shared<State>()), max_workers_(max_workers == 0 ? 1 : max_workers) {
  state_->max_workers = max_workers_;
  state_->idle_exit = idle_exit;
}

BlockingPool::~BlockingPool() {
  std::deque<State::Task> dropped;
  {
    std::lock_guard lock(state_->mu);
    state_->stopping = true;
    dropped.swap(state_->queue);
    for (const auto& t : dropped) state_->busy_keys.erase(t.key);
  }
  state_->cv.notify_all();
  for (auto& t : dropped) State::refuse(*t.call, Outcome::stopped);
}

std::shared_ptr<BlockingPool::Call> BlockingPool::submit(std::string key,
                                                         std::function<void()> fn) {
  auto call = std::make_shared<Call>();
  call->pool_ = state_;
  Outcome refused = Outcome::done;
  bool spawn = false;
  {
    std::lock_guard lock(state_->mu);
    if (state_->stopping) {
      refused = Outcome::stopped;
    } else if (state_->busy_keys.count(key) != 0) {
      refused = Outcome::key_busy;
    } else if (state_->stuck >= state_->max_workers) {
      // Every worker is held by a call nobody waits for any more: queueing would only wait too.
      refused = Outcome::pool_full;
    } else {
      state_->busy_keys.insert(key);
      state_->queue.push_back({std::move(key), std::move(fn), call});
      if (state_->idle < state_->queue.size() && state_->threads < state_->max_workers) {
        ++state_->threads;
        ++state_->idle;
        spawn = true;
      }
    }
  }
  if (refused != Outcome::done) {
    State::refuse(*call, refused);
    return call;
  }
  if (spawn) {
    // Detached: a worker stuck in the kernel must never be joined. It holds the state alive.
    std::thread([state = state_] { state->worker(); }).detach();
  } else {
    state_->cv.notify_one();
  }
  return call;
}

BlockingPool::Outcome BlockingPool::run(std::string key, std::function<void()> fn,
                                        std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  return submit(std::move(key), std::move(fn))->wait_until(deadline);
}

std::size_t BlockingPool::stuck() const {
  std::lock_guard lock(state_->mu);
  return state_->stuck;
}

std::size_t BlockingPool::threads() const {
  std::lock_guard lock(state_->mu);
  return state_->threads;
}

}  // namespace sonde::core
