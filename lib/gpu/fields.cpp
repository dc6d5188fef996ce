#include "gpu/fields.hpp"

namespace sonde::gpu {

namespace {

using core::MetricType;
constexpr auto kGauge = MetricType::gauge;
constexpr auto kCounter = MetricType::counter;

// Names, types and help texts from dcgm-exporter's etc/default-counters.csv (the NVML-backed
// fields) and, for the extras operators commonly enable, the commented-out lines of that file
// and DCGM's field list (dcgm_fields.h). Units are dcgm-exporter's: MiB, W, mJ, MHz, C, %.
constexpr FieldInfo kFields[kFieldCount] = {
    {"DCGM_FI_DEV_SM_CLOCK", kGauge, "SM clock frequency (in MHz)."},
    {"DCGM_FI_DEV_MEM_CLOCK", kGauge, "Memory clock frequency (in MHz)."},
    {"DCGM_FI_DEV_MEMORY_TEMP", kGauge, "Memory temperature (in C)."},
    {"DCGM_FI_DEV_GPU_TEMP", kGauge, "GPU temperature (in C)."},
    {"DCGM_FI_DEV_POWER_USAGE", kGauge, "Power draw (in W)."},
    {"DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION", kCounter,
     "Total energy consumption since boot (in mJ)."},
    {"DCGM_FI_DEV_PCIE_REPLAY_COUNTER", kCounter, "Total number of PCIe retries."},
    {"DCGM_FI_DEV_GPU_UTIL", kGauge, "GPU utilization (in %)."},
    {"DCGM_FI_DEV_MEM_COPY_UTIL", kGauge, "Memory utilization (in %)."},
    {"DCGM_FI_DEV_ENC_UTIL", kGauge, "Encoder utilization (in %)."},
    {"DCGM_FI_DEV_DEC_UTIL", kGauge, "Decoder utilization (in %)."},
    {"DCGM_FI_DEV_XID_ERRORS", kGauge, "Value of the last XID error encountered."},
    {"DCGM_FI_DEV_FB_FREE", kGauge, "Framebuffer memory free (in MiB)."},
    {"DCGM_FI_DEV_FB_USED", kGauge, "Framebuffer memory used (in MiB)."},
    {"DCGM_FI_DEV_FB_RESERVED", kGauge, "Framebuffer memory reserved (in MiB)."},
    {"DCGM_FI_DEV_UNCORRECTABLE_REMAPPED_ROWS", kCounter,
     "Number of remapped rows for uncorrectable errors"},
    {"DCGM_FI_DEV_CORRECTABLE_REMAPPED_ROWS", kCounter,
     "Number of remapped rows for correctable errors"},
    {"DCGM_FI_DEV_ROW_REMAP_FAILURE", kGauge, "Whether remapping of rows has failed"},
    {"DCGM_FI_DEV_CLOCKS_EVENT_REASONS", kGauge,
     "Current clock event reasons (bitmask of DCGM_CLOCKS_EVENT_REASON_*)."},
    {"DCGM_FI_DEV_ECC_SBE_VOL_TOTAL", kCounter, "Total number of single-bit volatile ECC errors."},
    {"DCGM_FI_DEV_ECC_DBE_VOL_TOTAL", kCounter, "Total number of double-bit volatile ECC errors."},
    {"DCGM_FI_DEV_POWER_MGMT_LIMIT", kGauge, "Current power limit for the device (in W)."},
    {"DCGM_FI_DEV_FAN_SPEED", kGauge, "Fan speed for the device in percent 0-100."},
    {"DCGM_FI_PROF_PCIE_TX_BYTES", kGauge,
     "The rate of data transmitted over the PCIe bus - including both protocol headers and data "
     "payloads - in bytes per second."},
    {"DCGM_FI_PROF_PCIE_RX_BYTES", kGauge,
     "The rate of data received over the PCIe bus - including both protocol headers and data "
     "payloads - in bytes per second."},
};

}  // namespace

const FieldInfo& field_info(Field f) { return kFields[static_cast<std::size_t>(f)]; }

}  // namespace sonde::gpu
