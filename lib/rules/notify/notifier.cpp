#include "rules/notify/notifier.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>

namespace sonde::rules::notify {

std::optional<promql::Labels> notification_labels(const promql::Labels& labels,
                                                  const core::LabelPairs& external_labels,
                                                  const std::vector<core::RelabelConfig>& configs) {
  core::LabelSet set;
  for (const auto& l : labels) set.emplace(l.name, l.value);
  for (const auto& [name, value] : external_labels) {
    auto it = set.find(name);
    if (it == set.end() || it->second.empty()) set[name] = value;
  }
  if (!configs.empty()) {
    auto relabelled = core::relabel(std::move(set), configs);
    if (!relabelled) return std::nullopt;
    set = std::move(*relabelled);
  }
  std::vector<promql::Label> out;
  out.reserve(set.size());
  for (auto& [name, value] : set) {
    if (!value.empty()) out.push_back({name, value});
  }
  if (out.empty()) return std::nullopt;
  return promql::Labels::from_sorted(std::move(out));
}

Notifier::Notifier(prometheus::Registry& registry, std::string user_agent)
    : registry_(registry),
      user_agent_(std::move(user_agent)),
      discovered_(alertmanagers_discovered(registry)) {}

Notifier::~Notifier() { stop(); }

void Notifier::stop() {
  std::vector<std::unique_ptr<AlertmanagerSender>> senders;
  std::vector<std::unique_ptr<WebhookSender>> hooks;
  {
    std::lock_guard lock(mu_);
    senders.swap(alertmanagers_);
    hooks.swap(webhooks_);
  }
  for (auto& s : senders) s->stop();
  for (auto& s : hooks) s->stop();
  discovered_.Set(0);
}

void Notifier::update(const NotifyOptions& options, const core::LabelPairs& external_labels,
                      const std::string& external_url) {
  std::lock_guard lock(mu_);
  const auto wanted_am = [&](const AlertmanagerSender& s) {
    return std::find(options.alertmanagers.begin(), options.alertmanagers.end(), s.options()) !=
           options.alertmanagers.end();
  };
  const auto wanted_hook = [&](const WebhookSender& s) {
    return s.external_url() == external_url &&
           std::find(options.webhooks.begin(), options.webhooks.end(), s.options()) !=
               options.webhooks.end();
  };
  // Retired senders go first (a request in flight is interrupted, the thread joined): a new
  // sender for the same URL or name registers the same metric labels.
  std::erase_if(alertmanagers_, [&](const auto& s) { return !wanted_am(*s); });
  std::erase_if(webhooks_, [&](const auto& s) { return !wanted_hook(*s); });
  std::vector<std::unique_ptr<AlertmanagerSender>> next;
  for (const auto& am : options.alertmanagers) {
    // The same Alertmanager listed twice is one receiver.
    if (std::any_of(next.begin(), next.end(), [&](const auto& s) { return s->options() == am; })) {
      continue;
    }
    auto kept = std::find_if(alertmanagers_.begin(), alertmanagers_.end(),
                             [&](const auto& s) { return s && s->options() == am; });
    if (kept != alertmanagers_.end()) {
      (*kept)->reconfigure(options.queue_capacity, options.resend_delay);
      next.push_back(std::move(*kept));
      continue;
    }
    auto metrics =
        std::make_unique<ReceiverMetrics>(registry_, "alertmanager", alerts_url(am.url).redacted());
    next.push_back(std::make_unique<AlertmanagerSender>(
        am, options.queue_capacity, options.resend_delay, user_agent_, std::move(metrics)));
  }
  alertmanagers_ = std::move(next);
  std::vector<std::unique_ptr<WebhookSender>> hooks;
  for (const auto& w : options.webhooks) {
    auto kept = std::find_if(webhooks_.begin(), webhooks_.end(),
                             [&](const auto& s) { return s && s->options() == w; });
    if (kept != webhooks_.end()) {
      (*kept)->reconfigure(options.queue_capacity);
      hooks.push_back(std::move(*kept));
      continue;
    }
    hooks.push_back(std::make_unique<WebhookSender>(
        w, options.queue_capacity, external_url, user_agent_,
        std::make_unique<ReceiverMetrics>(registry_, "webhook", w.name)));
  }
  webhooks_ = std::move(hooks);
  options_ = options;
  external_labels_ = external_labels;
  discovered_.Set(static_cast<double>(alertmanagers_.size()));
}

void Notifier::send(std::vector<Notification> alerts) {
  std::lock_guard lock(mu_);
  if (alertmanagers_.empty() && webhooks_.empty()) return;
  std::vector<Notification> out;
  out.reserve(alerts.size());
  for (auto& a : alerts) {
    auto labels = notification_labels(a.labels, external_labels_, options_.alert_relabel_configs);
    if (!labels) continue;
    a.labels = std::move(*labels);
    out.push_back(std::move(a));
  }
  if (out.empty()) return;
  for (auto& s : alertmanagers_) s->push(out);
  for (auto& s : webhooks_) s->push(out);
}

std::size_t Notifier::receivers() const {
  std::lock_guard lock(mu_);
  return alertmanagers_.size() + webhooks_.size();
}

}  // namespace sonde::rules::notify
