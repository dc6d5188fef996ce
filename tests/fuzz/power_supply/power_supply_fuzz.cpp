// libFuzzer target for parse_power_supply and publish_power_supply: "file=text" lines
// (sysfs_records.hpp) as one supply's attribute files. Seeds: BAT0 and AC of node_exporter
// 1.5.0's fixture.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "../sysfs_records.hpp"
#include "collectors/powersupplyclass.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  namespace c = sonde::collectors;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const auto records = sonde::fuzz::sysfs_records(text);
  const c::PowerSupply ps = c::parse_power_supply("BAT0", records);
  if (ps.info.empty() || ps.info.front().first != "power_supply") __builtin_trap();
  if (ps.gauges.size() + ps.errors > records.size()) __builtin_trap();
  sonde::core::SnapshotBuilder b;
  c::publish_power_supply(ps, b);
  sonde::fuzz::check_families(b.take());
  return 0;
}
