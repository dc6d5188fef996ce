// The range-vector functions (range_functions.cpp) through the engine, with values worked out
// from Prometheus 2.42's promql/functions.go: rate/increase/delta extrapolation to the range's
// ends (or to where a counter would have been zero), counter resets, irate/idelta, deriv and
// predict_linear (functions_test.go's TestDeriv), and the *_over_time aggregations.
#include <catch2/catch.hpp>
#include <cmath>
#include <string>
#include <vector>

#include "rules/promql/engine.hpp"
#include "unit/rules/promql_test_support.hpp"

using namespace sonde::rules::promql;
using sonde::test::promql::vec;

namespace {

/// A storage with one series `x` holding (t in seconds, value) pairs.
MemoryStorage series(const std::vector<std::pair<double, double>>& points) {
  MemoryStorage s;
  const Labels l({{"__name__", "x"}, {"job", "j"}});
  for (const auto& [t, v] : points) s.append(l, static_cast<std::int64_t>(t * 1000), v);
  return s;
}

/// The single value `q` gives at `t_s` seconds; NaN when the result is empty.
double value(const MemoryStorage& s, const std::string& q, double t_s = 300) {
  Engine e;
  const auto v = vec(e.instant(s, q, static_cast<std::int64_t>(t_s * 1000)));
  if (v.empty()) return std::nan("");
  REQUIRE(v.size() == 1);
  return v[0].point.v;
}

}  // namespace

TEST_CASE("rate and increase: samples on the range's ends need no extrapolation",
          "[rules][promql][range_functions]") {
  const auto s = series({{0, 0}, {60, 10}, {120, 20}, {180, 30}, {240, 40}, {300, 50}});
  CHECK(value(s, "increase(x[5m])") == Approx(50));
  CHECK(value(s, "rate(x[5m])") == Approx(50.0 / 300));
  CHECK(value(s, "delta(x[5m])") == Approx(50));
  // The result drops the metric name and keeps the other labels.
  Engine e;
  const auto v = vec(e.instant(s, "rate(x[5m])", 300000));
  CHECK(v[0].metric.to_string() == "{job=\"j\"}");
}

TEST_CASE("rate and increase extrapolate to the range's ends", "[rules][promql][range_functions]") {
  // 30 s from each end, under 1.1 × the 60 s between samples: extrapolated all the way.
  const auto s = series({{30, 10}, {90, 20}, {150, 30}, {210, 40}, {270, 50}});
  CHECK(value(s, "increase(x[5m])") == Approx(40.0 * 300 / 240));
  CHECK(value(s, "rate(x[5m])") == Approx(40.0 * 300 / 240 / 300));
  // 90 s gaps to both ends (over the threshold): half a sample interval each way.
  const auto far = series({{90, 10}, {150, 20}, {210, 30}});
  CHECK(value(far, "delta(x[5m])") == Approx(20.0 * (120 + 30 + 30) / 120));
}

TEST_CASE("increase extrapolates a counter no further back than its zero",
          "[rules][promql][range_functions]") {
  // 120 s before the first sample, but at 1 per 60 s the counter was 0 at 60 s.
  const auto s = series({{120, 1}, {180, 2}, {240, 3}, {300, 4}});
  CHECK(value(s, "increase(x[5m])") == Approx(3.0 * 240 / 180));
  // delta is for gauges: no zero point, half an interval back.
  CHECK(value(s, "delta(x[5m])") == Approx(3.0 * 210 / 180));
}

