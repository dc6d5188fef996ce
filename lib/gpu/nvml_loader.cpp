#include "gpu/nvml_loader.hpp"

#include <dlfcn.h>

#include <initializer_list>
#include <mutex>
#include <tuple>

#include "core/page_trim.hpp"

namespace sonde::gpu {

namespace {

// Returns the first of `names` the library exports, and which one it was.
template <class Fn>
Fn resolve(void* handle, std::initializer_list<const char*> names, std::string* which = nullptr) {
  for (const char* n : names) {
    if (void* p = dlsym(handle, n)) {
      if (which) *which = n;
      return reinterpret_cast<Fn>(p);
    }
  }
  return nullptr;
}

}  // namespace

core::Result<std::shared_ptr<const NvmlApi>> load_nvml(const std::string& library) {
  // No page release (core/page_trim.hpp) between a dlclose and the reuse of its range.
  const std::lock_guard lock(core::object_map_mutex());
  dlerror();
  void* h = dlopen(library.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!h) {
    const char* e = dlerror();
    return core::error("cannot load " + library + ": " + (e ? e : "unknown dlopen error"));
  }
  auto api = std::make_shared<NvmlApi>();
  api->library = library;
  api->handle = h;
  using namespace nvml;
  api->init = resolve<InitFn>(h, {"nvmlInit_v2", "nvmlInit"}, &api->resolved_init);
  api->shutdown = resolve<ShutdownFn>(h, {"nvmlShutdown"});
  api->error_string = resolve<ErrorStringFn>(h, {"nvmlErrorString"});
  api->driver_version = resolve<SystemGetStringFn>(h, {"nvmlSystemGetDriverVersion"});
  api->nvml_version = resolve<SystemGetStringFn>(h, {"nvmlSystemGetNVMLVersion"});
  api->cuda_driver_version = resolve<SystemGetCudaDriverVersionFn>(
      h, {"nvmlSystemGetCudaDriverVersion_v2", "nvmlSystemGetCudaDriverVersion"});
  api->device_count = resolve<DeviceGetCountFn>(h, {"nvmlDeviceGetCount_v2", "nvmlDeviceGetCount"},
                                                &api->resolved_count);
  api->handle_by_index = resolve<DeviceGetHandleByIndexFn>(
      h, {"nvmlDeviceGetHandleByIndex_v2", "nvmlDeviceGetHandleByIndex"}, &api->resolved_handle);
  api->name = resolve<DeviceGetStringFn>(h, {"nvmlDeviceGetName"});
  api->uuid = resolve<DeviceGetStringFn>(h, {"nvmlDeviceGetUUID"});
  api->pci_info = resolve<DeviceGetPciInfoFn>(h, {"nvmlDeviceGetPciInfo_v3"});
  api->utilization = resolve<DeviceGetUtilizationRatesFn>(h, {"nvmlDeviceGetUtilizationRates"});
  api->encoder_utilization =
      resolve<DeviceGetCodecUtilizationFn>(h, {"nvmlDeviceGetEncoderUtilization"});
  api->decoder_utilization =
      resolve<DeviceGetCodecUtilizationFn>(h, {"nvmlDeviceGetDecoderUtilization"});
  api->memory_v2 = resolve<DeviceGetMemoryInfoV2Fn>(h, {"nvmlDeviceGetMemoryInfo_v2"});
  api->memory_v1 = resolve<DeviceGetMemoryInfoFn>(h, {"nvmlDeviceGetMemoryInfo"});
  api->temperature = resolve<DeviceGetTemperatureFn>(h, {"nvmlDeviceGetTemperature"});
  api->field_values = resolve<DeviceGetFieldValuesFn>(h, {"nvmlDeviceGetFieldValues"});
  api->power_usage = resolve<DeviceGetUintFn>(h, {"nvmlDeviceGetPowerUsage"});
  api->power_limit = resolve<DeviceGetUintFn>(h, {"nvmlDeviceGetPowerManagementLimit"});
  api->fan_speed = resolve<DeviceGetUintFn>(h, {"nvmlDeviceGetFanSpeed"});
  api->pcie_replay = resolve<DeviceGetUintFn>(h, {"nvmlDeviceGetPcieReplayCounter"});
  api->total_energy = resolve<DeviceGetUllFn>(h, {"nvmlDeviceGetTotalEnergyConsumption"});
  // Renamed in 12.2; same signature and bits. The old name stays exported, deprecated.
  api->clocks_event_reasons = resolve<DeviceGetUllFn>(
      h, {"nvmlDeviceGetCurrentClocksEventReasons", "nvmlDeviceGetCurrentClocksThrottleReasons"});
  api->clock_info = resolve<DeviceGetClockInfoFn>(h, {"nvmlDeviceGetClockInfo"});
  api->pcie_throughput = resolve<DeviceGetPcieThroughputFn>(h, {"nvmlDeviceGetPcieThroughput"});
  api->remapped_rows = resolve<DeviceGetRemappedRowsFn>(h, {"nvmlDeviceGetRemappedRows"});
  api->total_ecc_errors = resolve<DeviceGetTotalEccErrorsFn>(h, {"nvmlDeviceGetTotalEccErrors"});
  // _v3 and _v2 fill nvmlProcessInfo_v2_t (== nvmlProcessInfo_t); unversioned fills _v1_t.
  for (auto [fn, api_kind, which, base] :
       {std::tuple{&api->compute_processes, &api->compute_processes_api, &api->resolved_compute,
                   std::string("nvmlDeviceGetComputeRunningProcesses")},
        std::tuple{&api->graphics_processes, &api->graphics_processes_api, &api->resolved_graphics,
                   std::string("nvmlDeviceGetGraphicsRunningProcesses")}}) {
    if ((*fn = resolve<DeviceGetProcessesFn>(h, {(base + "_v3").c_str()}, which))) {
      *api_kind = ProcessApi::v2;
    } else if ((*fn = resolve<DeviceGetProcessesFn>(h, {(base + "_v2").c_str()}, which))) {
      *api_kind = ProcessApi::v2;
    } else if ((*fn = resolve<DeviceGetProcessesFn>(h, {base.c_str()}, which))) {
      *api_kind = ProcessApi::v1;
    }
  }
  api->mig_mode = resolve<DeviceGetMigModeFn>(h, {"nvmlDeviceGetMigMode"});
  api->max_mig_device_count = resolve<DeviceGetUintFn>(h, {"nvmlDeviceGetMaxMigDeviceCount"});
  api->mig_device_handle =
      resolve<DeviceGetMigDeviceHandleByIndexFn>(h, {"nvmlDeviceGetMigDeviceHandleByIndex"});
  api->gpu_instance_id = resolve<DeviceGetUintFn>(h, {"nvmlDeviceGetGpuInstanceId"});
  api->attributes = resolve<DeviceGetAttributesFn>(h, {"nvmlDeviceGetAttributes_v2"});
  api->event_set_create = resolve<EventSetCreateFn>(h, {"nvmlEventSetCreate"});
  api->event_set_free = resolve<EventSetFreeFn>(h, {"nvmlEventSetFree"});
  api->register_events = resolve<DeviceRegisterEventsFn>(h, {"nvmlDeviceRegisterEvents"});
  api->event_set_wait = resolve<EventSetWaitFn>(h, {"nvmlEventSetWait_v2", "nvmlEventSetWait"});

  if (!api->init || !api->device_count || !api->handle_by_index) {
    // Not NVML (or a stub): do not keep it mapped.
    dlclose(h);
    return core::error(library + " does not export nvmlInit, nvmlDeviceGetCount and " +
                       "nvmlDeviceGetHandleByIndex: not an NVML library");
  }
  return std::shared_ptr<const NvmlApi>(std::move(api));
}

}  // namespace sonde::gpu
