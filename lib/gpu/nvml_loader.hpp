// Loads libnvidia-ml at run time (dlopen) and resolves the symbols sonde uses into a table of
// function pointers, preferring the newest symbol version and falling back to older ones as an
// old driver exports them. A symbol that is missing leaves its pointer null: the fields it
// serves are absent, never zero.
#pragma once

#include <memory>
#include <string>

#include "core/result.hpp"
#include "gpu/nvml_api.hpp"

namespace sonde::gpu {

/// Which variant of nvmlDeviceGet*RunningProcesses was resolved (the struct layout differs).
enum class ProcessApi { none, v1, v2 };

/// Function table of one loaded NVML library. Immutable after load(); safe to share between
/// threads (NVML itself is thread-safe). The library is never unloaded: a worker may still be
/// inside one of its functions when sonde stops waiting for it.
struct NvmlApi {
  std::string library;  // what was dlopen'ed
  void* handle = nullptr;

  nvml::InitFn init = nullptr;  // nvmlInit_v2, else nvmlInit
  nvml::ShutdownFn shutdown = nullptr;
  nvml::ErrorStringFn error_string = nullptr;
  nvml::SystemGetStringFn driver_version = nullptr;
  nvml::SystemGetStringFn nvml_version = nullptr;
  nvml::SystemGetCudaDriverVersionFn cuda_driver_version = nullptr;  // _v2, else unversioned
  nvml::DeviceGetCountFn device_count = nullptr;                     // _v2, else unversioned
  nvml::DeviceGetHandleByIndexFn handle_by_index = nullptr;          // _v2, else unversioned
  nvml::DeviceGetStringFn name = nullptr;
  nvml::DeviceGetStringFn uuid = nullptr;
  nvml::DeviceGetPciInfoFn pci_info = nullptr;  // _v3 only (older layouts differ)
  nvml::DeviceGetUtilizationRatesFn utilization = nullptr;
  nvml::DeviceGetCodecUtilizationFn encoder_utilization = nullptr;
  nvml::DeviceGetCodecUtilizationFn decoder_utilization = nullptr;
  nvml::DeviceGetMemoryInfoV2Fn memory_v2 = nullptr;
  nvml::DeviceGetMemoryInfoFn memory_v1 = nullptr;
  nvml::DeviceGetTemperatureFn temperature = nullptr;
  nvml::DeviceGetFieldValuesFn field_values = nullptr;
  nvml::DeviceGetUintFn power_usage = nullptr;
  nvml::DeviceGetUintFn power_limit = nullptr;
  nvml::DeviceGetUintFn fan_speed = nullptr;
  nvml::DeviceGetUintFn pcie_replay = nullptr;
  nvml::DeviceGetUllFn total_energy = nullptr;
  nvml::DeviceGetUllFn clocks_event_reasons = nullptr;  // ...EventReasons, else ...ThrottleReasons
  nvml::DeviceGetClockInfoFn clock_info = nullptr;
  nvml::DeviceGetPcieThroughputFn pcie_throughput = nullptr;
  nvml::DeviceGetRemappedRowsFn remapped_rows = nullptr;
  nvml::DeviceGetTotalEccErrorsFn total_ecc_errors = nullptr;
  nvml::DeviceGetProcessesFn compute_processes = nullptr;
  nvml::DeviceGetProcessesFn graphics_processes = nullptr;
  ProcessApi compute_processes_api = ProcessApi::none;
  ProcessApi graphics_processes_api = ProcessApi::none;
  nvml::DeviceGetMigModeFn mig_mode = nullptr;
  nvml::DeviceGetUintFn max_mig_device_count = nullptr;
  nvml::DeviceGetMigDeviceHandleByIndexFn mig_device_handle = nullptr;
  nvml::DeviceGetUintFn gpu_instance_id = nullptr;
  nvml::DeviceGetAttributesFn attributes = nullptr;  // nvmlDeviceGetAttributes_v2
  nvml::EventSetCreateFn event_set_create = nullptr;
  nvml::EventSetFreeFn event_set_free = nullptr;
  nvml::DeviceRegisterEventsFn register_events = nullptr;
  nvml::EventSetWaitFn event_set_wait = nullptr;  // _v2, else unversioned

  /// Symbol names actually resolved for the versioned entry points (for the log and tests).
  std::string resolved_init, resolved_count, resolved_handle, resolved_compute, resolved_graphics;
};

/// dlopens `library` (a soname searched the usual way, or a path) and resolves symbols. Fails
/// when the library cannot be opened or lacks an init, device count or handle function. Does not
/// call nvmlInit.
core::Result<std::shared_ptr<const NvmlApi>> load_nvml(const std::string& library);

}  // namespace sonde::gpu
