// The subset of NVIDIA's NVML C API that sonde uses: types, constants and function pointer types,
// declared here so that sonde builds without NVIDIA's header and loads libnvidia-ml at run time
// (nvml_loader.cpp). Never link -lnvidia-ml.
//
// Source of every declaration below, unless a line says otherwise: NVIDIA's nvml.h as shipped in
// cuda-nvml-dev 12.2.140 (NVML_API_VERSION 12), the copy kept in NVIDIA/go-nvml at
// pkg/nvml/nvml.h ("NVML VERSION: 12.2.140"), and the NVML API reference
// (docs.nvidia.com/deploy/nvml-api). Units are as that header documents them; the conversions
// to dcgm-exporter's units happen in gpu_collector.cpp, never here.
//
// Layouts matter: NVML writes into these structs. tests/fake_nvml/ serves the same structs and
// static_asserts below pin the sizes that x86-64 and aarch64 Linux give them.
#pragma once

#include <cstddef>
#include <cstdint>

namespace sonde::gpu::nvml {

extern "C" {

/// nvml.h: `typedef enum nvmlReturn_enum {...} nvmlReturn_t;` (a C enum: int-sized).
using Return = int;
/// nvml.h: `typedef struct nvmlDevice_st* nvmlDevice_t;` (go-nvml wraps it in a struct for cgo;
/// the ABI is one pointer either way).
using Device = struct nvmlDevice_st*;
/// nvml.h: `typedef struct nvmlEventSet_st* nvmlEventSet_t;`
using EventSet = struct nvmlEventSet_st*;

// nvmlReturn_t values (nvml.h, enum nvmlReturn_enum).
inline constexpr Return kSuccess = 0;
inline constexpr Return kErrorUninitialized = 1;
inline constexpr Return kErrorInvalidArgument = 2;
inline constexpr Return kErrorNotSupported = 3;
inline constexpr Return kErrorNoPermission = 4;
inline constexpr Return kErrorAlreadyInitialized = 5;
inline constexpr Return kErrorNotFound = 6;
inline constexpr Return kErrorInsufficientSize = 7;
inline constexpr Return kErrorInsufficientPower = 8;
inline constexpr Return kErrorDriverNotLoaded = 9;
inline constexpr Return kErrorTimeout = 10;
inline constexpr Return kErrorIrqIssue = 11;
inline constexpr Return kErrorLibraryNotFound = 12;
inline constexpr Return kErrorFunctionNotFound = 13;
inline constexpr Return kErrorCorruptedInforom = 14;
inline constexpr Return kErrorGpuIsLost = 15;
inline constexpr Return kErrorResetRequired = 16;
inline constexpr Return kErrorOperatingSystem = 17;
inline constexpr Return kErrorLibRmVersionMismatch = 18;
inline constexpr Return kErrorInUse = 19;
inline constexpr Return kErrorMemory = 20;
inline constexpr Return kErrorNoData = 21;
inline constexpr Return kErrorUnknown = 999;

// Buffer sizes (nvml.h: NVML_DEVICE_NAME_V2_BUFFER_SIZE 96, NVML_DEVICE_UUID_V2_BUFFER_SIZE 96,
// NVML_SYSTEM_DRIVER_VERSION_BUFFER_SIZE 80, NVML_SYSTEM_NVML_VERSION_BUFFER_SIZE 80,
// NVML_DEVICE_PCI_BUS_ID_BUFFER_SIZE 32, NVML_DEVICE_PCI_BUS_ID_BUFFER_V2_SIZE 16).
inline constexpr unsigned kNameBufferSize = 96;
inline constexpr unsigned kUuidBufferSize = 96;
inline constexpr unsigned kSystemVersionBufferSize = 80;
inline constexpr unsigned kPciBusIdBufferSize = 32;
inline constexpr unsigned kPciBusIdLegacyBufferSize = 16;

/// nvml.h `nvmlPciInfo_t` (the layout nvmlDeviceGetPciInfo_v3 fills).
struct PciInfo {
  char busIdLegacy[kPciBusIdLegacyBufferSize];  // "%04X:%02X:%02X.0"
  unsigned int domain;
  unsigned int bus;
  unsigned int device;
  unsigned int pciDeviceId;
  unsigned int pciSubSystemId;
  char busId[kPciBusIdBufferSize];  // "%08X:%02X:%02X.0", the form dcgm-exporter labels with
};

/// nvml.h `nvmlUtilization_t`: percent over the driver's sample period.
struct Utilization {
  unsigned int gpu;
  unsigned int memory;
};

/// nvml.h `nvmlMemory_t` (v1, nvmlDeviceGetMemoryInfo): bytes. used includes reserved.
struct Memory {
  unsigned long long total;
  unsigned long long free;
  unsigned long long used;
};

/// nvml.h `nvmlMemory_v2_t` (nvmlDeviceGetMemoryInfo_v2): bytes. `version` must be set to
/// nvmlMemory_v2 = NVML_STRUCT_VERSION(Memory, 2) = sizeof(nvmlMemory_v2_t) | (2 << 24).
struct MemoryV2 {
  unsigned int version;
  unsigned long long total;
  unsigned long long reserved;
  unsigned long long free;
  unsigned long long used;
};
inline constexpr unsigned int kMemoryV2Version =
    static_cast<unsigned int>(sizeof(MemoryV2)) | (2u << 24);

/// nvml.h `nvmlProcessInfo_v1_t`: what the unversioned nvmlDeviceGet{Compute,Graphics}
/// RunningProcesses fill. usedGpuMemory in bytes, or NVML_VALUE_NOT_AVAILABLE (all ones).
struct ProcessInfoV1 {
  unsigned int pid;
  unsigned long long usedGpuMemory;
};

/// nvml.h `nvmlProcessInfo_v2_t` == `nvmlProcessInfo_t`: what both the _v2 and the _v3 symbols
/// fill (in 12.2's header `typedef struct nvmlProcessInfo_v2_st {...} nvmlProcessInfo_v2_t,
/// nvmlProcessInfo_t;`, and _v3 takes nvmlProcessInfo_t*). gpuInstanceId/computeInstanceId
/// are 0xFFFFFFFF when MIG is off.
struct ProcessInfoV2 {
  unsigned int pid;
  unsigned long long usedGpuMemory;
  unsigned int gpuInstanceId;
  unsigned int computeInstanceId;
};
/// nvml.h: `#define NVML_VALUE_NOT_AVAILABLE (-1)`, stored in an unsigned long long.
inline constexpr unsigned long long kValueNotAvailable = ~0ULL;

/// nvml.h `nvmlDeviceAttributes_t` (nvmlDeviceGetAttributes_v2; on a MIG device handle it
/// describes the instance).
struct DeviceAttributes {
  unsigned int multiprocessorCount;
  unsigned int sharedCopyEngineCount;
  unsigned int sharedDecoderCount;
  unsigned int sharedEncoderCount;
  unsigned int sharedJpegCount;
  unsigned int sharedOfaCount;
  unsigned int gpuInstanceSliceCount;
  unsigned int computeInstanceSliceCount;
  unsigned long long memorySizeMB;  // MiB
};

/// nvml.h `nvmlEventData_t`. 11.x+ headers add gpuInstanceId/computeInstanceId after
/// eventData; older drivers write only the first three fields, which this layout also holds.
struct EventData {
  Device device;
  unsigned long long eventType;
  unsigned long long eventData;  // the XID for nvmlEventTypeXidCriticalError (999: unknown)
  unsigned int gpuInstanceId;
  unsigned int computeInstanceId;
};
/// nvml.h: `#define nvmlEventTypeXidCriticalError 0x0000000000000008LL`
inline constexpr unsigned long long kEventTypeXidCriticalError = 0x0000000000000008ULL;

/// nvml.h `nvmlValue_t` (union; 8 bytes).
union Value {
  double dVal;
  unsigned int uiVal;
  unsigned long ulVal;
  unsigned long long ullVal;
  signed long long sllVal;
  signed int siVal;  // added after 12.2 (NVML_VALUE_TYPE_SIGNED_INT = 5); size unchanged
};
/// nvml.h `nvmlValueType_t`.
inline constexpr int kValueTypeDouble = 0;
inline constexpr int kValueTypeUnsignedInt = 1;
inline constexpr int kValueTypeUnsignedLong = 2;
inline constexpr int kValueTypeUnsignedLongLong = 3;
inline constexpr int kValueTypeSignedLongLong = 4;
inline constexpr int kValueTypeSignedInt = 5;

/// nvml.h `nvmlFieldValue_t` (nvmlDeviceGetFieldValues). The second member is `scopeId` in
/// 12.x headers (`unused` in older ones); the caller sets it to 0.
struct FieldValue {
  unsigned int fieldId;
  unsigned int scopeId;
  long long timestamp;  // usec since 1970
  long long latencyUsec;
  int valueType;      // nvmlValueType_t
  Return nvmlReturn;  // per-field result: value is undefined unless kSuccess
  Value value;
};
/// nvml.h: `#define NVML_FI_DEV_MEMORY_TEMP 82` (memory temperature, degrees C).
inline constexpr unsigned int kFieldMemoryTemp = 82;

// Enums passed by value (nvml.h).
inline constexpr int kTemperatureGpu = 0;          // nvmlTemperatureSensors_t NVML_TEMPERATURE_GPU
inline constexpr int kClockGraphics = 0;           // nvmlClockType_t NVML_CLOCK_GRAPHICS
inline constexpr int kClockSm = 1;                 // NVML_CLOCK_SM
inline constexpr int kClockMem = 2;                // NVML_CLOCK_MEM
inline constexpr int kPcieUtilTxBytes = 0;         // nvmlPcieUtilCounter_t, "1KB granularity"
inline constexpr int kPcieUtilRxBytes = 1;         // NVML_PCIE_UTIL_RX_BYTES
inline constexpr int kMemoryErrorCorrected = 0;    // nvmlMemoryErrorType_t (single-bit ECC)
inline constexpr int kMemoryErrorUncorrected = 1;  // (double-bit ECC)
inline constexpr int kVolatileEcc = 0;             // nvmlEccCounterType_t NVML_VOLATILE_ECC
inline constexpr unsigned int kDeviceMigEnable = 1;  // NVML_DEVICE_MIG_ENABLE

// Function pointer types, one per symbol resolved (signatures from nvml.h 12.2).
using InitFn = Return (*)();                                // nvmlInit_v2, nvmlInit
using ShutdownFn = Return (*)();                            // nvmlShutdown
using ErrorStringFn = const char* (*)(Return);              // nvmlErrorString
using SystemGetStringFn = Return (*)(char*, unsigned int);  // nvmlSystemGetDriverVersion,
                                                            // nvmlSystemGetNVMLVersion
using SystemGetCudaDriverVersionFn = Return (*)(int*);      // nvmlSystemGetCudaDriverVersion[_v2]
using DeviceGetCountFn = Return (*)(unsigned int*);         // nvmlDeviceGetCount_v2, ...Count
using DeviceGetHandleByIndexFn = Return (*)(unsigned int, Device*);  // ..._v2, unversioned
using DeviceGetStringFn = Return (*)(Device, char*, unsigned int);   // nvmlDeviceGetName, ...UUID
using DeviceGetPciInfoFn = Return (*)(Device, PciInfo*);             // nvmlDeviceGetPciInfo_v3
using DeviceGetUtilizationRatesFn = Return (*)(Device, Utilization*);
// nvmlDeviceGetEncoderUtilization / nvmlDeviceGetDecoderUtilization(device, utilization %,
// samplingPeriodUs)
using DeviceGetCodecUtilizationFn = Return (*)(Device, unsigned int*, unsigned int*);
using DeviceGetMemoryInfoFn = Return (*)(Device, Memory*);      // nvmlDeviceGetMemoryInfo
using DeviceGetMemoryInfoV2Fn = Return (*)(Device, MemoryV2*);  // nvmlDeviceGetMemoryInfo_v2
using DeviceGetTemperatureFn = Return (*)(Device, int, unsigned int*);  // degrees C
using DeviceGetFieldValuesFn = Return (*)(Device, int, FieldValue*);
// nvmlDeviceGetPowerUsage (mW), nvmlDeviceGetPowerManagementLimit (mW), nvmlDeviceGetFanSpeed
// (percent), nvmlDeviceGetPcieReplayCounter (count)
using DeviceGetUintFn = Return (*)(Device, unsigned int*);
// nvmlDeviceGetTotalEnergyConsumption (mJ since the driver was last reloaded),
// nvmlDeviceGetCurrentClocksEventReasons / ...ThrottleReasons (bitmask)
using DeviceGetUllFn = Return (*)(Device, unsigned long long*);
using DeviceGetClockInfoFn = Return (*)(Device, int, unsigned int*);       // MHz
using DeviceGetPcieThroughputFn = Return (*)(Device, int, unsigned int*);  // KB/s
// nvmlDeviceGetRemappedRows(device, corrRows, uncRows, isPending, failureOccurred)
using DeviceGetRemappedRowsFn = Return (*)(Device, unsigned int*, unsigned int*, unsigned int*,
                                           unsigned int*);
// nvmlDeviceGetTotalEccErrors(device, nvmlMemoryErrorType_t, nvmlEccCounterType_t, count)
using DeviceGetTotalEccErrorsFn = Return (*)(Device, int, int, unsigned long long*);
// nvmlDeviceGet{Compute,Graphics}RunningProcesses[_v2|_v3](device, infoCount, infos): the
// element type depends on the version (ProcessInfoV1 unversioned, ProcessInfoV2 for _v2/_v3).
using DeviceGetProcessesFn = Return (*)(Device, unsigned int*, void*);
using DeviceGetMigModeFn = Return (*)(Device, unsigned int*, unsigned int*);  // current, pending
using DeviceGetMigDeviceHandleByIndexFn = Return (*)(Device, unsigned int, Device*);
using DeviceGetAttributesFn = Return (*)(Device, DeviceAttributes*);  // nvmlDeviceGetAttributes_v2
using EventSetCreateFn = Return (*)(EventSet*);
using EventSetFreeFn = Return (*)(EventSet);
using DeviceRegisterEventsFn = Return (*)(Device, unsigned long long, EventSet);
// nvmlEventSetWait_v2(set, data, timeoutms); timeout 0 polls. Returns kErrorTimeout when empty.
using EventSetWaitFn = Return (*)(EventSet, EventData*, unsigned int);

}  // extern "C"

static_assert(sizeof(PciInfo) == 68);
static_assert(sizeof(Memory) == 24);
static_assert(sizeof(MemoryV2) == 40);
static_assert(kMemoryV2Version == (40u | (2u << 24)));
static_assert(sizeof(ProcessInfoV1) == 16);
static_assert(sizeof(ProcessInfoV2) == 24);
static_assert(sizeof(DeviceAttributes) == 40);
static_assert(sizeof(EventData) == 32);
static_assert(sizeof(Value) == 8);
static_assert(sizeof(FieldValue) == 40);
static_assert(offsetof(FieldValue, value) == 32);

/// Human-readable name of a return code, also used as the `reason` label of
/// sonde_gpu_errors_total ("gpu_is_lost", "timeout", ...).
const char* return_name(Return r);

}  // namespace sonde::gpu::nvml
