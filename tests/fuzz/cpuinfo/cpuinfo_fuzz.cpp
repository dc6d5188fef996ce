// libFuzzer target for parse_cpuinfo and publish_cpuinfo (/proc/cpuinfo). Seeds: node_exporter
// 1.5.0's fixture, a Debian 12 host and edge cases of the table tests.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "collectors/cpuinfo.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const auto r = sonde::collectors::parse_cpuinfo(text);
  if (!r && r.message().empty()) __builtin_trap();  // a failure says why
  if (r) {
    static const auto all = sonde::core::Regex::compile(".", sonde::core::Regex::Anchor::none);
    sonde::core::SnapshotBuilder sink;  // a real sink: its checks run too
    sonde::collectors::publish_cpuinfo(sink, *r, &*all, &*all);
  }
  return 0;
}
