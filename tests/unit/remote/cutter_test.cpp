#include "remote/cutter.hpp"

#include <catch2/catch.hpp>
#include <chrono>

using namespace sonde;
using namespace std::chrono_literals;
using remote::Pending;

namespace {

core::SnapshotPtr snapshot(std::initializer_list<std::pair<const char*, double>> values) {
  core::SnapshotBuilder b;
  for (const auto& [device, v] : values) {
    b.gauge("node_thing", "A thing.", {{"device", device}}, v);
  }
  return std::make_shared<const core::Snapshot>(b.take());
}

/// The samples of node_thing in `out`, as "device@t=v" (v "stale" for StaleNaN).
std::vector<std::string> things(const std::vector<Pending>& out) {
  std::vector<std::string> s;
  for (const auto& p : out) {
    if (p.labels->front().second != "node_thing") continue;
    std::string device;
    for (const auto& [k, v] : *p.labels) {
      if (k == "device") device = v;
    }
    s.push_back(
        device + "@" + std::to_string(p.point.timestamp_ms) + "=" +
        (remote::is_stale_nan(p.point.value) ? "stale" : std::to_string(int(p.point.value))));
  }
  return s;
}

}  // namespace

TEST_CASE("cutter: attempt times, nothing twice, staleness for series and sources gone",
          "[remote][cutter]") {
  core::FakeClock clock(std::chrono::system_clock::time_point(1000s));
  core::Board board(clock);
  board.declare("thing", core::ComponentKind::collector);
  remote::Cutter cutter({{{"job", "sonde"}}, {}, {}});
  std::vector<Pending> out;
  remote::CutStats stats;

  board.publish("thing", snapshot({{"a", 1}, {"b", 2}}), 0.01, core::ok());
  cutter.cut(board, 1'005'000, out, stats);
  CHECK(things(out) == std::vector<std::string>{"a@1000000=1", "b@1000000=2"});
  const auto& labels = *out.front().labels;
  CHECK(labels == remote::Labels{{"__name__", "node_thing"}, {"device", "a"}, {"job", "sonde"}});

  out.clear();
  cutter.cut(board, 1'010'000, out, stats);  // no new attempt: nothing again
  CHECK(things(out).empty());

  clock.advance(15s);
  board.publish("thing", snapshot({{"a", 3}}), 0.01, core::ok());
  out.clear();
  cutter.cut(board, 1'020'000, out, stats);
  CHECK(things(out) == std::vector<std::string>{"a@1015000=3", "b@1015000=stale"});

  clock.advance(15s);
  board.publish("thing", nullptr, 0.01, core::error("failed"));  // a failed attempt
  out.clear();
  cutter.cut(board, 1'035'000, out, stats);
  CHECK(things(out) == std::vector<std::string>{"a@1030000=stale"});

  clock.advance(15s);
  board.publish("thing", snapshot({{"c", 4}}), 0.01, core::ok());
  out.clear();
  cutter.cut(board, 1'050'000, out, stats);
  CHECK(things(out) == std::vector<std::string>{"c@1045000=4"});
  board.remove("thing");  // a collector disabled by a reload
  out.clear();
  cutter.cut(board, 1'060'000, out, stats);
  CHECK(things(out) == std::vector<std::string>{"c@1060000=stale"});
  CHECK(stats.unparsable == 0);
}

TEST_CASE("cutter: live sources are cut at now, and metadata follows the families",
          "[remote][cutter]") {
  core::Board board;
  double v = 1;
  board.add_live("ingest", [&v](core::SnapshotBuilder& b) {
    b.counter("app_done_total", "Jobs done.", {}, v);
  });
  remote::Cutter cutter({});
  std::vector<Pending> out;
  remote::CutStats stats;
  cutter.cut(board, 5000, out, stats);
  v = 2;
  cutter.cut(board, 6000, out, stats);
  std::vector<std::pair<std::int64_t, double>> got;
  for (const auto& p : out) {
    if (p.labels->front().second == "app_done_total")
      got.emplace_back(p.point.timestamp_ms, p.point.value);
  }
  CHECK(got == std::vector<std::pair<std::int64_t, double>>{{5000, 1}, {6000, 2}});
  const auto meta = cutter.metadata();
  const auto it = std::find_if(meta.begin(), meta.end(),
                               [](const auto& m) { return m.family == "app_done_total"; });
  REQUIRE(it != meta.end());
  CHECK(it->type == core::MetricType::counter);
  CHECK(it->help == "Jobs done.");
}

TEST_CASE("cutter: two series texts with one label set are sent once, never also stale",
          "[remote][cutter]") {
  core::FakeClock clock(std::chrono::system_clock::time_point(1000s));
  core::Board board;
  board.declare("textfile", core::ComponentKind::collector);
  const auto publish = [&](std::initializer_list<const char*> texts) {
    core::SnapshotBuilder b;
    for (const char* t : texts) b.add_raw("app_up", core::MetricType::untyped, "", t, 1);
    board.publish("textfile", std::make_shared<const core::Snapshot>(b.take()), 0, core::ok());
  };
  remote::Cutter cutter({});
  std::vector<Pending> out;
  remote::CutStats stats;
  // node_exporter's textfile merge gives every series the union of label names ("" when unset).
  publish({R"(app_up{empty="",team="a"})", R"(app_up{team="a"})"});
  cutter.cut(board, 1, out, stats);
  CHECK(std::count_if(out.begin(), out.end(),
                      [](const Pending& p) { return p.labels->front().second == "app_up"; }) == 1);
  out.clear();
  publish({R"(app_up{team="a"})"});  // the other text of the same series is gone
  cutter.cut(board, 2, out, stats);
  std::vector<bool> stale;
  for (const auto& p : out) {
    if (p.labels->front().second == "app_up") stale.push_back(remote::is_stale_nan(p.point.value));
  }
  CHECK(stale == std::vector<bool>{false});
}
