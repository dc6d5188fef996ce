// The schedstat collector: node_exporter 1.5.0's node_schedstat_{running_seconds,
// waiting_seconds,timeslices}_total{cpu} from /proc/schedstat. A kernel without CONFIG_SCHEDSTATS
// has no such file: nothing is published.
#pragma once

#include <cstdint>
#include <memory>
#include <string_view>
#include <utility>
#include <vector>

#include "collectors/collector.hpp"

namespace sonde::collectors {

struct SchedstatCpu {
  std::string_view cpu;  // "0"; points into the parsed text
  std::uint64_t running_ns = 0;
  std::uint64_t waiting_ns = 0;
  std::uint64_t timeslices = 0;
};

/// The lines matching procfs 0.8.0's `cpu(\d+) (\d+) ... (\d+)` (ten numbers) anywhere in them;
/// every other line (version, timestamp, domain*) is skipped, as is a line whose numbers
/// overflow 64 bits. Never fails; the Result is for the parser's shape.
core::Result<std::vector<SchedstatCpu>> parse_schedstat(std::string_view text);

class SchedstatCollector final : public Collector {
 public:
  explicit SchedstatCollector(core::HostPaths paths) : paths_(std::move(paths)) {}
  std::string_view name() const override { return "schedstat"; }
  core::Status collect(core::SampleSink& out) override;

 private:
  core::HostPaths paths_;
};

std::unique_ptr<Collector> make_schedstat(const CollectorContext& ctx);

}  // namespace sonde::collectors
