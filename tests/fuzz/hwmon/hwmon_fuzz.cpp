// libFuzzer target for the hwmon parser: "file=text" lines (sysfs_records.hpp) as one chip's
// sensor files, through explode_sensor_filename and publish_hwmon. Every family must get a valid
// metric name (node_hwmon_ + a known type + cleaned property), never a crash. Seeds: sensor
// files of node_exporter 1.5.0's fixture chips and edge cases of the table tests.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "../sysfs_records.hpp"
#include "collectors/hwmon.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  namespace c = sonde::collectors;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  c::HwmonChip chip;
  chip.chip = "platform_fuzz";
  chip.chip_name = c::clean_metric_name(text.substr(0, 16));
  for (auto& [file, value] : sonde::fuzz::sysfs_records(text)) {
    const c::SensorName s = c::explode_sensor_filename(file);
    if (s.ok && (s.type.empty() || s.num < 0)) __builtin_trap();
    chip.files.emplace_back(std::move(file), std::move(value));
  }
  sonde::core::SnapshotBuilder b;
  c::publish_hwmon(chip, b);
  const auto snap = b.take();
  sonde::fuzz::check_families(snap);
  for (const auto& f : snap.families) {
    if (f.name.rfind("node_hwmon_", 0) != 0) __builtin_trap();
  }
  return 0;
}
