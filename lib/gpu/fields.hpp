// The per-GPU fields sonde reads through NVML, each with dcgm-exporter's family name, type and
// help text (the table is in fields.cpp).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "core/metrics.hpp"

namespace sonde::gpu {

/// Per-GPU fields in dcgm-exporter's names (the table kFields in fields.cpp).
enum class Field : std::uint8_t {
  sm_clock,
  mem_clock,
  memory_temp,
  gpu_temp,
  power_usage,
  total_energy,
  pcie_replay,
  gpu_util,
  mem_copy_util,
  enc_util,
  dec_util,
  xid_errors,
  fb_free,
  fb_used,
  fb_reserved,
  uncorrectable_remapped_rows,
  correctable_remapped_rows,
  row_remap_failure,
  clocks_event_reasons,
  ecc_sbe_vol_total,
  ecc_dbe_vol_total,
  power_mgmt_limit,
  fan_speed,
  pcie_tx_bytes,
  pcie_rx_bytes,
  count_
};
inline constexpr std::size_t kFieldCount = static_cast<std::size_t>(Field::count_);

/// Name, type and help of a field's family.
struct FieldInfo {
  std::string_view name;
  core::MetricType type;
  std::string_view help;
};
const FieldInfo& field_info(Field f);

}  // namespace sonde::gpu
