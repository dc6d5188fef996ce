#include <catch2/catch.hpp>
#include <cmath>

#include "rules/promql/eval_internal.hpp"

using namespace sonde::rules::promql;
using namespace sonde::rules::promql::detail;

TEST_CASE("promql scalar operators follow Go's float arithmetic", "[rules][promql]") {
  CHECK(scalar_binop(Op::add, 1, 2) == 3);
  CHECK(scalar_binop(Op::div, 1, 0) == INFINITY);
  CHECK(std::isnan(scalar_binop(Op::div, 0, 0)));
  CHECK(scalar_binop(Op::mod, 7, 3) == 1);
  CHECK(scalar_binop(Op::mod, -7, 3) == -1);  // math.Mod keeps the dividend's sign
  CHECK(scalar_binop(Op::pow, 2, 10) == 1024);
  CHECK(scalar_binop(Op::atan2, 1, 1) == Approx(M_PI / 4));
}

TEST_CASE("promql element comparisons filter unless bool", "[rules][promql]") {
  bool keep = false;
  CHECK(elem_binop(Op::gtr, 3, 2, &keep) == 3);  // the left value is kept
  CHECK(keep);
  elem_binop(Op::gtr, 1, 2, &keep);
  CHECK_FALSE(keep);
  CHECK(elem_binop(Op::add, 1, 2, &keep) == 3);
  CHECK(keep);
  CHECK(drops_metric_name(Op::add));
  CHECK_FALSE(drops_metric_name(Op::gtr));  // comparisons without bool keep __name__
}
