// The rule manager's way out (issue 22): takes the alerts the rule manager sends after each
// evaluation, adds the external labels an alert does not carry, applies
// rules.alert_relabel_configs (Prometheus 2.42's notifier.Manager.Send), and hands them to
// every receiver's sender, each with its own queue and thread (sender.hpp). send() only takes a
// lock and copies: evaluation never waits for a receiver. update() applies a reload: a
// receiver whose options are unchanged keeps its queue and connection.
#pragma once

#include <prometheus/registry.h>

#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "core/options.hpp"
#include "rules/notify/options.hpp"
#include "rules/notify/payload.hpp"
#include "rules/notify/sender.hpp"
#include "rules/notify/webhook.hpp"

namespace sonde::rules::notify {

class Notifier {
 public:
  /// `user_agent` is sonde/<version>.
  Notifier(prometheus::Registry& registry, std::string user_agent);
  ~Notifier();
  Notifier(const Notifier&) = delete;
  Notifier& operator=(const Notifier&) = delete;

  /// `external_url` is web.external_url (the webhook messages' externalURL). Receivers that
  /// stay keep their queues; removed or changed ones are stopped first (their thread joined, a
  /// request in flight interrupted), under the lock that send() takes.
  void update(const NotifyOptions& options, const core::LabelPairs& external_labels,
              const std::string& external_url);
  /// Queues `alerts` for every receiver.
  void send(std::vector<Notification> alerts);
  void stop();

  std::size_t receivers() const;

 private:
  prometheus::Registry& registry_;
  const std::string user_agent_;
  prometheus::Gauge& discovered_;
  mutable std::mutex mu_;
  NotifyOptions options_;
  core::LabelPairs external_labels_;
  std::vector<std::unique_ptr<AlertmanagerSender>> alertmanagers_;
  std::vector<std::unique_ptr<WebhookSender>> webhooks_;
};

/// What send() does to one alert's labels: external labels where absent, then the relabel
/// configs; nothing when relabelling drops it or leaves no label.
std::optional<promql::Labels> notification_labels(const promql::Labels& labels,
                                                  const core::LabelPairs& external_labels,
                                                  const std::vector<core::RelabelConfig>& configs);

}  // namespace sonde::rules::notify
