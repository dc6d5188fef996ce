// One Alertmanager's sender (issue 22): its own queue (queue.hpp: one entry per alert, the
// newest state), its own thread and its own kept-alive net::HttpClient, so a dead or slow
// Alertmanager never holds up another receiver, the rule evaluation or a scrape. The thread
// POSTs batches of at most 64 alerts to <url>/api/v2/alerts (Prometheus 2.42's body); a batch
// leaves the queue only when the Alertmanager took it (2xx) or refused it for good (a 4xx other
// than 429: dropped, counted, logged with the body it answered). A network error, a TLS failure,
// a timeout, 429 or 5xx keeps the batch queued and retries it with exponential backoff and
// jitter, the wait growing up to the resend delay; meanwhile newer states replace queued ones
// and the oldest alerts beyond the capacity are dropped and counted. So an outage shorter than
// what the queue holds loses nothing.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "core/rate_limit.hpp"
#include "rules/notify/metrics.hpp"
#include "rules/notify/options.hpp"
#include "rules/notify/poster.hpp"
#include "rules/notify/queue.hpp"

namespace sonde::rules::notify {

/// Most alerts in one POST (Prometheus's maxBatchSize).
inline constexpr std::size_t kMaxBatch = 64;
/// The first retry's wait; it doubles up to the resend delay.
inline constexpr std::chrono::milliseconds kMinBackoff{500};

/// The URL alerts are POSTed to: the base URL's path joined with /api/v2/alerts.
net::Url alerts_url(const net::Url& base);

class AlertmanagerSender {
 public:
  /// Starts the thread. `metrics` are this Alertmanager's (labelled with its URL).
  AlertmanagerSender(AlertmanagerOptions options, std::size_t capacity,
                     std::chrono::milliseconds resend_delay, std::string user_agent,
                     std::unique_ptr<ReceiverMetrics> metrics);
  ~AlertmanagerSender();
  AlertmanagerSender(const AlertmanagerSender&) = delete;
  AlertmanagerSender& operator=(const AlertmanagerSender&) = delete;

  const AlertmanagerOptions& options() const { return options_; }
  /// Queues the alerts (never blocks on I/O); the oldest beyond the capacity are dropped.
  void push(const std::vector<Notification>& alerts);
  /// A reload: the queue is kept, trimmed to a smaller capacity.
  void reconfigure(std::size_t capacity, std::chrono::milliseconds resend_delay);
  /// Ends the thread; a request in flight is interrupted. What is still queued is lost (delivery
  /// state is not persisted: after a restart the rule manager sends every active alert again).
  void stop();
  std::size_t queue_length() const;

 private:
  using Clock = std::chrono::steady_clock;
  void run();
  /// Sends one batch; false: retry later (retry_at_ set).
  bool send(const std::vector<AlertQueue::Held>& batch, std::unique_lock<std::mutex>& lock);

  const AlertmanagerOptions options_;
  const net::Url post_url_;
  const std::string user_agent_;
  std::unique_ptr<ReceiverMetrics> metrics_;
  Poster poster_;
  core::RateLimitedLog log_;

  mutable std::mutex mu_;
  std::condition_variable cv_;
  AlertQueue queue_;
  std::chrono::milliseconds resend_delay_;
  std::chrono::milliseconds backoff_{0};
  Clock::time_point retry_at_{};
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace sonde::rules::notify
