#include "core/board.hpp"

#include <catch2/catch.hpp>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "core/exposition.hpp"
#include "support/exposition_parser.hpp"

using namespace sonde;

namespace {
core::SnapshotPtr snap_with(const char* name, double v) {
  core::SnapshotBuilder b;
  b.gauge(name, "help", {}, v);
  return std::make_shared<const core::Snapshot>(b.take());
}
test::ParsedExposition scrape(const core::Board& board) {
  std::string out;
  core::write_text(board.gather(), out);
  return test::parse_exposition(out);
}
}  // namespace

TEST_CASE("board is ready only after every collector's first attempt", "[core][board]") {
  core::FakeClock clock;
  core::Board board(clock);
  board.declare("cpu", core::ComponentKind::collector);
  board.declare("meminfo", core::ComponentKind::collector);
  board.declare("optional", core::ComponentKind::collector, /*counts_for_ready=*/false);
  int notified = 0;
  board.on_ready([&] { ++notified; });
  CHECK_FALSE(board.ready());
  board.publish("cpu", snap_with("a", 1), 0.01, core::ok());
  CHECK_FALSE(board.ready());
  CHECK(notified == 0);
  board.publish("meminfo", nullptr, 0.02, core::error("no such file"));  // failure counts
  CHECK(board.ready());
  CHECK(notified == 1);
  board.publish("cpu", snap_with("a", 2), 0.01, core::ok());
  CHECK(notified == 1);  // once
  int late = 0;
  board.on_ready([&] { ++late; });
  CHECK(late == 1);
}

TEST_CASE("a hold keeps the board unready while components are still being declared",
          "[core][board]") {
  core::Board board;
  int notified = 0;
  board.on_ready([&] { ++notified; });
  board.hold_ready();
  board.hold_ready();  // holds nest
  board.declare("cpu", core::ComponentKind::collector);
  board.publish("cpu", snap_with("a", 1), 0.01, core::ok());  // finished before gpu is declared
  CHECK_FALSE(board.ready());
  board.declare("gpu", core::ComponentKind::collector);
  board.release_ready();
  CHECK_FALSE(board.ready());
  board.release_ready();
  CHECK_FALSE(board.ready());  // gpu has not run
  CHECK(notified == 0);
  board.publish("gpu", nullptr, 0.01, core::ok());
  CHECK(board.ready());
  CHECK(notified == 1);
}

TEST_CASE("releasing the last hold completes readiness", "[core][board]") {
  core::Board board;
  int notified = 0;
  board.on_ready([&] { ++notified; });
  board.hold_ready();
  board.declare("cpu", core::ComponentKind::collector);
  board.publish("cpu", snap_with("a", 1), 0.01, core::ok());
  CHECK(notified == 0);
  board.release_ready();
  CHECK(board.ready());
  CHECK(notified == 1);
}

TEST_CASE("declaring a collector again (a reload) keeps its snapshot and readiness",
          "[core][board]") {
  core::Board board;
  board.declare("cpu", core::ComponentKind::collector);
  board.publish("cpu", snap_with("a", 1), 0.01, core::ok());
  REQUIRE(board.ready());
  board.declare("cpu", core::ComponentKind::collector);
  CHECK(board.ready());
  CHECK(scrape(board).samples.count("a{}") == 1);
  board.declare("cpu", core::ComponentKind::listener);  // another kind: a new component
  CHECK(scrape(board).samples.count("a{}") == 0);
  CHECK(board.ready());  // once ready, a reload's new components do not undo it
  board.declare("netdev", core::ComponentKind::collector);
  CHECK(board.ready());
}

TEST_CASE("a listener holds readiness until marked ok", "[core][board]") {
  core::Board board;
  board.declare("udp", core::ComponentKind::listener);
  CHECK_FALSE(board.ready());
  board.set_state("udp", core::ComponentState::ok);
  CHECK(board.ready());
}

