#include <algorithm>
#include <catch2/catch.hpp>
#include <cmath>
#include <cstring>

#include "rules/promql/engine.hpp"
#include "unit/rules/promql_test_support.hpp"

using namespace sonde::rules;
using namespace sonde::rules::promql;
using sonde::test::promql::counters;
using sonde::test::promql::vec;

TEST_CASE("promql instant queries: rate, aggregation, matching") {
  MemoryStorage s = counters();
  Engine e;
  const auto v = vec(e.instant(s, "sum by (job) (rate(reqs_total[5m]))", 1200000));
  REQUIRE(v.size() == 2);
  for (const auto& x : v) CHECK(x.point.v == Approx((1 + 2 + 3) / 15.0));
  CHECK(v[0].metric.get("job") == "api");
  CHECK_FALSE(v[0].metric.has("__name__"));

  const auto t = vec(e.instant(s, "topk(1, reqs_total)", 1200000));
  REQUIRE(t.size() == 1);
  CHECK(t[0].point.v == 240);
  CHECK(t[0].metric.get("__name__") == "reqs_total");

  auto sc = e.instant(s, "scalar(count(reqs_total))", 0);
  REQUIRE(sc.ok());
  CHECK(std::get<Scalar>(*sc).v == 6);
}

TEST_CASE("promql 5-minute lookback and staleness markers end a series") {
  MemoryStorage s;
  Labels l(std::vector<Label>{{"__name__", "up"}});
  s.append(l, 0, 1);
  s.append(l, 60000, stale_nan());
  Engine e;
  CHECK(vec(e.instant(s, "up", 30000)).size() == 1);
  CHECK(vec(e.instant(s, "up", 90000)).empty());  // stale
  MemoryStorage s2;
  s2.append(l, 0, 1);
  CHECK(vec(e.instant(s2, "up", 300000)).size() == 1);
  CHECK(vec(e.instant(s2, "up", 300001)).empty());  // past the lookback
}

TEST_CASE("promql range queries return one point per step") {
  MemoryStorage s = counters();
  Engine e;
  auto r = e.range(s, "reqs_total{job=\"api\", instance=\"0\"} * 2", 0, 600000, 60000);
  REQUIRE(r.ok());
  const auto& m = std::get<Matrix>(*r);
  REQUIRE(m.size() == 1);
  REQUIRE(m[0].points.size() == 11);
  CHECK(m[0].points[10].t == 600000);
  CHECK(m[0].points[10].v == 80);
  auto bad = e.range(s, "reqs_total[5m]", 0, 60000, 60000);
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.error().kind == QueryError::Kind::eval);
}

TEST_CASE("promql errors: parse errors and evaluation errors are distinct") {
  MemoryStorage s = counters();
  Engine e;
  auto p = e.instant(s, "sum(", 0);
  REQUIRE_FALSE(p.ok());
  CHECK(p.error().kind == QueryError::Kind::parse);
  auto m = e.instant(s, "reqs_total + on(job) reqs_total", 600000);
  REQUIRE_FALSE(m.ok());
  CHECK(m.error().kind == QueryError::Kind::eval);
  CHECK(m.error().eval.message.find("many-to-many matching not allowed") != std::string::npos);
  auto d = e.instant(s, "label_replace(reqs_total, \"instance\", \"x\", \"\", \"\")", 600000);
  REQUIRE_FALSE(d.ok());
  CHECK(d.error().eval.message == "vector cannot contain metrics with the same labelset");
}

