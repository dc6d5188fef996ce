// Options of the alert notifiers (issue 22), as plain structs that lib/config fills: the
// `rules.alertmanagers`, `rules.webhooks`, `rules.alert_relabel_configs`, `rules.resend_delay`
// and `rules.notification_queue_capacity` keys. Compared with == on reload: a receiver whose
// options are unchanged keeps its queue and its connection.
#pragma once

#include <chrono>
#include <cstddef>
#include <string>
#include <vector>

#include "core/relabel.hpp"
#include "net/options.hpp"
#include "net/url.hpp"

namespace sonde::rules::notify {

/// One Alertmanager: alerts are POSTed to `url` with `/api/v2/alerts` appended to its path.
struct AlertmanagerOptions {
  net::Url url;               // the base URL as configured
  net::ClientOptions client;  // timeout (default 10 s), basic_auth, authorization, tls_config
  bool operator==(const AlertmanagerOptions&) const = default;
};

/// One webhook receiver, grouped as Alertmanager groups (its defaults).
struct WebhookOptions {
  std::string name;  // the payload's `receiver`
  net::Url url;
  net::ClientOptions client;
  bool send_resolved = true;
  std::size_t max_alerts = 0;         // 0: all
  std::vector<std::string> group_by;  // empty: one group; "..." alone: every label
  std::chrono::milliseconds group_wait{std::chrono::seconds(30)};
  std::chrono::milliseconds group_interval{std::chrono::minutes(5)};
  std::chrono::milliseconds repeat_interval{std::chrono::hours(4)};
  bool operator==(const WebhookOptions&) const = default;
};

struct NotifyOptions {
  std::vector<AlertmanagerOptions> alertmanagers;
  std::vector<WebhookOptions> webhooks;
  std::vector<core::RelabelConfig> alert_relabel_configs;
  /// Firing alerts are sent again this often (Prometheus's --rules.alert.resend-delay).
  std::chrono::milliseconds resend_delay{std::chrono::minutes(1)};
  /// Distinct alerts each receiver's queue holds (Prometheus's
  /// --alertmanager.notification-queue-capacity).
  std::size_t queue_capacity = 10'000;
  bool operator==(const NotifyOptions&) const = default;
};

/// Alertmanager's webhook and Prometheus's notifier default timeout.
inline constexpr std::chrono::milliseconds kDefaultNotifyTimeout{std::chrono::seconds(10)};

}  // namespace sonde::rules::notify
