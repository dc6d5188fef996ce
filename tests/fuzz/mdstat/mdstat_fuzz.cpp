// libFuzzer target for parse_mdstat (/proc/mdstat). Seeds: node_exporter 1.5.0's fixture and
// edge cases of the table tests.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "collectors/mdadm.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const auto r = sonde::collectors::parse_mdstat(text);
  if (!r && r.message().empty()) __builtin_trap();  // a failure says why
  if (r) {
    for (const auto& d : *r) {
      if (d.name.empty() || d.state.empty()) __builtin_trap();  // from a line's fields
    }
  }
  return 0;
}