TEST_CASE("promql limits: samples held at once and the timeout stop evaluation") {
  MemoryStorage s = counters();
  EngineOptions o;
  o.max_samples = 1000;
  Engine small(o);
  // A subquery with a tiny step over a long range.
  auto r = small.instant(s, "max_over_time(reqs_total[1d:1s])", 1200000);
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().eval.kind == EvalError::Kind::too_many_samples);
  CHECK(r.error().eval.message ==
        "query processing would load too many samples into memory in query execution");
  // count_values exploding into one series per distinct value, per step.
  auto cv = small.range(s, "count_values(\"v\", reqs_total)", 0, 1200000, 1000);
  REQUIRE_FALSE(cv.ok());
  CHECK(cv.error().eval.kind == EvalError::Kind::too_many_samples);

  EngineOptions t;
  t.max_samples = std::size_t(1) << 40;
  t.timeout = std::chrono::milliseconds(1);
  Engine hurried(t);
  auto slow =
      hurried.instant(s, "max_over_time(count(count_values(\"v\", reqs_total))[30d:1s])", 1200000);
  REQUIRE_FALSE(slow.ok());
  CHECK(slow.error().eval.kind == EvalError::Kind::timeout);

  EngineOptions ms;
  ms.max_series = 3;
  auto many = Engine(ms).instant(s, "reqs_total", 0);
  REQUIRE_FALSE(many.ok());
  CHECK(many.error().eval.kind == EvalError::Kind::too_many_series);
}

TEST_CASE("promql huge regexes are refused at parse time") {
  auto r = parse("m{a=~\"((a{1000}){1000}){1000}\"}");
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().message.find("invalid regular expression") != std::string::npos);
}

TEST_CASE("promql options default fits a per-host daemon") {
  EngineOptions o;
  CHECK(o.max_samples == 5'000'000);
  CHECK(o == EngineOptions{});
}

TEST_CASE("a label set's signature without its name is its hash once the name is gone",
          "[promql]") {
  using sonde::rules::promql::Labels;
  const Labels named({{"__name__", "m"}, {"a", "1"}, {"instance", "host:9100"}});
  const Labels bare = named.without_name();
  // hash_for takes a shortcut for sets without __name__; both ways must agree.
  CHECK(bare.hash_for({}, true) == bare.hash());
  CHECK(named.hash_for({}, true) == bare.hash());
  CHECK(named.hash_for({"a"}, true) ==
        Labels(std::vector<Label>{{"instance", "host:9100"}}).hash());
  CHECK(Labels().hash_for({}, true) == Labels().hash());
  // Long values hash 8 bytes at a time: where one string ends and the next begins counts.
  CHECK(Labels(std::vector<Label>{{"ab", "cdefghijkl"}}).hash() !=
        Labels(std::vector<Label>{{"abc", "defghijkl"}}).hash());
  CHECK(Labels(std::vector<Label>{{"a", "12345678"}}).hash() !=
        Labels(std::vector<Label>{{"a", "1234567"}}).hash());
}

namespace {

/// Series for the matching operators: two metrics over the same devices, one with an upper-case
/// label (it sorts before __name__), counters with a reset, a staleness marker.
MemoryStorage devices() {
  MemoryStorage s;
  for (int d = 0; d < 4; ++d) {
    const std::string dev = "d" + std::to_string(d);
    Labels avail({{"__name__", "avail"}, {"device", dev}, {"instance", "h:1"}, {"mode", "ro"}});
    Labels size({{"__name__", "size"}, {"device", dev}, {"instance", "h:1"}});
    Labels upper({{"Zone", "eu"}, {"__name__", "temp"}, {"device", dev}});
    Labels bytes({{"__name__", "bytes_total"}, {"device", dev}});
    for (int k = 0; k <= 40; ++k) {
      const std::int64_t t = k * 15000;
      s.append(avail, t, 100.0 * (d + 1) - k);
      s.append(size, t, 1000.0);
      s.append(upper, t, 40.0 + d + (k % 3));
      s.append(bytes, t, k == 20 && d == 1 ? 0 : 1e6 * d + 1234.5 * k * k);
    }
  }
  Labels gone({{"__name__", "avail"}, {"device", "gone"}, {"instance", "h:1"}, {"mode", "ro"}});
  s.append(gone, 0, 5);
  s.append(gone, 570000, stale_nan());
  return s;
}

}  // namespace

