// libFuzzer target for the ipvs parsers: each input is fed to parse_ipvs_backends
// (/proc/net/ip_vs) and parse_ipvs_stats (/proc/net/ip_vs_stats). Seeds: node_exporter 1.5.0's
// fixtures and edge cases of the table tests.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "collectors/ipvs.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const auto backends = sonde::collectors::parse_ipvs_backends(text);
  if (!backends && backends.message().empty()) __builtin_trap();  // a failure says why
  if (backends) {
    for (const auto& b : *backends) {
      if (b.remote_address.empty()) __builtin_trap();  // every backend line has an address
    }
  }
  const auto stats = sonde::collectors::parse_ipvs_stats(text);
  if (!stats && stats.message().empty()) __builtin_trap();
  return 0;
}
