// libFuzzer target for parse_mounts: any bytes give entries with four non-empty fields (device,
// type and options never hold blanks) and an error count, never a crash. Seeds: mounts/corpus/.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "collectors/filesystem.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const auto m = sonde::collectors::parse_mounts(text);
  for (const auto& e : m.entries) {
    if (e.device.empty() || e.mount_point.empty() || e.fs_type.empty() || e.options.empty() ||
        e.fs_type.find_first_of(" \t\n") != std::string::npos) {
      __builtin_trap();
    }
  }
  return 0;
}
