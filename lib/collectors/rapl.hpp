// The rapl collector: node_exporter 1.5.0's node_rapl_<zone>_joules_total{index,path} (or, with
// collectors.rapl.zone_label, node_rapl_joules_total{index,path,rapl_zone}) from the RAPL zones
// of /sys/class/powercap (Documentation/power/powercap/powercap.rst): each zone directory with a
// `name` file, its energy_uj counter in joules. energy_uj is readable only by root since Linux
// 5.10 (CVE-2020-8694): unprivileged, those zones are left out quietly.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <utility>

#include "collectors/collector.hpp"

namespace sonde::collectors {

/// procfs's getIndexAndName: "package-0" is index 0 of "package"; a name without a numeric
/// "-N" suffix takes the count of earlier zones of that name as its index. `uses` is updated.
std::pair<int, std::string> rapl_index_and_name(std::map<std::string, int>& uses,
                                                std::string_view name);

/// node_exporter's SanitizeMetricName: every run of characters outside [A-Za-z0-9_], with the
/// underscores around it, becomes one '_'.
std::string sanitize_metric_name(std::string_view name);

class RaplCollector final : public Collector {
 public:
  RaplCollector(core::HostPaths paths, const collectors::RaplOptions& options)
      : paths_(std::move(paths)), zone_label_(options.zone_label) {}
  std::string_view name() const override { return "rapl"; }
  core::Status collect(core::SampleSink& out) override;

 private:
  core::HostPaths paths_;
  bool zone_label_;
};

std::unique_ptr<Collector> make_rapl(const CollectorContext& ctx);

}  // namespace sonde::collectors
