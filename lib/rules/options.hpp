// Options of lib/rules, as plain structs (lib/config fills them; tests set small ones): the limits
// of the PromQL engine and the `rules` section of the configuration.
#pragma once

#include <chrono>
#include <cstddef>
#include <filesystem>
#include <string>
#include <vector>

#include "rules/notify/options.hpp"

namespace sonde::rules {

struct EngineOptions {
  /// Most samples one query may hold in memory at once (Prometheus's --query.max-samples, whose
  /// default is 50,000,000 for a central server). sonde runs on every host beside the workload,
  /// evaluating that host's own rules over its own few thousand series: 5,000,000 samples (about
  /// 80 MB of 16-byte points at the worst moment) is ample for 10,000 series × a 5-minute window of
  /// 15 s samples × several operands, and keeps a runaway query from taking the host's memory.
  std::size_t max_samples = 5'000'000;
  /// Most series one selector or one intermediate result may hold (0 = no limit).
  std::size_t max_series = 0;
  /// Wall-clock budget of one query (Prometheus's --query.timeout, 2 minutes there). Zero = none.
  std::chrono::milliseconds timeout{std::chrono::seconds(120)};
  /// Step of a subquery written without one (`x[5m:]`): Prometheus's global evaluation interval
  /// (1m by default; `sonde rules test` uses the test file's evaluation_interval, as promtool).
  std::chrono::milliseconds default_subquery_step{std::chrono::minutes(1)};

  bool operator==(const EngineOptions&) const = default;
};

/// The `rules` section: which rule files sonde evaluates and how.
struct RulesOptions {
  /// Paths and globs of Prometheus rule files. lib/config makes relative ones absolute against
  /// the config file's directory, as Prometheus does; globs are expanded at every (re)load.
  std::vector<std::string> files;
  /// Interval of groups that set none (Prometheus's global evaluation_interval).
  std::chrono::milliseconds evaluation_interval{std::chrono::seconds(15)};
  /// A restored alert whose downtime was longer than this starts afresh (Prometheus's
  /// --rules.alert.for-outage-tolerance).
  std::chrono::milliseconds for_outage_tolerance{std::chrono::hours(1)};
  /// A restored pending alert never fires sooner than this after start
  /// (--rules.alert.for-grace-period).
  std::chrono::milliseconds for_grace_period{std::chrono::minutes(10)};
  /// Most series the rule history holds; new ones beyond it are refused and counted in
  /// sonde_rule_history_series_refused_total.
  std::size_t max_history_series = 100'000;
  /// Whether ALERTS and ALERTS_FOR_STATE appear at /metrics.
  bool publish_alerts_series = true;
  /// Where alert state is kept across restarts; empty: rules-state.json in the state directory.
  std::filesystem::path state_file;
  EngineOptions engine;
  /// Where alerts go: Alertmanagers, webhooks (`rules.alertmanagers`, `rules.webhooks`, ...).
  notify::NotifyOptions notify;

  bool operator==(const RulesOptions&) const = default;
};

}  // namespace sonde::rules
