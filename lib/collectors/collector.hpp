// Host collectors: one file per collector, each a pure parser plus a Collector that reads through
// the injectable HostPaths. registry.cpp holds the one explicit list; scheduler.cpp runs them.
#pragma once

#include <functional>
#include <memory>
#include <span>
#include <string_view>

#include "collectors/options.hpp"
#include "core/blocking_pool.hpp"
#include "core/clock.hpp"
#include "core/host_paths.hpp"
#include "core/metrics.hpp"
#include "core/options.hpp"
#include "core/result.hpp"

namespace sonde::collectors {

/// One source of host metrics. The scheduler calls collect() from one strand at a time, so an
/// implementation needs no locks for its own state.
class Collector {
 public:
  virtual ~Collector() = default;
  /// Config key and `collector` label value.
  virtual std::string_view name() const = 0;
  /// Never throws. On error the scheduler drops this collector's series and sets
  /// node_scrape_collector_success 0. Skipped lines go to out.parse_errors().
  virtual core::Status collect(core::SampleSink& out) = 0;
  /// A part that must be computed when a reader asks (node_time_seconds), or empty. Must be
  /// cheap, thread-safe and do no I/O.
  virtual std::function<void(core::SnapshotBuilder&)> live_source() { return {}; }
};

/// Everything a collector factory may use.
struct CollectorContext {
  const collectors::CollectorsOptions& options;
  core::HostPaths paths;
  const core::Clock& clock;
  /// For calls that can hang (statfs). Outlives reloads; null lets a collector make its own.
  std::shared_ptr<core::BlockingPool> blocking = nullptr;
};

struct CollectorInfo {
  std::string_view name;
  std::unique_ptr<Collector> (*make)(const CollectorContext&);
  /// The collector's enabled/interval settings inside `options`.
  const collectors::CollectorOptions& (*settings)(const collectors::CollectorsOptions&);
};

/// The built-in collectors, in a fixed order.
std::span<const CollectorInfo> builtin_collectors();

}  // namespace sonde::collectors
