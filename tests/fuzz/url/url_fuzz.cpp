// libFuzzer target for net::parse_url: any bytes give a Url or an error, never a crash. A parsed
// URL keeps its promises: a known scheme, a non-empty host, a path starting with '/', and its
// redacted form parses back to the same URL without userinfo. Seeds: tests/fuzz/url/corpus/.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "net/url.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const auto url = sonde::net::parse_url(text);
  if (!url) {
    if (url.message().empty()) __builtin_trap();
    return 0;
  }
  if ((url->scheme != "http" && url->scheme != "https") || url->host.empty() || url->port == 0 ||
      url->path.empty() || url->path.front() != '/') {
    __builtin_trap();
  }
  auto again = sonde::net::parse_url(url->redacted());
  if (!again) __builtin_trap();
  auto expected = *url;
  expected.username.clear();
  expected.password.clear();
  if (!(*again == expected)) __builtin_trap();
  return 0;
}
