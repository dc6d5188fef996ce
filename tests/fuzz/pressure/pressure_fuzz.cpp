// libFuzzer target for parse_pressure: any bytes give totals (with a "some" total) or an error,
// never a crash. Seeds: pressure/corpus/.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "collectors/pressure.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  std::size_t errors = 0;
  const auto p = sonde::collectors::parse_pressure(text, &errors);
  if (p.ok() && !p->some.has_value()) __builtin_trap();
  if (!p.ok() && p.message().empty()) __builtin_trap();
  return 0;
}
