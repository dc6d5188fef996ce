// libFuzzer target for the router's query-string decoder (http::parse_query): any target gives
// parameters, never a crash; the parameters, percent-encoded again, decode to the same list.
// Seeds: tests/fuzz/http_query/corpus/.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "http/router.hpp"

namespace {

void encode(std::string& out, std::string_view s) {
  static const char* kHex = "0123456789ABCDEF";
  for (const char c : s) {
    const auto u = static_cast<unsigned char>(c);
    out += '%';
    out += kHex[u >> 4];
    out += kHex[u & 15];
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace sonde::http;
  const std::string_view target(reinterpret_cast<const char*>(data), size);
  const QueryParams params = parse_query(target);
  std::string again = "/?";
  for (const auto& [k, v] : params) {
    encode(again, k);
    again += '=';
    encode(again, v);
    again += '&';
  }
  if (parse_query(again) != params) __builtin_trap();
  if (!params.empty() && query_value(params, params.front().first) != params.front().second) {
    __builtin_trap();
  }
  return 0;
}
