// libFuzzer target for parse_text_format (textfile collector) and the merge of its families.
// Seeds: node_exporter 1.5.0's textfile fixtures and edge cases of the table tests.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "collectors/textfile.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto r = sonde::collectors::parse_text_format(text);
  if (!r && r.message().empty()) __builtin_trap();  // a failure says why
  if (r) {
    // The same families from two files exercise every merge rule.
    std::vector<sonde::collectors::TextfileInput> files{{"a.prom", *r}, {"b.prom", *r}};
    sonde::core::SnapshotBuilder sink;  // a real sink: its checks run too
    std::size_t dropped = 0;
    sonde::collectors::merge_textfiles(files, sink, dropped);
  }
  return 0;
}
