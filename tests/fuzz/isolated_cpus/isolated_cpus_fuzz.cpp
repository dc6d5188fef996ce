// libFuzzer target for parse_isolated_cpus (the isolcpus list of /sys/devices/system/cpu/
// isolated): any bytes give a sorted list without repeats, or nothing. Seeds: the fixture's list
// and the table tests' edge cases.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "collectors/cpu_sysfs.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const auto cpus = sonde::collectors::parse_isolated_cpus(text);
  if (!cpus) return 0;
  for (std::size_t i = 1; i < cpus->size(); ++i) {
    if ((*cpus)[i - 1] >= (*cpus)[i]) __builtin_trap();
  }
  return 0;
}
