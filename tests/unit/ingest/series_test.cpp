// The pure functions on names and labels that the aggregator's files share (series.hpp).
#include "ingest/series.hpp"

#include <catch2/catch.hpp>

using namespace sonde::ingest;

TEST_CASE("has_total_suffix: one definition for naming and for exposed names", "[ingest][series]") {
  CHECK(has_total_suffix("requests_total"));
  CHECK(has_total_suffix("a_total"));
  CHECK_FALSE(has_total_suffix("_total"));  // no base name
  CHECK_FALSE(has_total_suffix("total"));
  CHECK_FALSE(has_total_suffix("requests_totals"));
  CHECK_FALSE(has_total_suffix(""));
}

TEST_CASE("exposed_names: every name a family takes", "[ingest][series]") {
  using V = std::vector<std::string>;
  CHECK(exposed_names("req_total", SeriesKind::counter) == V{"req_total", "req"});
  CHECK(exposed_names("req", SeriesKind::counter) == V{"req", "req_total"});
  CHECK(exposed_names("_total", SeriesKind::counter) == V{"_total", "_total_total"});
  CHECK(exposed_names("lat", SeriesKind::histogram) ==
        V{"lat", "lat_bucket", "lat_sum", "lat_count"});
  CHECK(exposed_names("lat", SeriesKind::summary) == V{"lat", "lat_sum", "lat_count"});
  CHECK(exposed_names("g", SeriesKind::gauge) == V{"g"});
  CHECK(exposed_names("s", SeriesKind::set) == V{"s"});
}

TEST_CASE("render, format_bound and metric_type", "[ingest][series]") {
  const Labels labels = {{"a", "1"}, {"b", "x\"y"}};
  CHECK(render("m", labels) == "m{a=\"1\",b=\"x\\\"y\"}");
  CHECK(render("m_bucket", labels, "le", format_bound(0.25)) ==
        "m_bucket{a=\"1\",b=\"x\\\"y\",le=\"0.25\"}");
  CHECK(render("m", {}) == "m");
  CHECK(format_bound(1) == "1");
  CHECK(format_bound(0.005) == "0.005");
  CHECK(metric_type(SeriesKind::set) == sonde::core::MetricType::gauge);
  CHECK(metric_type(SeriesKind::summary) == sonde::core::MetricType::summary);
}

TEST_CASE("printable shortens and escapes a line for the log", "[ingest][series]") {
  CHECK(printable("a:1|c") == "a:1|c");
  CHECK(printable("a\n\\\x01\xff") == "a\\x0a\\x5c\\x01\\xff");
  const std::string long_line(300, 'x');
  CHECK(printable(long_line) == std::string(200, 'x') + "... (300 bytes)");
}

TEST_CASE("kind_for: DogStatsD types to series kinds", "[ingest][series]") {
  CHECK(kind_for(MetricKind::counter, ObserverType::histogram) == SeriesKind::counter);
  CHECK(kind_for(MetricKind::set, ObserverType::histogram) == SeriesKind::set);
  CHECK(kind_for(MetricKind::timer, ObserverType::histogram) == SeriesKind::histogram);
  CHECK(kind_for(MetricKind::distribution, ObserverType::summary) == SeriesKind::summary);
}
