// libFuzzer target for parse_nfsd (/proc/net/rpc/nfsd). Seeds: node_exporter 1.5.0's fixture
// and edge cases of the table tests.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "collectors/nfsd.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const auto r = sonde::collectors::parse_nfsd(text);
  if (!r && r.message().empty()) __builtin_trap();  // a failure says why
  return 0;
}
