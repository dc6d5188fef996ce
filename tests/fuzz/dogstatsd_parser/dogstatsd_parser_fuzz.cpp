// libFuzzer target for the DogStatsD parser and the aggregator's slow path: any bytes must parse
// (ok or an error) with every view inside the input, and feeding them to an aggregator must
// never crash, hang, throw or exceed its series limit. Seeds: corpus/ (lines from the unit tests
// and tests/fixtures/dogstatsd).
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string_view>

#include "core/clock.hpp"
#include "ingest/aggregator.hpp"
#include "ingest/dogstatsd.hpp"

namespace {

bool inside(std::string_view part, std::string_view whole) {
  return part.empty() ||
         (part.data() >= whole.data() && part.data() + part.size() <= whole.data() + whole.size());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace sonde::ingest;
  static sonde::core::FakeClock clock;
  static Aggregator* agg = [] {
    sonde::ingest::IngestOptions o;
    o.max_series = 500;
    o.max_series_per_metric = 100;
    o.max_set_values = 50;
    o.summary_max_samples = 100;
    o.ttl = std::chrono::seconds(10);
    return new Aggregator(o, nullptr, clock);
  }();
  static Worker& worker = agg->worker("fuzz");

  const std::string_view payload(reinterpret_cast<const char*>(data), size);
  for_each_line(payload, [&](std::string_view line) {
    ParsedLine p;
    if (parse_line(line, ParseLimits{}, p) != ParseError::ok) return;
    const auto& m = p.metric;
    if (p.kind == LineKind::metric) {
      if (m.name.empty() || !inside(m.name, line) || !inside(m.values, line) ||
          !inside(m.tags, line) || !(m.sample_rate > 0 && m.sample_rate <= 1)) {
        __builtin_trap();
      }
      for_each_value(m.values, [&](std::string_view v) {
        if (m.kind != MetricKind::set && !parse_number(v)) __builtin_trap();
      });
    } else if (p.kind == LineKind::event) {
      if (!inside(p.event.title, line) || !inside(p.event.text, line)) __builtin_trap();
    } else if (p.check.status < 0 || p.check.status > 3 || !inside(p.check.name, line)) {
      __builtin_trap();
    }
  });
  agg->ingest(worker, payload);
  clock.advance(std::chrono::seconds(1));
  // Scrapes (which also expire series) every few inputs: often enough to interleave with
  // registration, rarely enough to keep the fuzzer fast.
  static unsigned runs = 0;
  if (++runs % 16 == 0) {
    sonde::core::SnapshotBuilder b;
    agg->collect(b);
  }
  if (agg->series_count() > 500) __builtin_trap();
  return 0;
}
