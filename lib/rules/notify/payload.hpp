// What the notifiers send, byte for byte as the peers do: the body of Alertmanager's
// POST /api/v2/alerts as Prometheus 2.42's notifier builds it, and the webhook message as
// Alertmanager 0.25's webhook notifier posts it (notify/webhook, template.Data), with
// Alertmanager's label fingerprint and its order of alerts in a group. Pure functions: no
// sockets, no clock (times are inputs).
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "rules/promql/value.hpp"

namespace sonde::rules::notify {

/// Alertmanager's model.LabelSet.Fingerprint(): FNV-1a 64 over the labels in name order, each
/// name and each value followed by the byte 0xff; the empty set hashes to FNV's offset basis.
std::uint64_t fingerprint(const promql::Labels& labels);
/// model.Fingerprint.String(): 16 lowercase hexadecimal digits.
std::string fingerprint_string(std::uint64_t fp);

/// One alert as the notifiers send it (Prometheus's notifier.Alert). Times in ms since the
/// epoch; 0 = unset.
struct Notification {
  promql::Labels labels;
  std::vector<std::pair<std::string, std::string>> annotations;  // sorted by name, unique
  std::int64_t starts_at_ms = 0;
  std::int64_t ends_at_ms = 0;
  std::string generator_url;

  /// Alertmanager's Alert.Resolved(): an end time that has passed.
  bool resolved(std::int64_t now_ms) const { return ends_at_ms != 0 && ends_at_ms <= now_ms; }
  bool operator==(const Notification&) const = default;
};

/// Prometheus's generatorURL: external URL + "/graph?g0.expr=" + url.QueryEscape(expr) +
/// "&g0.tab=1" (strutil.TableLinkForExpression), `expr` as the rule's query prints; a trailing
/// "/" of the external URL is dropped, as Prometheus drops it.
std::string generator_url(std::string_view external_url, std::string_view expr);

/// The body Prometheus POSTs to /api/v2/alerts: a JSON array of postable alerts with
/// `labels`, `annotations`, `startsAt`, `endsAt` (each time only when set) and `generatorURL`
/// (only when not empty), times in RFC 3339 with Go's shortest fraction.
std::string alertmanager_v2_body(std::span<const Notification> alerts);

/// Alertmanager's order of the alerts of a group (types.AlertSlice): by the `job` label, then
/// `instance` (an alert that has it before one that has not), then the whole label set.
void sort_alerts(std::vector<Notification>& alerts);

/// A webhook group's identity: Alertmanager's aggregation-group key "<route key>:<labels>" with
/// the root route's key "{}" and the group labels printed as model.LabelSet.String()
/// (`{a="b", c="d"}`, `{}` when grouping by nothing).
std::string group_key(const promql::Labels& group_labels);

/// What a webhook message is built from besides its alerts.
struct WebhookGroup {
  std::string receiver;         // the webhook's name
  promql::Labels group_labels;  // the group_by labels' values of this group
  std::string external_url;     // web.external_url
  std::size_t max_alerts = 0;   // 0: all
};

/// The webhook message as Alertmanager 0.25 posts it (webhook.Message: template.Data's fields,
/// then `version` "4", `groupKey`, `truncatedAlerts`). `alerts` in any order: they are sorted as
/// Alertmanager sorts them, statuses are as of `now_ms` (an alert not yet resolved shows
/// `endsAt` 0001-01-01T00:00:00Z), `commonLabels`/`commonAnnotations` are the pairs every alert
/// has, and past `max_alerts` the rest are left out and counted in `truncatedAlerts`.
std::string webhook_body(const WebhookGroup& group, std::vector<Notification> alerts,
                         std::int64_t now_ms);

}  // namespace sonde::rules::notify
