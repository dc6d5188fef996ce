#include "rules/notify/webhook.hpp"

#include <pthread.h>

#include <algorithm>
#include <random>

namespace sonde::rules::notify {
namespace {

std::int64_t wall_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

/// Alertmanager's notification log keeps entries this long (--data.retention).
constexpr std::int64_t kLogRetentionMs = 120LL * 3600 * 1000;

}  // namespace

promql::Labels group_labels(const promql::Labels& labels,
                            const std::vector<std::string>& group_by) {
  if (group_by.size() == 1 && group_by[0] == "...") return labels;
  std::vector<promql::Label> out;
  for (const auto& l : labels) {
    if (std::find(group_by.begin(), group_by.end(), l.name) != group_by.end()) out.push_back(l);
  }
  return promql::Labels::from_sorted(std::move(out));
}

WebhookSender::WebhookSender(WebhookOptions options, std::size_t capacity, std::string external_url,
                             std::string user_agent, std::unique_ptr<ReceiverMetrics> metrics)
    : options_(std::move(options)),
      external_url_(std::move(external_url)),
      user_agent_(std::move(user_agent)),
      metrics_(std::move(metrics)),
      poster_(options_.url, options_.client, user_agent_, *metrics_),
      capacity_(capacity) {
  metrics_->queue_capacity.Set(static_cast<double>(capacity));
  thread_ = std::thread([this] {
    pthread_setname_np(pthread_self(), "sonde-webhook");
    run();
  });
}

WebhookSender::~WebhookSender() { stop(); }

void WebhookSender::stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  poster_.interrupt();
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

std::size_t WebhookSender::queue_length() const {
  std::lock_guard lock(mu_);
  return held_;
}

void WebhookSender::push(const std::vector<Notification>& alerts) {
  std::size_t dropped = 0;
  {
    std::lock_guard lock(mu_);
    const auto now = Clock::now();
    const std::int64_t now_ms = wall_ms();
    for (const auto& a : alerts) {
      promql::Labels gl = group_labels(a.labels, options_.group_by);
      const std::uint64_t gfp = fingerprint(gl);
      auto [it, created] = groups_.try_emplace(gfp);
      Group& g = it->second;
      if (created) {
        g.labels = std::move(gl);
        g.key = group_key(g.labels);
        g.next_flush = now + options_.group_wait;
      }
      auto [h, fresh] = g.alerts.try_emplace(fingerprint(a.labels));
      h->second.n = a;
      h->second.version = ++versions_;
      if (fresh) ++held_;
      // dispatch.go's insert: an alert older than group_wait flushes a new group at once.
      if (!g.has_flushed && a.starts_at_ms + options_.group_wait.count() < now_ms) {
        g.next_flush = now;
      }
    }
    dropped = trim_locked();
    metrics_->queue_length.Set(static_cast<double>(held_));
  }
  if (dropped > 0) {
    metrics_->dropped_queue_full.Increment(static_cast<double>(dropped));
    log_.warn("queue_full", [&] {
      return "notify: webhook " + options_.name + ": " + std::to_string(dropped) +
             " least recently updated alert(s) dropped (rules.notification_queue_capacity)";
    });
  }
  cv_.notify_all();
}

void WebhookSender::reconfigure(std::size_t capacity) {
  std::size_t dropped = 0;
  {
    std::lock_guard lock(mu_);
    capacity_ = capacity;
    dropped = trim_locked();
    metrics_->queue_length.Set(static_cast<double>(held_));
  }
  metrics_->queue_capacity.Set(static_cast<double>(capacity));
  if (dropped > 0) metrics_->dropped_queue_full.Increment(static_cast<double>(dropped));
}

std::size_t WebhookSender::trim_locked() {
  std::size_t dropped = 0;
  while (held_ > capacity_) {
    Group* oldest_group = nullptr;
    std::map<std::uint64_t, Held>::iterator oldest;
    for (auto& [gfp, g] : groups_) {
      for (auto it = g.alerts.begin(); it != g.alerts.end(); ++it) {
        if (oldest_group == nullptr || it->second.version < oldest->second.version) {
          oldest_group = &g;
          oldest = it;
        }
      }
    }
    if (oldest_group == nullptr) break;
    oldest_group->alerts.erase(oldest);
    --held_;
    ++dropped;
  }
  std::erase_if(groups_, [](const auto& g) { return g.second.alerts.empty(); });
  return dropped;
}

void WebhookSender::run() {
  std::unique_lock lock(mu_);
  while (!stopping_) {
    auto due = Clock::time_point::max();
    std::uint64_t next = 0;
    for (const auto& [gfp, g] : groups_) {
      if (g.next_flush < due) {
        due = g.next_flush;
        next = gfp;
      }
    }
    if (due == Clock::time_point::max()) {
      cv_.wait(lock);
      continue;
    }
    if (Clock::now() < due) {
      cv_.wait_until(lock, due);
      continue;
    }
    flush(next, lock);
  }
}

bool WebhookSender::needs_update(const LogEntry* entry, const std::set<std::uint64_t>& firing,
                                 const std::set<std::uint64_t>& resolved,
                                 std::int64_t now_ms) const {
  if (entry == nullptr) return !firing.empty();
  const auto subset = [](const std::set<std::uint64_t>& sub, const std::set<std::uint64_t>& of) {
    return std::includes(of.begin(), of.end(), sub.begin(), sub.end());
  };
  if (!subset(firing, entry->firing)) return true;
  if (firing.empty()) return !entry->firing.empty();
  if (options_.send_resolved && !subset(resolved, entry->resolved)) return true;
  return entry->at_ms < now_ms - options_.repeat_interval.count();
}

void WebhookSender::flush(std::uint64_t gfp, std::unique_lock<std::mutex>& lock) {
  Group& g = groups_.at(gfp);
  const auto started = Clock::now();
  g.next_flush = started + options_.group_interval;
  g.has_flushed = true;
  const std::int64_t now_ms = wall_ms();
  std::vector<std::pair<std::uint64_t, Held>> snapshot(g.alerts.begin(), g.alerts.end());
  std::set<std::uint64_t> firing, resolved;
  std::vector<Notification> to_send;
  for (auto& [fp, h] : snapshot) {
    const bool done = h.n.resolved(now_ms);
    (done ? resolved : firing).insert(fp);
    // dispatch.go's flush: an alert that has not resolved shows no end time.
    if (!done) h.n.ends_at_ms = 0;
    if (!done || options_.send_resolved) to_send.push_back(h.n);
  }
  const auto found = nflog_.find(g.key);
  bool ok = true;
  if (needs_update(found == nflog_.end() ? nullptr : &found->second, firing, resolved, now_ms)) {
    // RetryStage: without send_resolved and nothing firing, nothing is sent but all is logged.
    if (!to_send.empty() && !(firing.empty() && !options_.send_resolved)) {
      WebhookGroup wg{options_.name, g.labels, external_url_, options_.max_alerts};
      const std::string body = webhook_body(wg, to_send, now_ms);
      const std::size_t count =
          std::min(to_send.size(), options_.max_alerts == 0 ? to_send.size() : options_.max_alerts);
      const std::string key = g.key;
      lock.unlock();
      ok = deliver(body, count, started + options_.group_interval);
      lock.lock();
      if (stopping_) return;
      auto again = groups_.find(gfp);
      if (again == groups_.end()) return;  // dropped meanwhile (capacity)
    }
    if (ok) {
      LogEntry& e = nflog_[groups_.at(gfp).key];
      e.firing = firing;
      e.resolved = resolved;
      e.at_ms = now_ms;
    }
  }
  if (!ok) return;
  // Resolved alerts leave the group once notified, unless a newer state came meanwhile.
  Group& after = groups_.at(gfp);
  for (const auto& [fp, h] : snapshot) {
    if (resolved.count(fp) == 0) continue;
    auto it = after.alerts.find(fp);
    if (it != after.alerts.end() && it->second.version == h.version) {
      after.alerts.erase(it);
      --held_;
    }
  }
  if (after.alerts.empty()) groups_.erase(gfp);
  // The notification log: entries past Alertmanager's retention, and beyond one per held
  // alert (the oldest), are forgotten.
  std::erase_if(nflog_, [&](const auto& e) { return e.second.at_ms < now_ms - kLogRetentionMs; });
  while (nflog_.size() > std::max<std::size_t>(capacity_, 1)) {
    auto oldest = std::min_element(nflog_.begin(), nflog_.end(), [](const auto& a, const auto& b) {
      return a.second.at_ms < b.second.at_ms;
    });
    nflog_.erase(oldest);
  }
  metrics_->queue_length.Set(static_cast<double>(held_));
}

bool WebhookSender::deliver(const std::string& body, std::size_t count,
                            Clock::time_point deadline) {
  // Alertmanager's backoff (cenkalti/backoff defaults): 500 ms, x1.5, +-50%, at most 60 s.
  double wait_ms = 500;
  static thread_local std::minstd_rand rng{std::random_device{}()};
  while (true) {
    {
      std::lock_guard l(mu_);
      if (stopping_) return false;
    }
    const PostResult r = poster_.post(body, count);
    if (r.taken()) return true;
    // Alertmanager's webhook retrier: only 5xx (and no answer at all) is tried again.
    if (r.answered && r.status / 100 != 5) {
      metrics_->dropped_rejected.Increment(static_cast<double>(count));
      log_.warn("rejected", [&] {
        return "notify: webhook " + options_.name + " (" + options_.url.redacted() +
               ") refused a notification of " + std::to_string(count) + " alert(s): " + r.problem;
      });
      return false;
    }
    const std::string& problem = r.problem;
    const double jittered = wait_ms * std::uniform_real_distribution<double>(0.5, 1.5)(rng);
    const auto retry_at =
        Clock::now() + std::chrono::milliseconds(static_cast<std::int64_t>(jittered));
    log_.warn("error", [&] {
      return "notify: webhook " + options_.name + " (" + options_.url.redacted() +
             "): notify attempt failed, will retry: " + problem;
    });
    if (retry_at >= deadline) return false;  // the next flush tries again
    std::unique_lock l(mu_);
    if (cv_.wait_until(l, retry_at, [this] { return stopping_; })) return false;
    wait_ms = std::min(wait_ms * 1.5, 60'000.0);
  }
}

}  // namespace sonde::rules::notify
