// libFuzzer target for parse_vmstat (/proc/vmstat). Seeds: real captures and node_exporter's.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "collectors/vmstat.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const auto vm = sonde::collectors::parse_vmstat(text);
  for (const auto& f : vm.fields) {
    // Names point into the input.
    if (f.name.empty() || f.name.data() < text.data() ||
        f.name.data() + f.name.size() > text.data() + text.size()) {
      __builtin_trap();
    }
  }
  return 0;
}
