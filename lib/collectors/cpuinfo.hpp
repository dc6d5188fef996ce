// The /proc/cpuinfo part of the cpu collector (collectors.cpu.info, off by default as in
// node_exporter 1.5.0): node_cpu_info{package,core,cpu,vendor,family,model,model_name,microcode,
// stepping,cachesize}, and node_cpu_flag_info{flag} / node_cpu_bug_info{bug} for the first
// CPU's flags and bugs matching collectors.cpu.flags_include / bugs_include.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "core/metrics.hpp"
#include "core/regex.hpp"
#include "core/result.hpp"

namespace sonde::collectors {

struct CpuInfo {
  std::uint32_t processor = 0;
  // The rest point into the parsed text; empty when the CPU's block lacks the field.
  std::string_view vendor, family, model, model_name, stepping, microcode, cache_size, physical_id,
      core_id;
  std::vector<std::string_view> flags;
  std::vector<std::string_view> bugs;
};

/// The x86 layout of /proc/cpuinfo, as procfs 0.8.0's parseCPUInfoX86 reads it: the first
/// non-blank line must be "processor : N"; each "processor" line starts a CPU; "key : value"
/// lines fill it (split at the first ": "). Fails, as procfs does, on a bad first line or on a
/// numeric field (processor, cpu MHz, siblings, cpu cores, cpuid level, bogomips, clflush size,
/// cache_alignment) that does not parse.
core::Result<std::vector<CpuInfo>> parse_cpuinfo(std::string_view text);

/// node_cpu_info for every CPU, then the flag and bug families of the first CPU for the
/// patterns that are set (null: no family). Repeated CPUs, flags or
/// bugs are published once and counted as parse errors.
void publish_cpuinfo(core::SampleSink& out, const std::vector<CpuInfo>& cpus,
                     const core::Regex* flags_include, const core::Regex* bugs_include);

}  // namespace sonde::collectors