TEST_CASE("a failed attempt drops the collector's series and reports success 0", "[core][board]") {
  core::Board board;
  board.declare("loadavg", core::ComponentKind::collector);
  board.publish("loadavg", snap_with("node_load1", 0.5), 0.25, core::ok());
  auto p = scrape(board);
  CHECK(p.samples.at("node_load1{}") == 0.5);
  CHECK(p.samples.at("node_scrape_collector_success{collector=\"loadavg\",}") == 1);
  CHECK(p.samples.at("node_scrape_collector_duration_seconds{collector=\"loadavg\",}") == 0.25);

  board.publish("loadavg", snap_with("node_load1", 9), 0.5, core::error("gone"));
  p = scrape(board);
  CHECK(p.samples.count("node_load1{}") == 0);  // never a frozen value
  CHECK(p.samples.at("node_scrape_collector_success{collector=\"loadavg\",}") == 0);
  const auto comps = board.components();
  REQUIRE(comps.size() == 1);
  CHECK(comps[0].state == core::ComponentState::failing);
  CHECK(comps[0].last_error == "gone");
  CHECK(comps[0].attempts == 2);
}

TEST_CASE("collectors that have not run yet have no scrape series", "[core][board]") {
  core::Board board;
  board.declare("cpu", core::ComponentKind::collector);
  CHECK(scrape(board).samples.empty());
}

TEST_CASE("live sources are computed on every read", "[core][board]") {
  core::Board board;
  int calls = 0;
  board.add_live("clock", [&](core::SnapshotBuilder& b) {
    ++calls;
    b.gauge("node_time_seconds", "t", {}, calls);
  });
  CHECK(scrape(board).samples.at("node_time_seconds{}") == 1);
  CHECK(scrape(board).samples.at("node_time_seconds{}") == 2);
  board.remove_live("clock");
  CHECK(scrape(board).samples.empty());
}

TEST_CASE("publishing to a removed component is ignored", "[core][board]") {
  core::Board board;
  board.declare("x", core::ComponentKind::collector);
  board.remove("x");
  board.publish("x", snap_with("x_value", 1), 0, core::ok());
  CHECK(scrape(board).samples.empty());
  CHECK(board.ready());
}

TEST_CASE("the generation changes with everything gather() shows but live values",
          "[core][board]") {
  core::Board board;
  auto g = board.generation();
  auto changed = [&] {
    const auto now = board.generation();
    const bool c = now != g;
    g = now;
    return c;
  };
  board.declare("a", core::ComponentKind::collector);
  CHECK(changed());
  board.publish("a", snap_with("x", 1), 0.1, core::ok());
  CHECK(changed());
  board.add_live("live", [](core::SnapshotBuilder& b) { b.gauge("y", "help", {}, 1); });
  CHECK(changed());
  (void)board.gather();  // reading changes nothing, live sources included
  CHECK_FALSE(changed());
  board.set_state("a", core::ComponentState::failing);
  CHECK(changed());
  board.remove_live("live");
  CHECK(changed());
  board.remove("a");
  CHECK(changed());
}

namespace {
/// The live source's snapshot in a gather() (the last one: live sources come after the published
/// ones and node_scrape_collector_*).
const core::Snapshot& live_of(const std::vector<core::SnapshotPtr>& g) { return *g.back(); }
}  // namespace

