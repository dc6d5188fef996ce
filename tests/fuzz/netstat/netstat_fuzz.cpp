// libFuzzer target for the netstat parser. Seeds: node_exporter 1.5.0's fixture, a capture of a
// Debian 12 host (kernel 6.x) and edge cases of the table tests.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "collectors/netstat.hpp"
#include "collectors/text_fields.hpp"

namespace {

// The collector's later cycles read a value where the parser's index says it is in the shape:
// wherever the parser succeeds on a well-shaped text, that field holds the parser's value.
void check_indices(const sonde::collectors::NetstatShape& shape,
                   const std::vector<sonde::collectors::NetstatProtocol>& parsed) {
  for (const auto& p : parsed) {
    for (const auto& v : p.values) {
      if (v.index >= shape.values.size()) __builtin_trap();
      const auto again = sonde::collectors::text::parse_go_float(shape.values[v.index]);
      if (!again) __builtin_trap();
      if (!(*again == v.value || (std::isnan(*again) && std::isnan(v.value)))) __builtin_trap();
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  sonde::collectors::NetstatShape shape;
  {
    const auto r = sonde::collectors::parse_netstat(text);
    if (!r && r.message().empty()) __builtin_trap();  // a failure says why
    sonde::collectors::shape_netstat(text, shape);
    if (r && shape.ok) check_indices(shape, *r);
  }
  {
    const auto r = sonde::collectors::parse_snmp6(text);
    if (!r && r.message().empty()) __builtin_trap();  // a failure says why
    sonde::collectors::shape_snmp6(text, shape);
    if (r) check_indices(shape, *r);
  }
  return 0;
}
