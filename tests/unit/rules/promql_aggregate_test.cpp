#include <catch2/catch.hpp>
#include <cmath>

#include "rules/promql/eval_internal.hpp"

using namespace sonde::rules::promql::detail;

TEST_CASE("promql quantile interpolates as Prometheus's quantile.go", "[rules][promql]") {
  std::vector<double> v{1, 2, 3, 4};
  CHECK(quantile(0.5, v) == 2.5);
  v = {1, 2, 3, 4};
  CHECK(quantile(0, v) == 1);
  v = {1, 2, 3, 4};
  CHECK(quantile(1, v) == 4);
  v = {1, 2, 3, 4};
  CHECK(quantile(2, v) == INFINITY);
  v = {1, 2, 3, 4};
  CHECK(quantile(-1, v) == -INFINITY);
  std::vector<double> none;
  CHECK(std::isnan(quantile(0.5, none)));
}

TEST_CASE("promql count_values labels values as strconv.FormatFloat(v, 'f', -1)",
          "[rules][promql]") {
  CHECK(format_f(1) == "1");
  CHECK(format_f(0.1) == "0.1");
  CHECK(format_f(1e21) == "1000000000000000000000");
  CHECK(format_f(-2.5) == "-2.5");
  CHECK(format_f(INFINITY) == "+Inf");
  CHECK(format_f(NAN) == "NaN");
}
