// PromQL's instant-vector functions (functions.cpp) through the engine: label_replace,
// label_join, histogram_quantile, sort, clamp, absent, the date functions, as Prometheus 2.42's
// promql/functions.go computes them.
#include <catch2/catch.hpp>
#include <cmath>

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
