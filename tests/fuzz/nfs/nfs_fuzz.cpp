// libFuzzer target for parse_nfs_client (/proc/net/rpc/nfs). Seeds: node_exporter 1.5.0's
// fixture and edge cases of the table tests.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "collectors/nfs.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const auto r = sonde::collectors::parse_nfs_client(text);
  if (!r && r.message().empty()) __builtin_trap();  // a failure says why
  return 0;
}
