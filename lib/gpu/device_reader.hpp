// One GPU's NVML reads for one sample: every call the GPU collector makes for a device, as pure
// functions of the NVML function table (NvmlApi) and a device handle. They run on a pool worker
// (gpu_collector.cpp) and touch nothing but the Reading they fill, so tests drive them with a
// function table of their own.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "gpu/fields.hpp"
#include "gpu/nvml_loader.hpp"

namespace sonde::gpu {

/// Bounds on what one NVML answer may make sonde allocate.
inline constexpr unsigned kMaxProcessesPerCall = 4096;
inline constexpr unsigned kMaxMigDevices = 64;

/// Frame buffer memory in MiB; a part NVML cannot give is absent.
struct FbMemory {
  std::optional<double> free, used, reserved;
};

struct MigReading {
  unsigned gpu_instance_id = 0;
  std::string profile;
  FbMemory fb;
};

struct ProcReading {
  unsigned pid = 0;
  unsigned long long used = 0;  // bytes
};

struct Reading {
  bool lost = false;  // GPU_IS_LOST (or another error that makes the device unusable)
  std::string lost_reason;
  std::array<std::optional<double>, kFieldCount> values{};
  std::vector<std::string> errors;  // reasons of failed calls (counted, field absent)
  bool static_read = false;
  std::string uuid, model, pci_bus_id;
  std::vector<ProcReading> procs;
  std::vector<MigReading> migs;
  std::uint64_t calls = 0;

  /// Records one NVML answer: counts the call (unless `is_call` is false: a per-field result
  /// inside a call's answer), marks the GPU lost on GPU_IS_LOST (or another error that makes the
  /// device unusable) and keeps other failures' reasons in `errors`. True on success.
  /// NOT_SUPPORTED and FUNCTION_NOT_FOUND mean "this device or driver cannot say": false, the
  /// field is absent and no error is kept.
  bool record_call(nvml::Return r, bool is_call = true) {
    if (is_call) ++calls;
    if (r == nvml::kSuccess) return true;
    if (r == nvml::kErrorNotSupported || r == nvml::kErrorFunctionNotFound) return false;
    if (r == nvml::kErrorGpuIsLost || r == nvml::kErrorUninitialized ||
        r == nvml::kErrorResetRequired) {
      if (!lost) lost_reason = nvml::return_name(r);
      lost = true;
      return false;
    }
    errors.emplace_back(nvml::return_name(r));
    return false;
  }
  void set(Field f, double v) { values[static_cast<std::size_t>(f)] = v; }
};

/// What to read in one sample.
struct ReadPlan {
  std::array<bool, kFieldCount> enabled{};
  bool processes = true;
  bool need_static = false;
};

/// Every NVML call for one GPU (static identity when `plan.need_static`, the enabled fields,
/// processes, MIG instances' memory), stopping at the first sign that the GPU is lost.
void read_device(const NvmlApi& api, nvml::Device h, const ReadPlan& plan, Reading& r);

/// "<slices>g.<GiB>gb", the GPU instance profile name nvidia-smi and DCGM show (1g.5gb,
/// 3g.20gb, 7g.40gb): GiB is the instance's memory rounded up to whole GiB.
std::string mig_profile_name(unsigned slices, unsigned long long memory_mib);

}  // namespace sonde::gpu