TEST_CASE("counter resets add the value before the reset", "[rules][promql][range_functions]") {
  const auto s = series({{0, 10}, {60, 20}, {120, 5}, {180, 15}, {240, 25}, {300, 35}});
  CHECK(value(s, "increase(x[5m])") == Approx(45));
  CHECK(value(s, "resets(x[5m])") == 1);
  CHECK(value(s, "changes(x[5m])") == 5);
  CHECK(value(s, "delta(x[5m])") == Approx(25));  // no reset handling
  // irate over the last two samples; after a reset, the last value itself.
  const auto r = series({{0, 10}, {60, 20}, {120, 5}});
  CHECK(value(r, "irate(x[5m])", 120) == Approx(5.0 / 60));
  CHECK(value(r, "idelta(x[5m])", 120) == Approx(-15));
  CHECK(value(s, "irate(x[5m])") == Approx(10.0 / 60));
}

TEST_CASE("rate needs two samples in the range", "[rules][promql][range_functions]") {
  const auto s = series({{0, 1}, {200, 2}});
  CHECK(std::isnan(value(s, "rate(x[1m])", 230)));
  CHECK(std::isnan(value(s, "irate(x[1m])", 230)));
  CHECK(std::isnan(value(s, "deriv(x[1m])", 230)));
  CHECK(value(s, "rate(x[5m])", 230) > 0);
  CHECK(value(s, "changes(x[1m])", 230) == 0);
}

TEST_CASE("deriv and predict_linear: least squares over the range",
          "[rules][promql][range_functions]") {
  std::vector<std::pair<double, double>> pts;
  for (int t = 0; t <= 300; t += 15) pts.emplace_back(t, 2.0 * t + 7);
  const auto s = series(pts);
  CHECK(value(s, "deriv(x[5m])") == Approx(2));
  CHECK(value(s, "predict_linear(x[5m], 60)") == Approx(607 + 120));
  // TestDeriv: a constant series at large timestamps has a slope of exactly 0.
  MemoryStorage c;
  const Labels l(std::vector<Label>{{"__name__", "foo"}});
  for (std::int64_t t : {1493712816939, 1493712846939, 1493712876939, 1493712906939})
    c.append(l, t, 1.0);
  Engine e;
  const auto v = vec(e.instant(c, "deriv(foo[30m])", 1493712906939));
  REQUIRE(v.size() == 1);
  CHECK(v[0].point.v == 0.0);
}

TEST_CASE("the _over_time functions", "[rules][promql][range_functions]") {
  const auto s = series({{60, 1}, {120, 2}, {180, 3}, {240, 4}});
  CHECK(value(s, "avg_over_time(x[5m])") == Approx(2.5));
  CHECK(value(s, "sum_over_time(x[5m])") == 10);
  CHECK(value(s, "count_over_time(x[5m])") == 4);
  CHECK(value(s, "min_over_time(x[5m])") == 1);
  CHECK(value(s, "max_over_time(x[5m])") == 4);
  CHECK(value(s, "last_over_time(x[5m])") == 4);
  CHECK(value(s, "present_over_time(x[5m])") == 1);
  CHECK(value(s, "stdvar_over_time(x[5m])") == Approx(1.25));
  CHECK(value(s, "stddev_over_time(x[5m])") == Approx(std::sqrt(1.25)));
  CHECK(value(s, "quantile_over_time(0.5, x[5m])") == Approx(2.5));
  CHECK(value(s, "quantile_over_time(0.25, x[5m])") == Approx(1.75));
  CHECK(value(s, "quantile_over_time(1.5, x[5m])") == INFINITY);
  CHECK(value(s, "quantile_over_time(-1, x[5m])") == -INFINITY);
  CHECK(value(s, "holt_winters(x[5m], 0.5, 0.5)") == Approx(4));  // a straight line
  CHECK(std::isnan(value(s, "absent_over_time(x[5m])")));
  CHECK(value(s, "absent_over_time(nope[5m])") == 1);
  // min/max ignore NaN unless every sample is NaN.
  const auto n = series({{60, NAN}, {120, 3}, {180, NAN}});
  CHECK(value(n, "max_over_time(x[5m])") == 3);
  CHECK(value(n, "min_over_time(x[5m])") == 3);
  CHECK(std::isnan(value(n, "sum_over_time(x[5m])")));
}