TEST_CASE("an instant query answers bit for bit as the last step of a range query", "[promql]") {
  // The one-step path moves labels out of its operands and computes signatures per sample; a
  // range query's steps copy them and use signatures cached per series.
  MemoryStorage s = devices();
  Engine e;
  const std::int64_t t = 600000;
  for (const char* q : {
           "avail / size",
           "avail / on (device, instance) size",
           "avail / ignoring (mode) size",
           "size / on (device) group_left (mode) avail",
           "avail > bool 300",
           "-avail",
           "avail < 0.1 * size and on (device) temp > 41",
           "avail or temp",
           "temp unless avail",
           "temp * 2 > 80",
           "abs(-temp)",
           "rate(bytes_total[5m]) / size",
           "sum by (instance) (rate(bytes_total[1m]))",
           "avg without (device) (temp)",
           "count without (device, instance) (avail)",
           "topk(2, avail)",
           "count_values(\"v\", size)",
           "label_replace(temp, \"z\", \"$1\", \"device\", \"d(.*)\")",
           "predict_linear(avail[10m], 3600) <= 0 and avail > 0",
           "changes(temp[5m]) > 0",
           "timestamp(avail)",
           "absent(nope)",
           "vector(1) + on () group_right avail",
       }) {
    INFO(q);
    const auto iv = vec(e.instant(s, q, t));
    auto rv = e.range(s, q, t - 15000, t, 15000);
    REQUIRE(rv.ok());
    const Matrix& m = std::get<Matrix>(*rv);
    Vector last;
    for (const auto& series : m)
      if (!series.points.empty() && series.points.back().t == t)
        last.push_back(Sample{series.metric, series.points.back()});
    REQUIRE(iv.size() == last.size());
    // The range result is sorted by labels; the instant one is in evaluation order.
    Vector sorted = iv;
    std::sort(sorted.begin(), sorted.end(),
              [](const Sample& a, const Sample& b) { return a.metric < b.metric; });
    for (std::size_t i = 0; i < sorted.size(); ++i) {
      INFO(sorted[i].metric.to_string());
      CHECK(sorted[i].metric == last[i].metric);
      CHECK(sorted[i].metric.hash() == last[i].metric.hash());
      CHECK(sorted[i].metric.to_string() == last[i].metric.to_string());
      const double a = sorted[i].point.v, b = last[i].point.v;
      CHECK(std::memcmp(&a, &b, sizeof a) == 0);
    }
  }
}

TEST_CASE("vector matching errors name the first duplicate in the side's order", "[promql]") {
  MemoryStorage s;
  for (const char* m : {"x", "y"}) {
    for (const char* dev : {"a", "b", "c"}) {
      s.append(Labels({{"__name__", m}, {"dev", dev}, {"k", "1"}}), 0, 1);
      s.append(Labels({{"__name__", m}, {"dev", dev}, {"k", "2"}}), 0, 1);
    }
  }
  Engine e;
  auto r = e.instant(s, "x / on (dev) y", 0);
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().to_string() ==
        "found duplicate series for the match group {dev=\"a\"} on the right hand-side of the "
        "operation: [{__name__=\"y\", dev=\"a\", k=\"2\"}, {__name__=\"y\", dev=\"a\", k=\"1\"}];"
        "many-to-many matching not allowed: matching labels must be unique on one side");
  auto l = e.instant(s, "x * on (dev) group_right y", 0);
  REQUIRE_FALSE(l.ok());
  CHECK(l.error().to_string().find("on the left hand-side") != std::string::npos);
  auto one = e.instant(s, "x / on (dev) y{k=\"1\"}", 0);
  REQUIRE_FALSE(one.ok());
  CHECK(one.error().to_string() ==
        "multiple matches for labels: many-to-one matching must be explicit "
        "(group_left/group_right)");
  auto many = e.instant(s, "x / on (dev) group_left y{k=\"1\"}", 0);
  REQUIRE(many.ok());
  auto dup = e.instant(s, "x / on (dev) group_left (k) y{k=\"1\"}", 0);
  REQUIRE_FALSE(dup.ok());
  CHECK(dup.error().to_string() ==
        "multiple matches for labels: grouping labels must ensure unique matches");
}
