// libFuzzer target for parse_os_release (go-envparse's grammar) and os_version_number: any bytes
// give a map of non-empty values under valid keys, or an error that names its line. Seeds:
// Debian's and node_exporter 1.5.0's os-release and the quoting cases of the table tests.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "collectors/os_release.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  namespace c = sonde::collectors;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const auto env = c::parse_os_release(text);
  if (!env) {
    if (env.message().rfind("error on line ", 0) != 0) __builtin_trap();
    return 0;
  }
  for (const auto& [k, v] : *env) {
    if (k.empty() || v.empty()) __builtin_trap();
    if (k.find('=') != std::string::npos || k.find(' ') != std::string::npos) __builtin_trap();
  }
  if (c::os_version_number(text) < 0) __builtin_trap();
  return 0;
}
