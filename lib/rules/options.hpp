// Limits of the PromQL engine, as plain options (lib/config fills them; tests set small ones).
#pragma once

#include <chrono>
#include <cstddef>

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

  bool operator==(const EngineOptions&) const = default;
};

}  // namespace sonde::rules
