// nvml::return_name, shared by sonde_gpu and the fake NVML libraries in tests/fake_nvml.
#include "gpu/nvml_api.hpp"

namespace sonde::gpu {

namespace nvml {

const char* return_name(Return r) {
  switch (r) {
    case kSuccess:
      return "success";
    case kErrorUninitialized:
      return "uninitialized";
    case kErrorInvalidArgument:
      return "invalid_argument";
    case kErrorNotSupported:
      return "not_supported";
    case kErrorNoPermission:
      return "no_permission";
    case kErrorAlreadyInitialized:
      return "already_initialized";
    case kErrorNotFound:
      return "not_found";
    case kErrorInsufficientSize:
      return "insufficient_size";
    case kErrorInsufficientPower:
      return "insufficient_power";
    case kErrorDriverNotLoaded:
      return "driver_not_loaded";
    case kErrorTimeout:
      return "timeout";
    case kErrorIrqIssue:
      return "irq_issue";
    case kErrorLibraryNotFound:
      return "library_not_found";
    case kErrorFunctionNotFound:
      return "function_not_found";
    case kErrorCorruptedInforom:
      return "corrupted_inforom";
    case kErrorGpuIsLost:
      return "gpu_is_lost";
    case kErrorResetRequired:
      return "reset_required";
    case kErrorOperatingSystem:
      return "operating_system";
    case kErrorLibRmVersionMismatch:
      return "lib_rm_version_mismatch";
    case kErrorInUse:
      return "in_use";
    case kErrorMemory:
      return "memory";
    case kErrorNoData:
      return "no_data";
    case kErrorUnknown:
      return "unknown";
    default:
      return "other";
  }
}

}  // namespace nvml

}  // namespace sonde::gpu
