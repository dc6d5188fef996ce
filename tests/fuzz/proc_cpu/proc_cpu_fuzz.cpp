// libFuzzer target for parse_cpu (the cpuN lines of /proc/stat): any bytes give a CpuStat, never
// a crash, and each parsed line keeps the parser's promises. Seeds: real /proc/stat captures.
#include <cstddef>
#include <cstdint>
#include <set>
#include <string_view>

#include "collectors/cpu.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const auto stat = sonde::collectors::parse_cpu(text);
  std::set<std::uint32_t> seen;
  for (const auto& c : stat.cpus) {
    if (c.fields == 0 || c.fields > sonde::collectors::kCpuFieldCount) __builtin_trap();
    if (!seen.insert(c.cpu).second) __builtin_trap();  // duplicates are skipped, not kept
  }
  return 0;
}
