// libFuzzer target for parse_loadavg (/proc/loadavg). Seeds: real captures.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "collectors/loadavg.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const auto load = sonde::collectors::parse_loadavg(text);
  if (!load && load.message().empty()) __builtin_trap();  // a failure says why
  return 0;
}
