#include "core/metrics.hpp"

#include <catch2/catch.hpp>

using namespace sonde;

namespace {

TEST_CASE("type_name spells each type as the text format does", "[core][metrics]") {
  CHECK(core::type_name(core::MetricType::counter) == "counter");
  CHECK(core::type_name(core::MetricType::gauge) == "gauge");
  CHECK(core::type_name(core::MetricType::untyped) == "untyped");
  CHECK(core::type_name(core::MetricType::histogram) == "histogram");
  CHECK(core::type_name(core::MetricType::summary) == "summary");
}

TEST_CASE("render_series writes labels in order and escapes their values", "[core][metrics]") {
  CHECK(core::render_series("up", {}) == "up");
  const core::Label labels[] = {{"b", "x\"y"}, {"a", "back\\slash\nnew"}, {"c", ""}};
  CHECK(core::render_series("m", labels) == R"(m{b="x\"y",a="back\\slash\nnew",c=""})");
  std::string out = "prefix ";
  core::append_series(out, "m", std::span(labels, 1));
  CHECK(out == R"(prefix m{b="x\"y"})");
  std::string v;
  core::append_escaped_label_value(v, "tab\tstays, é stays");
  CHECK(v == "tab\tstays, é stays");
}

TEST_CASE("SnapshotBuilder groups samples by family in first-seen order", "[core][metrics]") {
  core::SnapshotBuilder b;
  b.gauge("g", "a gauge", {{"x", "1"}}, 1.5);
  b.counter("c_total", "a counter", {}, 2);
  b.gauge("g", "ignored: the first help stays", {{"x", "2"}}, 3);
  b.add_raw("h", core::MetricType::histogram, "a histogram", "h_bucket{le=\"1\"}", 4);
  b.untyped("u", "", {}, 5);
  const core::Snapshot s = b.take();
  REQUIRE(s.families.size() == 4);
  CHECK(s.families[0].name == "g");
  CHECK(s.families[0].help == "a gauge");
  CHECK(s.families[0].type == core::MetricType::gauge);
  REQUIRE(s.families[0].samples.size() == 2);
  CHECK(s.families[0].samples[1].series == "g{x=\"2\"}");
  CHECK(s.families[0].samples[1].value == 3);
  CHECK(s.families[1].type == core::MetricType::counter);
  CHECK(s.families[2].samples[0].series == "h_bucket{le=\"1\"}");
  CHECK(s.families[3].type == core::MetricType::untyped);
  CHECK(s.series_count() == 5);

  // take() leaves an empty builder that starts again.
  b.gauge("g", "again", {}, 1);
  const core::Snapshot again = b.take();
  REQUIRE(again.families.size() == 1);
  CHECK(again.families[0].help == "again");
  CHECK(b.take().families.empty());
}

}  // namespace
