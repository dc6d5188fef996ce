// libFuzzer target for parse_xfs_stats (/sys/fs/xfs/<device>/stats/stats). Seeds: node_exporter
// 1.5.0's fixture and the table tests' edge cases.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "collectors/xfs.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const auto r = sonde::collectors::parse_xfs_stats(text);
  if (!r && r.message().empty()) __builtin_trap();  // a failure says why
  return 0;
}
