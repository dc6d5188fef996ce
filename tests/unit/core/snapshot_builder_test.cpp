#include <array>
#include <catch2/catch.hpp>
#include <string>

#include "core/metrics.hpp"

using namespace sonde;

TEST_CASE(
    "SnapshotBuilder keeps one family per name, in first-use order, across its table's growth",
    "[core][snapshot]") {
  core::SnapshotBuilder b;
  // Interleaved like netclass (every family once per device) and far past the table's first
  // size, so lookups go through probing and growth, not only the last-family shortcut.
  constexpr int kFamilies = 300;
  for (int round = 0; round < 3; ++round) {
    for (int i = 0; i < kFamilies; ++i) {
      const std::string name = "f" + std::to_string(i);
      const std::string value = std::to_string(round);
      b.gauge(name, "help " + name, {{"round", value}}, round * 1000 + i);
    }
  }
  b.gauge("f7", "ignored: the family exists", {}, 9);
  b.add_raw("h", core::MetricType::histogram, "hist", "h_bucket{le=\"1\"}", 1);
  b.add_raw("h", core::MetricType::histogram, "hist", "h_count", 2);
  const core::Snapshot s = b.take();
  REQUIRE(s.families.size() == kFamilies + 1);
  for (int i = 0; i < kFamilies; ++i) {
    const core::Family& f = s.families[static_cast<std::size_t>(i)];
    CHECK(f.name == "f" + std::to_string(i));
    CHECK(f.help == "help f" + std::to_string(i));
    REQUIRE(f.samples.size() == (i == 7 ? 4U : 3U));
    for (int round = 0; round < 3; ++round) {
      CHECK(f.samples[static_cast<std::size_t>(round)].series ==
            "f" + std::to_string(i) + "{round=\"" + std::to_string(round) + "\"}");
      CHECK(f.samples[static_cast<std::size_t>(round)].value == round * 1000 + i);
    }
  }
  CHECK(s.families[7].samples[3].series == "f7");
  CHECK(s.families.back().name == "h");
  CHECK(s.families.back().samples.size() == 2);
  CHECK(s.series_count() == kFamilies * 3 + 1 + 2);

  // After take() the builder starts empty: a name seen before is a new family again.
  b.gauge("f1", "again", {}, 1);
  const core::Snapshot again = b.take();
  REQUIRE(again.families.size() == 1);
  CHECK(again.families[0].help == "again");
}

namespace {

// One "collection" whose shape depends on `round`: families come and go, change order, type,
// help and sample count, so recycled storage is reused in every way it can be.
void fill(core::SampleSink& b, int round) {
  const int families = 3 + (round * 7) % 11;
  for (int i = 0; i < families; ++i) {
    const int f = (i * 5 + round) % 13;  // a different order each round
    const std::string name = "f" + std::to_string(f);
    const int samples = (f + round) % 6;  // 0..5, so some families shrink to nothing
    for (int j = 0; j < samples; ++j) {
      const std::string dev = "device-with-a-long-name-" + std::to_string(j * round);
      b.add(name, round % 2 == 0 ? core::MetricType::gauge : core::MetricType::counter,
            "help " + name + " " + std::to_string(round), std::array{core::Label{"dev", dev}},
            round * 100 + j);
    }
  }
  if (round % 3 == 0) b.add_raw("h", core::MetricType::histogram, "hist", "h_count", round);
}

bool same(const core::Snapshot& a, const core::Snapshot& b) {
  if (a.families.size() != b.families.size()) return false;
  for (std::size_t i = 0; i < a.families.size(); ++i) {
    const core::Family& x = a.families[i];
    const core::Family& y = b.families[i];
    if (x.name != y.name || x.help != y.help || x.type != y.type ||
        x.samples.size() != y.samples.size()) {
      return false;
    }
    for (std::size_t j = 0; j < x.samples.size(); ++j) {
      if (x.samples[j].series != y.samples[j].series || x.samples[j].value != y.samples[j].value) {
        return false;
      }
    }
  }
  return true;
}

}  // namespace

TEST_CASE("SnapshotBuilder builds the same snapshot from recycled storage as from fresh",
          "[core][snapshot]") {
  core::SnapshotBuilder recycling;
  for (int round = 0; round < 40; ++round) {
    core::SnapshotBuilder fresh;
    fill(fresh, round);
    fill(recycling, round);
    core::Snapshot want = fresh.take();
    core::Snapshot got = recycling.take();
    INFO("round " << round);
    REQUIRE(same(want, got));
    CHECK(got.series_count() == want.series_count());
    // Every other round the previous snapshot comes back (as the scheduler gives it back when no
    // scrape holds it); otherwise the builder starts from nothing.
    if (round % 4 != 3) recycling.recycle(std::move(got));
  }

  // Recycled storage is reused: a second identical snapshot keeps the first one's strings.
  core::SnapshotBuilder b;
  fill(b, 8);
  core::Snapshot first = b.take();
  REQUIRE(!first.families.empty());
  REQUIRE(!first.families[0].samples.empty());
  const char* const series_storage = first.families[0].samples[0].series.data();
  const std::size_t families = first.families.size();
  b.recycle(std::move(first));
  CHECK(first.families.empty());
  fill(b, 8);
  const core::Snapshot second = b.take();
  REQUIRE(second.families.size() == families);
  CHECK(second.families[0].samples[0].series.data() == series_storage);
}

TEST_CASE("SnapshotBuilder::reserve makes room in a family without adding to it",
          "[core][snapshot]") {
  core::SnapshotBuilder b;
  b.gauge("before", "help", {}, 1);
  b.reserve("g", core::MetricType::counter, "the help", 1000);
  b.reserve("before", core::MetricType::gauge, "help", 10);  // an existing family: room past 1
  for (int i = 0; i < 1000; ++i) b.counter("g", "the help", {{"i", std::to_string(i)}}, i);
  const core::Snapshot s = b.take();
  REQUIRE(s.families.size() == 2);
  CHECK(s.families[0].name == "before");
  CHECK(s.families[0].samples.size() == 1);
  CHECK(s.families[0].samples.capacity() >= 11);
  const core::Family& g = s.families[1];
  CHECK(g.name == "g");
  CHECK(g.help == "the help");
  CHECK(g.type == core::MetricType::counter);
  REQUIRE(g.samples.size() == 1000);
  CHECK(g.samples.capacity() == 1000);  // one allocation, no doubling past it
  CHECK(g.samples[999].series == "g{i=\"999\"}");
  CHECK(g.samples[999].value == 999);
}
