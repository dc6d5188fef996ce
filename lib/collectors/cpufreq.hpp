// The cpufreq collector: node_exporter 1.5.0's node_cpu_frequency_{,min_,max_}hertz (cpuinfo_*,
// the hardware's view; cpuinfo_cur_freq is root-only) and node_cpu_scaling_frequency_{,min_,
// max_}hertz (scaling_*, the governor's) {cpu}, from
// /sys/devices/system/cpu/cpu<N>/cpufreq/*_freq in kHz (Documentation/admin-guide/pm/
// cpufreq.rst), published in Hz.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "collectors/collector.hpp"

namespace sonde::collectors {

/// The six frequency files node_exporter publishes, in kHz; nullopt when absent or unreadable.
struct CpuFreq {
  std::string cpu;
  std::optional<std::uint64_t> cur, min, max, scaling_cur, scaling_min, scaling_max;
};

/// One cpufreq file's content as procfs's ReadUintFromFile reads it (whitespace trimmed,
/// unsigned decimal). nullopt for anything else.
std::optional<std::uint64_t> parse_cpufreq_value(std::string_view text);

void publish_cpufreq(const CpuFreq& f, core::SampleSink& out);

class CpufreqCollector final : public Collector {
 public:
  explicit CpufreqCollector(core::HostPaths paths) : paths_(std::move(paths)) {}
  std::string_view name() const override { return "cpufreq"; }
  core::Status collect(core::SampleSink& out) override;

 private:
  core::HostPaths paths_;
};

std::unique_ptr<Collector> make_cpufreq(const CollectorContext& ctx);

}  // namespace sonde::collectors
