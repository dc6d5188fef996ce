// libFuzzer target for parse_stat (the non-CPU lines of /proc/stat). Seeds: real captures.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "collectors/stat.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const auto stat = sonde::collectors::parse_stat(text);
  if (stat.has_softirq && !stat.softirq_seen) __builtin_trap();
  if (!stat.has_softirq && !stat.softirqs.empty()) __builtin_trap();
  if (stat.softirqs.size() > sonde::collectors::kSoftirqVectors.size()) __builtin_trap();
  return 0;
}
