// libFuzzer target for parse_udev_properties (udev database files): any bytes give a map whose
// keys and values hold no newline, never a crash. Seeds: udev_properties/corpus/.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "collectors/diskstats.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const auto props = sonde::collectors::parse_udev_properties(text);
  for (const auto& [key, value] : props) {
    if (key.find('\n') != std::string::npos || value.find('\n') != std::string::npos ||
        key.find('=') != std::string::npos) {
      __builtin_trap();
    }
  }
  return 0;
}
