#include "core/exposition.hpp"

#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>
#include <prometheus/summary.h>
#include <prometheus/text_serializer.h>

#include <catch2/catch.hpp>
#include <cmath>
#include <limits>

#include "core/self_metrics.hpp"
#include "support/exposition_parser.hpp"

using namespace sonde;

namespace {
std::string render(const core::Snapshot& s) {
  std::vector<core::SnapshotPtr> v{std::make_shared<const core::Snapshot>(s)};
  std::string out;
  core::write_text(v, out);
  return out;
}
}  // namespace

TEST_CASE("values are written as the text format spells them", "[core][exposition]") {
  const std::pair<double, const char*> cases[] = {
      {0.0, "0"},
      {1.0, "1"},
      {-2.5, "-2.5"},
      {10870.69, "10870.69"},
      {0.1, "0.1"},
      {1e-9, "1e-09"},
      {std::numeric_limits<double>::infinity(), "+Inf"},
      {-std::numeric_limits<double>::infinity(), "-Inf"},
      {std::nan(""), "NaN"},
      {18446744073709551615.0, "18446744073709551616"},
  };
  for (const auto& [v, want] : cases) {
    std::string s;
    core::append_value(s, v);
    CAPTURE(v);
    CHECK(s == want);
    if (!std::isnan(v)) CHECK(test::parse_prom_value(s) == v);  // round-trips exactly
  }
}

TEST_CASE("label values and help are escaped", "[core][exposition]") {
  core::SnapshotBuilder b;
  b.gauge("g", "help with \\ and\nnewline", {{"path", "C:\\x \"q\"\nz"}}, 1);
  const std::string text = render(b.take());
  CHECK(text ==
        "# HELP g help with \\\\ and\\nnewline\n# TYPE g gauge\n"
        "g{path=\"C:\\\\x \\\"q\\\"\\nz\"} 1\n");
  const auto parsed = test::parse_exposition(text);
  CHECK(parsed.samples.at("g{path=\"C:\\x \"q\"\nz\",}") == 1);
}

TEST_CASE("families are sorted and a family from several sources is one block",
          "[core][exposition]") {
  core::SnapshotBuilder a, b;
  a.counter("zeta_total", "z", {}, 1);
  a.gauge("node_scrape_collector_success", "s", {{"collector", "cpu"}}, 1);
  b.gauge("node_scrape_collector_success", "s", {{"collector", "meminfo"}}, 0);
  b.gauge("alpha", "a", {}, 2);
  std::vector<core::SnapshotPtr> snaps{std::make_shared<const core::Snapshot>(a.take()),
                                       std::make_shared<const core::Snapshot>(b.take()), nullptr};
  std::string out;
  core::write_text(snaps, out);
  CHECK(out ==
        "# HELP alpha a\n# TYPE alpha gauge\nalpha 2\n"
        "# HELP node_scrape_collector_success s\n# TYPE node_scrape_collector_success gauge\n"
        "node_scrape_collector_success{collector=\"cpu\"} 1\n"
        "node_scrape_collector_success{collector=\"meminfo\"} 0\n"
        "# HELP zeta_total z\n# TYPE zeta_total counter\nzeta_total 1\n");
}

TEST_CASE("empty families are not written", "[core][exposition]") {
  core::Snapshot s;
  s.families.push_back(core::Family{"empty", "nothing", core::MetricType::gauge, {}});
  CHECK(render(s).empty());
}

TEST_CASE("sonde's writer and prometheus-cpp's TextSerializer agree on the same families",
          "[core][exposition]") {
  prometheus::Registry reg;
  auto& c =
      prometheus::BuildCounter().Name("sonde_test_events_total").Help("Events.").Register(reg);
  c.Add({{"reason", "malformed"}}).Increment(3);
  c.Add({{"reason", "quote\"back\\slash\nnl"}}).Increment(1e15 + 0.5);
  auto& g = prometheus::BuildGauge().Name("sonde_test_gauge").Help("A gauge.").Register(reg);
  g.Add({}).Set(-0.000123456789);
  g.Add({{"a", "1"}, {"b", "2"}}).Set(std::numeric_limits<double>::infinity());
  auto& h = prometheus::BuildHistogram().Name("sonde_test_seconds").Help("Latency.").Register(reg);
  auto& hist = h.Add({{"handler", "metrics"}},
                     prometheus::Histogram::BucketBoundaries{0.001, 0.01, 0.1, 1, 10});
  for (double v : {0.0005, 0.002, 0.05, 0.05, 3.0, 100.0}) hist.Observe(v);
  auto& s = prometheus::BuildSummary().Name("sonde_test_summary").Help("Sizes.").Register(reg);
  auto& sum = s.Add({}, prometheus::Summary::Quantiles{{0.5, 0.05}, {0.99, 0.001}});
  for (int i = 1; i <= 100; ++i) sum.Observe(i);

  const auto families = reg.Collect();
  const std::string theirs = prometheus::TextSerializer().Serialize(families);
  core::SnapshotBuilder b;
  core::append_prometheus_families(families, b);
  const std::string ours = render(b.take());

  const auto p_theirs = test::parse_exposition(theirs);
  const auto p_ours = test::parse_exposition(ours);
  REQUIRE(p_ours.samples.size() == p_theirs.samples.size());
  for (const auto& [series, value] : p_theirs.samples) {
    CAPTURE(series);
    REQUIRE(p_ours.samples.count(series) == 1);
    const double mine = p_ours.samples.at(series);
    if (std::isinf(value)) {
      CHECK(mine == value);
    } else {
      // prometheus-cpp prints 16 significant digits; sonde prints the shortest exact form.
      CHECK(mine == Approx(value).epsilon(1e-15));
    }
  }
  CHECK(p_ours.types == p_theirs.types);
  CHECK(p_ours.helps == p_theirs.helps);
}
