// The worker that runs basic-auth bcrypt checks off the I/O threads, with a bounded queue that
// is fair between client addresses (see VerifyPool).
#pragma once

#include <boost/asio/ip/address.hpp>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string_view>
#include <thread>
#include <unordered_map>

namespace sonde::http {

/// A client's address as a hash key (Boost 1.74 has no std::hash for it).
struct AddressHash {
  std::size_t operator()(const boost::asio::ip::address& a) const noexcept {
    if (a.is_v4()) return std::hash<std::uint32_t>()(a.to_v4().to_uint());
    const auto bytes = a.to_v6().to_bytes();
    return std::hash<std::string_view>()(
        std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()));
  }
};
template <class T>
using AddressMap = std::unordered_map<boost::asio::ip::address, T, AddressHash>;

/// The worker that runs bcrypt checks, off the I/O threads, with a bounded queue that is fair
/// between client addresses: the worker takes the oldest check of the client served longest
/// ago, and when the queue is full a client with fewer checks queued takes the place of the
/// newest check of the client with the most (that one is refused). So a flood of wrong
/// passwords from one address neither delays a scraper's check by more than a few bcrypt runs
/// nor gets it refused. One thread, as the toolkit runs one bcrypt at a time: a flood of checks
/// takes at most one core. The thread is detached and owns the state, so a job that drops the
/// last reference to the server never has to join its own thread.
class VerifyPool {
 public:
  VerifyPool() : state_(std::make_shared<State>()) {}
  ~VerifyPool();
  VerifyPool(const VerifyPool&) = delete;
  VerifyPool& operator=(const VerifyPool&) = delete;

  /// Queues `run` for `client` unless `limit` checks are queued or running and no other
  /// client has more queued than this one plus one; the check it displaces gets `refuse`
  /// called (on this thread, off the lock). False: refused.
  bool try_submit(const boost::asio::ip::address& client, std::function<void()> run,
                  std::function<void()> refuse, std::uint32_t limit);

  /// Refuses every later check, drops the queued ones and waits for the running one to end,
  /// so that no check touches the io_context (its strands, its timers) once this returns: the
  /// owner calls it before the io_context goes. A no-op on the worker thread itself.
  void stop();

 private:
  struct Job {
    boost::asio::ip::address client;
    std::function<void()> run;
    std::function<void()> refuse;
  };
  struct State {
    std::mutex mu;
    std::condition_variable cv;
    std::condition_variable idle;  // `running` fell to 0
    std::thread::id worker;
    std::deque<Job> jobs;
    std::size_t running = 0;
    bool started = false;
    bool stopping = false;
    std::uint64_t served = 0;  // checks started
    // When each client's last check started (bounded: forgotten once it has nothing queued and
    // is not the one running).
    AddressMap<std::uint64_t> last_served;

    /// The oldest job of the client whose last check started longest ago.
    std::deque<Job>::iterator next();
    /// The worker thread's loop, until the pool is destroyed.
    void work();
  };
  std::shared_ptr<State> state_;
};

}  // namespace sonde::http
