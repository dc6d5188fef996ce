// libFuzzer target for parse_diskstats: any bytes give devices (each with 11..17 fields and a
// non-empty, unique name) and an error count, never a crash. Seeds: diskstats/corpus/.
#include <cstddef>
#include <cstdint>
#include <set>
#include <string_view>

#include "collectors/diskstats.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const auto d = sonde::collectors::parse_diskstats(text);
  std::set<std::string_view> names;
  for (const auto& dev : d.devices) {
    if (dev.name.empty() || dev.count < 11 || dev.count > sonde::collectors::kDiskstatsMaxFields ||
        !names.insert(dev.name).second) {
      __builtin_trap();
    }
  }
  return 0;
}
