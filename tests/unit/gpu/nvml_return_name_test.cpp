// nvml::return_name: the reason label of a failed NVML call, for every return code.
#include <catch2/catch.hpp>
#include <string>

#include "gpu/nvml_api.hpp"

namespace nvml = sonde::gpu::nvml;

TEST_CASE("return_name names every NVML return code", "[gpu][nvml]") {
  const struct {
    nvml::Return code;
    const char* name;
  } cases[] = {
      {nvml::kSuccess, "success"},
      {nvml::kErrorUninitialized, "uninitialized"},
      {nvml::kErrorInvalidArgument, "invalid_argument"},
      {nvml::kErrorNotSupported, "not_supported"},
      {nvml::kErrorNoPermission, "no_permission"},
      {nvml::kErrorAlreadyInitialized, "already_initialized"},
      {nvml::kErrorNotFound, "not_found"},
      {nvml::kErrorInsufficientSize, "insufficient_size"},
      {nvml::kErrorInsufficientPower, "insufficient_power"},
      {nvml::kErrorDriverNotLoaded, "driver_not_loaded"},
      {nvml::kErrorTimeout, "timeout"},
      {nvml::kErrorIrqIssue, "irq_issue"},
      {nvml::kErrorLibraryNotFound, "library_not_found"},
      {nvml::kErrorFunctionNotFound, "function_not_found"},
      {nvml::kErrorCorruptedInforom, "corrupted_inforom"},
      {nvml::kErrorGpuIsLost, "gpu_is_lost"},
      {nvml::kErrorResetRequired, "reset_required"},
      {nvml::kErrorOperatingSystem, "operating_system"},
      {nvml::kErrorLibRmVersionMismatch, "lib_rm_version_mismatch"},
      {nvml::kErrorInUse, "in_use"},
      {nvml::kErrorMemory, "memory"},
      {nvml::kErrorNoData, "no_data"},
      {nvml::kErrorUnknown, "unknown"},
  };
  for (const auto& c : cases) {
    INFO(c.code);
    CHECK(std::string(nvml::return_name(c.code)) == c.name);
  }
}

TEST_CASE("return_name calls codes it does not know \"other\"", "[gpu][nvml]") {
  // 22..998 are codes of newer drivers (22 is vGPU ECC, 26 is GPU not found, ...).
  for (const nvml::Return code : {22, 23, 26, 998, 1000, -1}) {
    INFO(code);
    CHECK(std::string(nvml::return_name(static_cast<nvml::Return>(code))) == "other");
  }
}
