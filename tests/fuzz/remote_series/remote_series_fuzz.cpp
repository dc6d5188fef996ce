// libFuzzer target for remote write's parsers: remote::parse_series_text (series text back into
// labels) and remote::parse_retry_after (a receiver's header). Any bytes give labels or nothing,
// never a crash; parsed labels render back (core::render_series) to text that parses to the same
// labels; the encoded WriteRequest survives snappy. Seeds: tests/fuzz/remote_series/corpus/.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/metrics.hpp"
#include "remote/labels.hpp"
#include "remote/queue.hpp"
#include "remote/write_request.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  (void)sonde::remote::parse_retry_after(text, 1'700'000'000);
  const auto labels = sonde::remote::parse_series_text(text);
  if (!labels) return 0;
  const auto name = labels->find("__name__");
  if (name == labels->end() || name->second.empty()) __builtin_trap();
  std::vector<sonde::core::Label> rest;
  for (const auto& [k, v] : *labels) {
    if (k != "__name__") rest.push_back({k, v});
  }
  const auto again =
      sonde::remote::parse_series_text(sonde::core::render_series(name->second, rest));
  if (!again || *again != *labels) __builtin_trap();
  const sonde::remote::Labels sorted(labels->begin(), labels->end());
  const sonde::remote::SamplePoint points[] = {{1, 2.5}};
  const sonde::remote::SeriesView series[] = {{&sorted, points}};
  std::string encoded, compressed, back;
  sonde::remote::encode_write_request(series, {}, encoded);
  sonde::remote::snappy_compress(encoded, compressed);
  if (!sonde::remote::snappy_uncompress(compressed, back) || back != encoded) __builtin_trap();
  return 0;
}
