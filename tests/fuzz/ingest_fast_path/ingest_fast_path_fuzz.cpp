// libFuzzer target for the aggregator's fast path (Aggregator::fast_line): the input is fed
// twice (so that its lines' keys are cached the second time) to an aggregator as sonde runs it
// and to one with the fast path off, with and without origin detection; every scrape of the
// two must be the same, counters included. Seeds: corpus/ (lines that differ around their value,
// rate, tags and fields).
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "core/clock.hpp"
#include "core/exposition.hpp"
#include "ingest/aggregator.hpp"
#include "ingest/origin.hpp"

namespace {

using namespace sonde;
using namespace sonde::ingest;

/// One collect(), as the text exposition.
std::string exposition(Aggregator& a) {
  core::SnapshotBuilder b;
  a.collect(b);
  const core::SnapshotPtr snapshot = std::make_shared<const core::Snapshot>(b.take());
  std::string out;
  core::write_text(std::span(&snapshot, 1), out);
  return out;
}

struct Pair {
  Pair(bool origin_detection, core::FakeClock& clock)
      : fast(options(origin_detection), nullptr, clock),
        full(options(origin_detection), nullptr, clock),
        wf(fast.worker("fuzz")),
        wp(full.worker("fuzz")) {
    full.set_fast_path(false);
  }
  static IngestOptions options(bool origin_detection) {
    IngestOptions o;
    // Small limits, so that inputs reach them (and a cache cleared when full).
    o.max_series = 200;
    o.max_series_per_metric = 50;
    o.max_line_bytes = 512;
    o.max_tags = 8;
    o.ttl = std::chrono::seconds(3);
    o.origin_detection = origin_detection;
    return o;
  }
  void send(std::string_view payload, const Origin* origin) {
    fast.ingest(wf, payload, origin);
    full.ingest(wp, payload, origin);
  }
  void check() {
    if (exposition(fast) != exposition(full)) __builtin_trap();
  }
  Aggregator fast;
  Aggregator full;
  Worker& wf;
  Worker& wp;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static core::FakeClock clock;
  static Pair plain(false, clock);
  static Pair origin(true, clock);
  static const Origin sender = [] {
    Origin o;
    o.id = 124;  // a '|' in its low byte
    o.container_id = std::string(64, 'a');
    return o;
  }();
  const std::string_view payload(reinterpret_cast<const char*>(data), size);
  for (int round = 0; round < 2; ++round) {
    plain.send(payload, nullptr);
    origin.send(payload, (size & 1) ? &sender : nullptr);
  }
  clock.advance(std::chrono::seconds(1));  // series expire now and then (ttl 3 s)
  plain.check();
  origin.check();
  return 0;
}