TEST_CASE("a live source's snapshot is refilled only once no reader holds it", "[core][board]") {
  core::Board board;
  double n = 0;
  board.add_live("live", [&](core::SnapshotBuilder& b) {
    n += 1;
    for (int i = 0; i < 3; ++i) {
      b.gauge("a_gauge_with_a_long_name", "help",
              {{"label", "a value long enough to leave the small-string buffer"}}, n + i);
    }
  });
  auto first = board.gather();
  auto second = board.gather();  // first still held: second is built in storage of its own
  REQUIRE(live_of(first).families.at(0).samples.size() == 3);
  CHECK(live_of(first).families[0].samples[0].value == 1);
  CHECK(live_of(second).families[0].samples[0].value == 2);
  const std::string text_before = live_of(second).families[0].samples[2].series;
  const char* storage = live_of(second).families[0].samples[2].series.data();
  first.clear();
  second.clear();
  // Nobody holds the last snapshot now: the next one fills its storage again, with new values.
  const auto third = board.gather();
  const core::Sample& s = live_of(third).families.at(0).samples.at(2);
  CHECK(s.series.data() == storage);
  CHECK(s.series == text_before);
  CHECK(s.value == 5);
  // While a reader holds it, a gather neither changes it nor reuses it.
  const auto fourth = board.gather();
  CHECK(live_of(third).families[0].samples[2].value == 5);
  CHECK(live_of(fourth).families[0].samples[2].value == 6);
  CHECK(live_of(fourth).families[0].samples[2].series.data() != storage);
}

TEST_CASE("a live source of many series is not kept between reads", "[core][board]") {
  core::Board board;
  int series = 10;
  board.add_live("live", [&](core::SnapshotBuilder& b) {
    for (int i = 0; i < series; ++i) b.gauge("g", "help", {{"i", std::to_string(i)}}, i);
  });
  std::weak_ptr<const core::Snapshot> small = board.gather().back();
  CHECK_FALSE(small.expired());  // kept for the next read to fill again
  series = 5000;
  std::weak_ptr<const core::Snapshot> large = board.gather().back();
  CHECK(large.expired());  // 5,000 samples: freed with its last reader
  CHECK(small.expired());  // the small one was refilled or let go, never kept beside it
  const auto again = board.gather();
  CHECK(again.back()->series_count() == 5000);
}

#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SONDE_TEST_ASAN 1
#endif
#endif
#ifndef SONDE_TEST_ASAN
#define SONDE_TEST_ASAN 0
#endif

namespace {
std::size_t rss_anon_kb() {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("RssAnon:", 0) == 0) return std::stoul(line.substr(8));
  }
  FAIL("no RssAnon in /proc/self/status");
  return 0;
}
}  // namespace

TEST_CASE("a live source's large snapshot gives its freed heap back when its last reader lets go",
          "[core][board]") {
  // The ingest aggregator's case: each sample's series text is a heap block of its own, and what
  // is allocated meanwhile (here a block kept every 1,000 samples, there the series admitted
  // while a scrape renders) stays above them, so free() alone returns none of it to the kernel.
  constexpr int kSamples = 200'000;
  std::vector<std::unique_ptr<char[]>> kept;
  kept.reserve(kSamples / 1000);
  core::Board board;
  board.add_live("live", [&](core::SnapshotBuilder& b) {
    for (int i = 0; i < kSamples; ++i) {
      b.add_raw("g", core::MetricType::gauge, "help",
                "loadgen_counter_total{id=\"" + std::to_string(100000 + i) + "\"}", i);
      if (i % 1000 == 999) kept.push_back(std::make_unique<char[]>(64));
    }
  });
  const std::size_t before = rss_anon_kb();
  auto snapshots = board.gather();
  REQUIRE(live_of(snapshots).series_count() == kSamples);
  const std::size_t held = rss_anon_kb();
  CHECK(held >= before + 9'000);  // 200,000 texts of 48-byte blocks, and the samples' vector
  snapshots.clear();
  const std::size_t after = rss_anon_kb();
  INFO("RssAnon before " << before << " kB, holding the snapshot " << held << " kB, after " << after
                         << " kB");
#if !defined(__SANITIZE_ADDRESS__) && !SONDE_TEST_ASAN
  CHECK(after <= before + 2'048);  // without the trim: ~10 MB more
#else
  // AddressSanitizer's allocator keeps freed blocks in quarantine, out of glibc's hands: only
  // the release build can see what the trim gives back.
  (void)after;
#endif
  CHECK(kept.size() == kSamples / 1000);
}
