// libFuzzer target for parse_netdev: any bytes give devices with non-empty, unique names and an
// error count, never a crash. Seeds: netdev/corpus/.
#include <cstddef>
#include <cstdint>
#include <set>
#include <string_view>

#include "collectors/netdev.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const auto n = sonde::collectors::parse_netdev(text);
  std::set<std::string_view> names;
  for (const auto& dev : n.devices) {
    if (dev.name.empty() || !names.insert(dev.name).second) __builtin_trap();
  }
  return 0;
}
