// libFuzzer target for the bcache value parsers (bch_hprint values, priority_stats,
// writeback_rate_debug). Seeds: node_exporter 1.5.0's fixture files and edge cases.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "collectors/bcache.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const auto v = sonde::collectors::bcache_dehumanize(text);
  const auto s = sonde::collectors::bcache_dehumanize_signed(text);
  if (!text.empty() && text.front() != '-' && v.has_value() != s.has_value()) __builtin_trap();
  if (text.empty() && (v || s)) __builtin_trap();  // procfs: "zero-length reply"
  (void)sonde::collectors::parse_bcache_priority_stats(text);
  (void)sonde::collectors::parse_bcache_writeback_rate_debug(text);
  return 0;
}
