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
