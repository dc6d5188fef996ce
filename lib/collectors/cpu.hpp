// The cpu collector: node_cpu_seconds_total{cpu,mode} and node_cpu_guest_seconds_total{cpu,mode}
// from the cpuN lines of /proc/stat, with node_exporter 1.5's protection against counters that
// jump backwards; with collectors.cpu.info, the /proc/cpuinfo families of cpuinfo.hpp; and the
// sysfs families of cpu_sysfs.hpp (throttle counts, isolated CPUs).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string_view>
#include <utility>
#include <vector>

#include "collectors/collector.hpp"
#include "core/regex.hpp"

namespace sonde::collectors {

/// Columns of a cpuN line, in the kernel's order.
enum class CpuField : std::size_t {
  user,
  nice,
  system,
  idle,
  iowait,
  irq,
  softirq,
  steal,
  guest,
  guest_nice,
};
inline constexpr std::size_t kCpuFieldCount = 10;

/// One cpuN line. Older kernels print fewer columns: only the first `fields` entries of `ticks`
/// are meaningful, and the modes after them are absent (not zero).
struct CpuTimes {
  std::uint32_t cpu = 0;
  std::array<std::uint64_t, kCpuFieldCount> ticks{};  // in USER_HZ (1/100 s)
  std::size_t fields = 0;

  std::uint64_t at(CpuField f) const { return ticks[static_cast<std::size_t>(f)]; }
  bool has(CpuField f) const { return static_cast<std::size_t>(f) < fields; }
};

struct CpuStat {
  std::vector<CpuTimes> cpus;  // in file order
  std::size_t errors = 0;      // cpuN lines skipped as malformed or duplicated
};

/// Parses the cpuN lines of /proc/stat; every other line (the aggregate `cpu` line included) is
/// ignored.
CpuStat parse_cpu(std::string_view stat_text);

/// node_exporter reads these in USER_HZ, which the kernel fixes at 100 for /proc/stat whatever
/// CONFIG_HZ is (procfs uses the same constant).
inline constexpr double kUserHz = 100.0;

class CpuCollector final : public Collector {
 public:
  CpuCollector(core::HostPaths paths, bool guest) : paths_(std::move(paths)), guest_(guest) {}
  /// With the /proc/cpuinfo families when options.info is set, or a flags/bugs pattern is (as
  /// node_exporter turns --collector.cpu.info on for them).
  CpuCollector(core::HostPaths paths, const collectors::CpuOptions& options);
  std::string_view name() const override { return "cpu"; }
  core::Status collect(core::SampleSink& out) override;

 private:
  /// Folds a new reading into cpus_: a counter that went backwards keeps its previous value,
  /// unless idle dropped by 3 s or more (a hotplug: the CPU's counters restarted).
  void update(const std::vector<CpuTimes>& fresh);

  core::Status collect_info(core::SampleSink& out);

  core::HostPaths paths_;
  bool guest_;
  bool info_ = false;
  std::optional<core::Result<core::Regex>> flags_include_;
  std::optional<core::Result<core::Regex>> bugs_include_;
  std::map<std::uint32_t, CpuTimes> cpus_;  // last values published, by CPU number
};

std::unique_ptr<Collector> make_cpu(const CollectorContext& ctx);

}  // namespace sonde::collectors
