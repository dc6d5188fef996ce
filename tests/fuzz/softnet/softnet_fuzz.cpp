// libFuzzer target for the softnet parser. Seeds: node_exporter 1.5.0's fixture, a capture of a
// Debian 12 host (kernel 6.x) and edge cases of the table tests.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "collectors/softnet.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const auto r = sonde::collectors::parse_softnet(text);
  if (!r && r.message().empty()) __builtin_trap();  // a failure says why
  return 0;
}
