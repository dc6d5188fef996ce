// libFuzzer target for parse_meminfo (/proc/meminfo). Seeds: real captures and node_exporter's.
#include <cstddef>
#include <cstdint>
#include <set>
#include <string>
#include <string_view>

#include "collectors/meminfo.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const auto info = sonde::collectors::parse_meminfo(text);
  std::set<std::string> names;
  for (const auto& f : info.fields) {
    if (f.name.empty()) __builtin_trap();
    if (!names.insert(f.name).second) __builtin_trap();  // first occurrence only
  }
  return 0;
}
