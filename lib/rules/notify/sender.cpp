#include "rules/notify/sender.hpp"

#include <pthread.h>
#include <spdlog/spdlog.h>

#include <algorithm>

#include "core/jitter.hpp"

namespace sonde::rules::notify {

net::Url alerts_url(const net::Url& base) {
  net::Url u = base;
  std::string path = u.path;
  while (!path.empty() && path.back() == '/') path.pop_back();
  u.path = path + "/api/v2/alerts";
  return u;
}

AlertmanagerSender::AlertmanagerSender(AlertmanagerOptions options, std::size_t capacity,
                                       std::chrono::milliseconds resend_delay,
                                       std::string user_agent,
                                       std::unique_ptr<ReceiverMetrics> metrics)
    : options_(std::move(options)),
      post_url_(alerts_url(options_.url)),
      user_agent_(std::move(user_agent)),
      metrics_(std::move(metrics)),
      poster_(post_url_, options_.client, user_agent_, *metrics_),
      queue_(capacity),
      resend_delay_(resend_delay) {
  metrics_->queue_capacity.Set(static_cast<double>(capacity));
  thread_ = std::thread([this] {
    pthread_setname_np(pthread_self(), "sonde-notify");
    run();
  });
}

AlertmanagerSender::~AlertmanagerSender() { stop(); }

void AlertmanagerSender::stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  poster_.interrupt();
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void AlertmanagerSender::push(const std::vector<Notification>& alerts) {
  std::size_t dropped = 0;
  {
    std::lock_guard lock(mu_);
    for (const auto& a : alerts) dropped += queue_.push(a);
    metrics_->queue_length.Set(static_cast<double>(queue_.size()));
  }
  if (dropped > 0) {
    metrics_->dropped_queue_full.Increment(static_cast<double>(dropped));
    log_.warn("queue_full", [&] {
      return "notify: " + post_url_.redacted() + ": alert notification queue full, dropped " +
             std::to_string(dropped) + " oldest alert(s) (rules.notification_queue_capacity)";
    });
  }
  cv_.notify_all();
}

void AlertmanagerSender::reconfigure(std::size_t capacity, std::chrono::milliseconds resend_delay) {
  std::size_t dropped = 0;
  {
    std::lock_guard lock(mu_);
    dropped = queue_.set_capacity(capacity);
    resend_delay_ = resend_delay;
    metrics_->queue_length.Set(static_cast<double>(queue_.size()));
  }
  metrics_->queue_capacity.Set(static_cast<double>(capacity));
  if (dropped > 0) metrics_->dropped_queue_full.Increment(static_cast<double>(dropped));
}

std::size_t AlertmanagerSender::queue_length() const {
  std::lock_guard lock(mu_);
  return queue_.size();
}

void AlertmanagerSender::run() {
  std::unique_lock lock(mu_);
  while (!stopping_) {
    if (queue_.empty()) {
      cv_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      continue;
    }
    if (Clock::now() < retry_at_) {
      cv_.wait_until(lock, retry_at_, [this] { return stopping_; });
      continue;
    }
    const auto batch = queue_.peek(kMaxBatch);
    if (send(batch, lock)) {
      backoff_ = std::chrono::milliseconds(0);
      retry_at_ = {};
    }
    metrics_->queue_length.Set(static_cast<double>(queue_.size()));
  }
}

bool AlertmanagerSender::send(const std::vector<AlertQueue::Held>& batch,
                              std::unique_lock<std::mutex>& lock) {
  const auto resend = resend_delay_;
  lock.unlock();
  std::vector<Notification> alerts;
  alerts.reserve(batch.size());
  for (const auto& h : batch) alerts.push_back(h.n);
  const std::string body = alertmanager_v2_body(alerts);
  const std::string where = post_url_.redacted();

  const PostResult r = poster_.post(body, batch.size());
  // Network errors, TLS failures, 429 and 5xx are retried; another answer is final.
  enum class Outcome { sent, rejected, retry } outcome = Outcome::retry;
  if (r.taken()) {
    outcome = Outcome::sent;
  } else if (r.answered && r.status / 100 != 5 && r.status != 429) {
    outcome = Outcome::rejected;
  }
  const std::string& problem = r.problem;

  lock.lock();
  if (outcome == Outcome::retry) {
    // Exponential, with jitter (between half the wait and all of it), up to the resend delay:
    // by then the rule manager has queued newer states anyway.
    backoff_ = std::clamp(backoff_ * 2, kMinBackoff, std::max(resend, kMinBackoff));
    const auto wait = core::jittered(backoff_);
    retry_at_ = Clock::now() + wait;
    log_.warn("error", [&] {
      return "notify: error sending " + std::to_string(batch.size()) + " alert(s) to " + where +
             ": " + problem + "; retrying in " + std::to_string(wait.count()) + " ms";
    });
    return false;
  }
  const std::size_t removed = queue_.ack(batch);
  if (outcome == Outcome::rejected) {
    metrics_->dropped_rejected.Increment(static_cast<double>(removed));
    log_.warn("rejected", [&] {
      return "notify: " + where + " refused " + std::to_string(batch.size()) +
             " alert(s), dropped: " + problem;
    });
  }
  return true;
}

}  // namespace sonde::rules::notify
