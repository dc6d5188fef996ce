// One remote_write entry's sender: its own thread cuts the board every `interval` (cutter.hpp),
// holds the samples in a bounded memory queue, sends batches of max_samples_per_send (a partial
// batch once batch_send_deadline has passed since its oldest sample was queued) over one kept-
// alive net::HttpClient, and retries as Prometheus 2.42 does: network errors and 5xx (and 429
// with retry_on_http_429, after its Retry-After) with exponential backoff from min_backoff to
// max_backoff, with jitter; any other non-2xx answer drops the batch, counted and logged
// (rate-limited). Nothing here runs on a collector, scrape or ingest thread.
//
// Not yet: the disk buffer (buffer.*): samples wait in memory only, so a restart loses what was
// not sent, and an outage longer than the memory bound drops the oldest (reason="queue_full").
#pragma once

#include <prometheus/registry.h>

#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "core/board.hpp"
#include "core/rate_limit.hpp"
#include "net/http_client.hpp"
#include "remote/cutter.hpp"
#include "remote/metrics.hpp"
#include "remote/options.hpp"

namespace sonde::remote {

struct QueueSettings {
  RemoteWriteOptions options;
  LabelRules rules;
  bool operator==(const QueueSettings&) const = default;
};

class Queue {
 public:
  /// `user_agent` is sonde/<version>. The metrics are registered in `registry` with the
  /// entry's remote_name and url labels, and removed with the queue.
  Queue(const core::Board& board, QueueSettings settings, std::string user_agent,
        prometheus::Registry& registry);
  ~Queue();
  Queue(const Queue&) = delete;
  Queue& operator=(const Queue&) = delete;

  void start();
  /// Stops the thread (an in-flight request is bounded by remote_timeout).
  void stop();

  const QueueSettings& settings() const { return settings_; }

 private:
  using Clock = std::chrono::steady_clock;
  void run();
  /// Sends the front of the queue (one batch) once; false when it must be retried later.
  bool send_batch();
  void send_metadata();
  /// Waits until `until` or stop(); true when stopping.
  bool wait_until(Clock::time_point until);
  std::int64_t now_ms() const;

  const core::Board& board_;
  const QueueSettings settings_;
  const std::string user_agent_;
  QueueMetrics metrics_;
  Cutter cutter_;
  std::unique_ptr<net::HttpClient> client_;  // set under mu_ (stop() interrupts it)
  std::deque<Pending> pending_;
  Clock::time_point oldest_queued_{};
  std::size_t max_pending_ = 0;
  std::chrono::milliseconds backoff_{0};
  Clock::time_point retry_at_{};
  bool retrying_ = false;
  std::size_t retry_count_ = 0;  // samples of the batch being retried
  std::string encoded_, compressed_;
  core::RateLimitedLog log_;

  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;  // under mu_
  std::thread thread_;
};

/// Seconds to wait from a Retry-After value (delay-seconds or an HTTP-date, RFC 9110 10.2.3)
/// at wall-clock time `now_s`; nullopt when it is neither.
std::optional<std::chrono::milliseconds> parse_retry_after(std::string_view value,
                                                           std::int64_t now_s);

}  // namespace sonde::remote
