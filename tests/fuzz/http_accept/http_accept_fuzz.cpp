// libFuzzer target for /metrics content negotiation: any Accept or Accept-Encoding value gives
// a format and a yes/no, never a crash. Seeds: real headers (Prometheus 2.40 and 2.42, curl,
// browsers).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "http/negotiate.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const auto format = sonde::http::negotiate_format(text);
  if (sonde::http::content_type(format).empty()) __builtin_trap();
  (void)sonde::http::accepts_gzip(text);
  return 0;
}
