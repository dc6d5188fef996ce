// Options of the NVIDIA GPU collector (config section `gpu`). Header-only: lib/config fills them.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

namespace sonde::gpu {

struct GpuOptions {
  /// On by default; where no NVML exists the collector is unavailable, quietly.
  bool enabled = true;
  std::chrono::milliseconds interval{5'000};
  /// dlopen'ed at start: a soname searched the usual way, or a path.
  std::string nvml_library = "libnvidia-ml.so.1";
  /// Name of the label that carries the host name (`Hostname` in dcgm-exporter before 3.3).
  std::string hostname_label = "hostname";
  /// Most sonde_gpu_process_memory_used_bytes series per sample; the rest are counted.
  std::uint32_t max_processes = 256;
  /// A GPU whose NVML calls take longer is dropped for that sample and the attempt fails.
  std::chrono::milliseconds call_timeout{2'000};
  /// Regular expression over family names (DCGM_FI_*, sonde_gpu_*): only matching ones are read.
  std::string fields = ".*";
  bool operator==(const GpuOptions&) const = default;
};

}  // namespace sonde::gpu
