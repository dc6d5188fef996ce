// libFuzzer target for the self collector's parsers: /proc/self/stat (comm may hold spaces and
// parentheses) and /proc/self/limits. Each input goes through both. Seeds: fixture and live
// copies of both files.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "collectors/self.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const auto stat = sonde::collectors::parse_proc_pid_stat(text);
  if (stat && stat->comm.size() > text.size()) __builtin_trap();
  if (!stat && stat.message().empty()) __builtin_trap();
  (void)sonde::collectors::parse_max_open_files(text);
  (void)sonde::collectors::parse_soft_limit(text, "Max address space");
  return 0;
}
