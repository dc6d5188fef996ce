// The cpu collector's sysfs part (node_exporter 1.5.0's cpu_linux.go): thermal throttle counts
// per core and package from /sys/devices/system/cpu/cpu<N>/{topology,thermal_throttle}/
// (node_cpu_core_throttles_total{package,core}, node_cpu_package_throttles_total{package}), and
// node_cpu_isolated{cpu} from /sys/devices/system/cpu/isolated (the isolcpus= list).
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string_view>
#include <vector>

#include "core/metrics.hpp"

namespace sonde::collectors {

/// procfs's parseIsolatedCPUs: a comma-separated list of CPU numbers and inclusive ranges
/// ("1,3-5,9"), a trailing newline allowed; nullopt on anything else (a range of more than
/// 65536 CPUs included: node_exporter keeps them as uint16). Sorted, each CPU once.
std::optional<std::vector<std::uint16_t>> parse_isolated_cpus(std::string_view text);

/// Publishes the throttle counters and node_cpu_isolated from `sys` (host.sysfs). Absent files
/// publish nothing; a malformed isolated list or count is counted in out.parse_errors().
void publish_cpu_sysfs(const std::filesystem::path& sys, core::SampleSink& out);

}  // namespace sonde::collectors
