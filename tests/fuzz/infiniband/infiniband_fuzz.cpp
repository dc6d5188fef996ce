// libFuzzer target for the infiniband port parsers (state, phys_state and rate files). Seeds:
// node_exporter 1.5.0's fixture values and edge cases.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "collectors/infiniband.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const auto state = sonde::collectors::parse_infiniband_state(text);
  if (state && text.find(':') == std::string_view::npos) __builtin_trap();
  const auto rate = sonde::collectors::parse_infiniband_rate(text);
  if (rate && text.find(' ') == std::string_view::npos) __builtin_trap();
  return 0;
}
