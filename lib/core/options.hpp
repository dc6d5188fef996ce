// The options every module shares: log level and format (and, in core/host_paths.hpp, where the
// host's filesystems are). Each module's own options live in lib/<module>/options.hpp; the whole
// configuration is config::Config (lib/config/config.hpp).
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/host_paths.hpp"

namespace sonde::core {

using Millis = std::chrono::milliseconds;

enum class LogLevel { debug, info, warn, error };
enum class LogFormat { text, json };

struct LogOptions {
  LogLevel level = LogLevel::info;
  LogFormat format = LogFormat::text;
  bool operator==(const LogOptions&) const = default;
};

/// Label pairs sorted by name, names unique.
using LabelPairs = std::vector<std::pair<std::string, std::string>>;

/// The `global` section, shared by the rule engine and remote write.
struct GlobalOptions {
  /// Labels every series in the rule history carries, as a Prometheus scrape attaches them (and
  /// that recorded series at /metrics leave out, so the scraping Prometheus attaches its own).
  /// Unset: instance=<hostname>:<port of the web listener>, job=sonde (daemon/ fills them in).
  std::optional<LabelPairs> series_labels;
  /// Prometheus's external_labels: `$externalLabels` in alert templates.
  LabelPairs external_labels;
  bool operator==(const GlobalOptions&) const = default;
};

}  // namespace sonde::core
