// PromQL's instant-vector functions (functions.cpp) through the engine: label_replace,
// label_join, histogram_quantile, sort, clamp, absent, the date functions, as Prometheus 2.42's
// promql/functions.go computes them.
#include <catch2/catch.hpp>
#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

#include "rules/promql/engine.hpp"
#include "unit/rules/promql_test_support.hpp"

using namespace sonde::rules::promql;
using sonde::test::promql::counters;
using sonde::test::promql::vec;

TEST_CASE("promql label_replace expands references as Go's regexp.Expand") {
  MemoryStorage s = counters();
  Engine e;
  auto get = [&](const char* repl) {
    const auto v = vec(
        e.instant(s,
                  std::string("label_replace(reqs_total{job=\"api\",instance=\"1\"}, \"x\", \"") +
                      repl + "\", \"job\", \"(a)(?P<rest>.*)\")",
                  600000));
    REQUIRE(v.size() == 1);
    return std::string(v[0].metric.get("x"));
  };
  CHECK(get("$1-${rest}") == "a-pi");
  CHECK(get("$$1") == "$1");
  CHECK(get("$1x") == "");  // the group "1x": none, so the label is not set
  CHECK(get("$01") == "");  // "01" is a name, not group 1 (Go disallows leading zeros)
  CHECK(get("${1}x") == "ax");
}

namespace {

/// `q` at `t_ms` as "labels value" lines in result order.
std::vector<std::string> lines(const MemoryStorage& s, const std::string& q,
                               std::int64_t t_ms = 0) {
  Engine e;
  std::vector<std::string> out;
  for (const auto& x : vec(e.instant(s, q, t_ms))) {
    char buf[40];
    std::snprintf(buf, sizeof buf, "%g", x.point.v);
    out.push_back(x.metric.to_string() + " " + buf);
  }
  return out;
}

MemoryStorage gauges(const std::vector<std::pair<std::string, double>>& by_instance) {
  MemoryStorage s;
  for (const auto& [inst, v] : by_instance)
    s.append(Labels({{"__name__", "g"}, {"instance", inst}}), 0, v);
  return s;
}

/// Buckets of a classic histogram `h_bucket` with cumulative counts per `le`.
MemoryStorage histogram(const std::vector<std::pair<std::string, double>>& buckets) {
  MemoryStorage s;
  for (const auto& [le, count] : buckets)
    s.append(Labels({{"__name__", "h_bucket"}, {"le", le}}), 0, count);
  return s;
}

double one(const MemoryStorage& s, const std::string& q) {
  Engine e;
  const auto v = vec(e.instant(s, q, 0));
  REQUIRE(v.size() == 1);
  return v[0].point.v;
}

}  // namespace

TEST_CASE("promql label_replace and label_join", "[rules][promql][functions]") {
  const auto s = gauges({{"host-1:9100", 1}});
  CHECK(lines(s, "label_replace(g, \"host\", \"$1\", \"instance\", \"(.*):.*\")") ==
        std::vector<std::string>{"{__name__=\"g\", host=\"host-1\", instance=\"host-1:9100\"} 1"});
  // No match: the series is returned unchanged.
  CHECK(lines(s, "label_replace(g, \"host\", \"$1\", \"instance\", \"nomatch(.*)\")") ==
        std::vector<std::string>{"{__name__=\"g\", instance=\"host-1:9100\"} 1"});
  // An empty replacement removes the label.
  CHECK(lines(s, "label_replace(g, \"instance\", \"\", \"instance\", \".*\")") ==
        std::vector<std::string>{"{__name__=\"g\"} 1"});
  CHECK(lines(s, "label_join(g, \"j\", \"-\", \"__name__\", \"instance\", \"missing\")") ==
        std::vector<std::string>{
            "{__name__=\"g\", instance=\"host-1:9100\", j=\"g-host-1:9100-\"} 1"});
  Engine e;
  auto bad = e.instant(s, "label_replace(g, \"a-b\", \"x\", \"instance\", \".*\")", 0);
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.error().to_string().find("invalid destination label name in label_replace(): a-b") !=
        std::string::npos);
  auto re = e.instant(s, "label_replace(g, \"a\", \"x\", \"instance\", \"(\")", 0);
  REQUIRE_FALSE(re.ok());
  CHECK(re.error().to_string().find("invalid regular expression in label_replace()") !=
        std::string::npos);
}

