// Memory of /metrics responses: concurrent scrapes of the same board generation share one
// rendered body (and one gzipped body per format), and the bytes of the bodies still held by
// responses not yet taken by their clients are capped. Socket-free: the router asks, the server
// owns one per listener and sets its limit from web.max_response_bytes_in_flight.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "core/clock.hpp"

namespace sonde::http {

/// A rendered body, shared by every response that sends it. Its bytes are counted while it is
/// alive.
using SharedBody = std::shared_ptr<const std::string>;

class ResponseMemory {
 public:
  /// What a body is a rendering of: the board generation, the exposition format (an
  /// http::Format value) and whether it is gzipped.
  struct Key {
    std::uint64_t generation = 0;
    int format = 0;
    bool gzip = false;
    bool operator==(const Key&) const = default;
  };
  /// A body rendered within this long is shared with a scrape of the same key; an older one
  /// only when a new one would pass the limit (the collectors' data are the same, only live
  /// sources such as node_time_seconds are older).
  static constexpr std::chrono::milliseconds kShareWindow{1'000};
  /// Keys remembered (a weak reference each): past it the oldest is forgotten.
  static constexpr std::size_t kEntries = 16;
  /// How long a scrape waits for another's rendering of the same key.
  static constexpr std::chrono::milliseconds kRenderWait{10'000};

  explicit ResponseMemory(std::uint64_t limit,
                          const core::Clock& clock = core::SystemClock::instance());
  ResponseMemory(const ResponseMemory&) = delete;
  ResponseMemory& operator=(const ResponseMemory&) = delete;

  /// Takes effect for the next body.
  void set_limit(std::uint64_t limit) { limit_.store(limit); }
  std::uint64_t limit() const { return limit_.load(); }

  /// The body for `key`: one still alive (see kShareWindow), else `render()`'s, counted from
  /// now until the last response holding it lets go. Null when the bodies alive plus this one
  /// would pass the limit (the caller answers 503); `render` is then not called if the last
  /// body of the same format and encoding says it would not fit. Thread-safe; `render` runs
  /// without the lock held. A caller that misses while another renders the same key waits
  /// for that body (up to kRenderWait, then renders its own): concurrent scrapes hold one
  /// body and one rendering's memory, not one each.
  SharedBody get(const Key& key, const std::function<std::string()>& render);

  /// Callers waiting for another's rendering now (for tests).
  std::size_t waiting() const {
    std::lock_guard lock(mu_);
    return waiting_;
  }

  /// Bytes of the bodies alive now.
  std::uint64_t bytes() const { return state_->bytes.load(); }

 private:
  struct State {
    std::atomic<std::uint64_t> bytes{0};
  };
  struct Entry {
    Key key;
    std::weak_ptr<const std::string> body;
    std::chrono::steady_clock::time_point rendered{};
  };
  /// A live body for `key` rendered at or after `since`, or null. Under mu_.
  SharedBody find(const Key& key, std::chrono::steady_clock::time_point since) const;
  SharedBody count(std::string body);

  const core::Clock& clock_;
  std::atomic<std::uint64_t> limit_;
  std::shared_ptr<State> state_;  // shared with every body's deleter: bodies may outlive this
  mutable std::mutex mu_;
  std::condition_variable rendered_;    // a rendering ended
  std::vector<Key> rendering_;          // under mu_: keys being rendered now
  std::size_t waiting_ = 0;             // under mu_
  std::vector<Entry> entries_;          // under mu_, oldest first
  std::uint64_t last_size_[3][2] = {};  // [format][gzip]: size of the last body, under mu_
};

}  // namespace sonde::http
