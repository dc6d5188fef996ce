// One webhook receiver (issue 22), grouped as Alertmanager 0.25 groups for one route
// (dispatch.go's aggrGroup and notify.go's DedupStage, RetryStage and SetNotifiesStage, written
// anew): alerts are put in groups by their group_by labels; a new group is flushed after
// group_wait (at once if its alert started longer ago than that), then every group_interval; a
// flush notifies when a firing alert is new since the last notification, when all alerts have
// resolved after some were notified firing, when (send_resolved) an alert resolved since, or when
// repeat_interval has passed; resolved alerts leave the group once notified. The message is
// Alertmanager's (payload.hpp: webhook_body). A failed notification is retried with exponential
// backoff until the next flush is due; a 4xx ends it (counted, logged). The group state is
// bounded: at most `capacity` distinct alerts across the groups (the least recently updated
// dropped, counted as queue_full). Own thread, own connection.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "core/rate_limit.hpp"
#include "rules/notify/metrics.hpp"
#include "rules/notify/options.hpp"
#include "rules/notify/payload.hpp"
#include "rules/notify/poster.hpp"

namespace sonde::rules::notify {

/// The group labels of `labels` for `group_by` (every label for "...").
promql::Labels group_labels(const promql::Labels& labels, const std::vector<std::string>& group_by);

class WebhookSender {
 public:
  WebhookSender(WebhookOptions options, std::size_t capacity, std::string external_url,
                std::string user_agent, std::unique_ptr<ReceiverMetrics> metrics);
  ~WebhookSender();
  WebhookSender(const WebhookSender&) = delete;
  WebhookSender& operator=(const WebhookSender&) = delete;

  const WebhookOptions& options() const { return options_; }
  const std::string& external_url() const { return external_url_; }
  void push(const std::vector<Notification>& alerts);
  void reconfigure(std::size_t capacity);
  void stop();
  /// Distinct alerts held in the groups.
  std::size_t queue_length() const;

 private:
  using Clock = std::chrono::steady_clock;
  struct Held {
    Notification n;
    std::uint64_t version = 0;
  };
  /// What the last successful notification of a group held (Alertmanager's nflog entry).
  struct LogEntry {
    std::set<std::uint64_t> firing, resolved;
    std::int64_t at_ms = 0;
  };
  struct Group {
    promql::Labels labels;
    std::string key;
    std::map<std::uint64_t, Held> alerts;  // by fingerprint
    Clock::time_point next_flush{};
    bool has_flushed = false;
  };

  void run();
  void flush(std::uint64_t gfp, std::unique_lock<std::mutex>& lock);
  bool needs_update(const LogEntry* entry, const std::set<std::uint64_t>& firing,
                    const std::set<std::uint64_t>& resolved, std::int64_t now_ms) const;
  /// Sends `body` until it is taken, refused (4xx) or `deadline` passes; false unless taken.
  bool deliver(const std::string& body, std::size_t count, Clock::time_point deadline);
  std::size_t trim_locked();

  const WebhookOptions options_;
  const std::string external_url_;
  const std::string user_agent_;
  std::unique_ptr<ReceiverMetrics> metrics_;
  Poster poster_;
  core::RateLimitedLog log_;

  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::map<std::uint64_t, Group> groups_;  // by group-label fingerprint
  std::map<std::string, LogEntry> nflog_;  // by group key
  std::size_t capacity_;
  std::size_t held_ = 0;
  std::uint64_t versions_ = 0;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace sonde::rules::notify
