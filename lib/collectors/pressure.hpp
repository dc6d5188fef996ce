// The pressure collector: node_exporter 1.5.0's node_pressure_* counters from the kernel's
// pressure stall information (/proc/pressure/{cpu,io,memory}, Linux >= 4.20 with CONFIG_PSI).
// Where /proc/pressure is absent the collector logs that once and publishes nothing.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string_view>

#include "collectors/collector.hpp"

namespace sonde::collectors {

/// The `total=` values (microseconds) of one /proc/pressure file.
struct PressureTotals {
  std::optional<std::uint64_t> some;
  std::optional<std::uint64_t> full;  // absent for cpu before Linux 5.13
};

/// Fails unless the text has a well-formed "some" line; a "full" line is optional. Lines of other
/// kinds are skipped (counted in `errors`).
core::Result<PressureTotals> parse_pressure(std::string_view text, std::size_t* errors = nullptr);

class PressureCollector final : public Collector {
 public:
  explicit PressureCollector(core::HostPaths paths) : paths_(std::move(paths)) {}
  std::string_view name() const override { return "pressure"; }
  core::Status collect(core::SampleSink& out) override;

 private:
  core::HostPaths paths_;
  bool said_absent_ = false;
};

std::unique_ptr<Collector> make_pressure(const CollectorContext& ctx);

}  // namespace sonde::collectors
