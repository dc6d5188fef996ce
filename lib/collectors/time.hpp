// The time collector: node_time_seconds (computed when a reader asks, through live_source()),
// node_time_zone_offset_seconds{time_zone}, and the clocksources from
// <sys>/devices/system/clocksource/clocksource0, as node_exporter 1.5's time collector.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "collectors/collector.hpp"

namespace sonde::collectors {

struct Clocksources {
  std::vector<std::string_view> available;  // point into the parsed text
  std::string_view current;                 // empty if unknown
};

/// Format (the sysfs attributes of clocksource0 in kernel/time/clocksource.c):
/// available_clocksource is a space-separated list ("tsc hpet acpi_pm \n"), current_clocksource
/// one name ("tsc\n"). Either text may be empty.
Clocksources parse_clocksources(std::string_view available, std::string_view current);

struct TimeZone {
  std::string name;  // abbreviation, as Go's Time.Zone(): "UTC", "CET"
  long offset_seconds = 0;
};

/// The local time zone in effect at `t` (localtime_r's tm_zone and tm_gmtoff, so TZ applies).
core::Result<TimeZone> local_time_zone(std::chrono::system_clock::time_point t);

class TimeCollector final : public Collector {
 public:
  TimeCollector(core::HostPaths paths, const core::Clock& clock)
      : paths_(std::move(paths)), clock_(clock) {}
  std::string_view name() const override { return "time"; }
  core::Status collect(core::SampleSink& out) override;
  /// node_time_seconds at the moment of the scrape: a value published on the collector's timer
  /// would be up to one interval stale. `clock` must outlive the returned function.
  std::function<void(core::SnapshotBuilder&)> live_source() override;

 private:
  core::HostPaths paths_;
  const core::Clock& clock_;
};

std::unique_ptr<Collector> make_time(const CollectorContext& ctx);

}  // namespace sonde::collectors
