// libFuzzer target for publish_timex: arbitrary bytes as adjtimex's return value and the
// structure it filled (the conversion must accept any field values). Seeds: a reading from this
// Debian 12 host and the unit test's.
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>

#include "collectors/timex.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  int state = 0;
  struct timex tx {};
  if (size < sizeof state) return 0;
  std::memcpy(&state, data, sizeof state);
  std::memcpy(&tx, data + sizeof state, std::min(size - sizeof state, sizeof tx));
  sonde::core::SnapshotBuilder sink;
  sonde::collectors::publish_timex(state, tx, sink);
  const auto snapshot = sink.take();
  for (const auto& family : snapshot.families) {
    for (const auto& sample : family.samples) {
      if (!std::isfinite(sample.value)) __builtin_trap();  // integers scaled: always finite
    }
  }
  return 0;
}