TEST_CASE("promql histogram_quantile over classic buckets", "[rules][promql][functions]") {
  const auto h = histogram({{"0.1", 10}, {"0.5", 30}, {"1", 40}, {"+Inf", 40}});
  // Rank 20 of 40 falls in (0.1, 0.5] holding 20: halfway.
  CHECK(one(h, "histogram_quantile(0.5, h_bucket)") == Approx(0.3));
  CHECK(one(h, "histogram_quantile(0.25, h_bucket)") == Approx(0.1));
  // Rank 2 in the first bucket, (0, 0.1] holding 10.
  CHECK(one(h, "histogram_quantile(0.05, h_bucket)") == Approx(0.02));
  CHECK(one(h, "histogram_quantile(1, h_bucket)") == Approx(1));  // the highest finite bound
  CHECK(one(h, "histogram_quantile(1.5, h_bucket)") == INFINITY);
  CHECK(one(h, "histogram_quantile(-0.5, h_bucket)") == -INFINITY);
  // Above the last finite bucket: the quantile is that bucket's upper bound.
  const auto tail = histogram({{"1", 10}, {"+Inf", 20}});
  CHECK(one(tail, "histogram_quantile(0.9, h_bucket)") == 1);
  // No +Inf bucket, or no observations: NaN.
  CHECK(std::isnan(one(histogram({{"1", 10}, {"2", 20}}), "histogram_quantile(0.5, h_bucket)")));
  CHECK(std::isnan(one(histogram({{"1", 0}, {"+Inf", 0}}), "histogram_quantile(0.5, h_bucket)")));
  // Counts that are not monotonic are made so (Prometheus's ensureMonotonic).
  const auto bumpy = histogram({{"1", 10}, {"2", 5}, {"4", 20}, {"+Inf", 20}});
  CHECK(one(bumpy, "histogram_quantile(0.5, h_bucket)") == Approx(1.0));
  // The `le` label is dropped, the others kept; series without `le` are ignored.
  MemoryStorage two = histogram({{"1", 1}, {"+Inf", 2}});
  two.append(Labels({{"__name__", "h_bucket"}, {"job", "x"}}), 0, 7);
  Engine e;
  const auto v = vec(e.instant(two, "histogram_quantile(0.5, h_bucket)", 0));
  REQUIRE(v.size() == 1);
  CHECK(v[0].metric.to_string() == "{}");
}

TEST_CASE("promql sort, sort_desc and clamp", "[rules][promql][functions]") {
  const auto s = gauges({{"a", 3}, {"b", NAN}, {"c", 1}, {"d", 2}});
  CHECK(lines(s, "sort(g)") == std::vector<std::string>{"{__name__=\"g\", instance=\"c\"} 1",
                                                        "{__name__=\"g\", instance=\"d\"} 2",
                                                        "{__name__=\"g\", instance=\"a\"} 3",
                                                        "{__name__=\"g\", instance=\"b\"} nan"});
  // sort keeps __name__ (it changes no value); NaN sorts last both ways.
  CHECK(lines(s, "sort_desc(g)").front() == "{__name__=\"g\", instance=\"a\"} 3");
  CHECK(lines(s, "sort_desc(g)").back() == "{__name__=\"g\", instance=\"b\"} nan");
  CHECK(lines(s, "clamp(g, 1.5, 2.5)") ==
        std::vector<std::string>{"{instance=\"a\"} 2.5", "{instance=\"b\"} nan",
                                 "{instance=\"c\"} 1.5", "{instance=\"d\"} 2"});
  CHECK(lines(s, "clamp(g, 3, 1)").empty());  // min > max: an empty result
  CHECK(lines(s, "clamp_min(g, 2)")[2] == "{instance=\"c\"} 2");
  CHECK(lines(s, "clamp_max(g, 2)")[0] == "{instance=\"a\"} 2");
}

TEST_CASE("promql math, absent, scalar, vector and time functions", "[rules][promql][functions]") {
  const auto s = gauges({{"a", -2.5}});
  CHECK(one(s, "abs(g)") == 2.5);
  CHECK(one(s, "ceil(g)") == -2);
  CHECK(one(s, "floor(g)") == -3);
  CHECK(one(s, "round(g)") == -2);  // round half up: math.Floor(v + 0.5)
  CHECK(one(s, "round(g, 2)") == -2);
  CHECK(one(gauges({{"a", 7}}), "round(g, 5)") == 5);
  CHECK(one(s, "sgn(g)") == -1);
  CHECK(std::isnan(one(s, "sqrt(g)")));
  CHECK(one(gauges({{"a", 100}}), "log10(g)") == 2);
  CHECK(one(gauges({{"a", 8}}), "log2(g)") == 3);
  CHECK(one(gauges({{"a", 1}}), "exp(g)") == Approx(M_E));
  CHECK(one(gauges({{"a", 180}}), "rad(g)") == Approx(M_PI));
  CHECK(one(s, "absent(nope{job=\"x\", a=~\"y\"})") == 1);
  Engine e;
  const auto a = vec(e.instant(s, "absent(nope{job=\"x\", a=~\"y\"})", 0));
  CHECK(a[0].metric.to_string() == "{job=\"x\"}");  // equality matchers only
  CHECK(vec(e.instant(s, "absent(g)", 0)).empty());
  auto sc = e.instant(s, "scalar(g)", 0);
  REQUIRE(sc.ok());
  CHECK(std::get<Scalar>(*sc).v == -2.5);
  auto none = e.instant(s, "scalar(nope)", 0);
  CHECK(std::isnan(std::get<Scalar>(*none).v));
  CHECK(one(s, "vector(time())") == 0);
  // 2023-02-28T23:59:59Z: the date functions in UTC.
  MemoryStorage d;
  d.append(Labels(std::vector<Label>{{"__name__", "t"}}), 0, 1677628799);
  CHECK(one(d, "year(t)") == 2023);
  CHECK(one(d, "month(t)") == 2);
  CHECK(one(d, "day_of_month(t)") == 28);
  CHECK(one(d, "days_in_month(t)") == 28);
  CHECK(one(d, "day_of_week(t)") == 2);  // a Tuesday
  CHECK(one(d, "day_of_year(t)") == 59);
  CHECK(one(d, "hour(t)") == 23);
  CHECK(one(d, "minute(t)") == 59);
  CHECK(one(d, "timestamp(t)") == 0);
}
