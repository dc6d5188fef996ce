#include <catch2/catch.hpp>
#include <cmath>

#include "rules/promql/parse_checks.hpp"
#include "rules/promql/tokens.hpp"

using namespace sonde::rules::promql;
using namespace sonde::rules::promql::detail;

namespace {
double number(std::string text) { return number_value(Token{T::number, std::move(text), 0}); }
}  // namespace

TEST_CASE("promql number tokens read as Prometheus's strconv calls", "[rules][promql]") {
  CHECK(number("42") == 42);
  CHECK(number("0x1F") == 31);
  CHECK(number("010") == 8);  // a leading 0 is octal
  CHECK(number("1e3") == 1000);
  CHECK(number("1.5") == 1.5);
  CHECK(std::isinf(number("Inf")));
  CHECK(std::isnan(number("nan")));
  try {
    number("0x");
    FAIL("0x parsed");
  } catch (const Failure& f) {
    CHECK(f.msg == "error parsing number: strconv.ParseFloat: parsing \"0x\": invalid syntax");
  }
}

TEST_CASE("promql operator tokens: precedence and the operators they stand for",
          "[rules][promql]") {
  CHECK(precedence(T::lor) == 1);
  CHECK(precedence(T::land) == 2);
  CHECK(precedence(T::eqlc) == 3);
  CHECK(precedence(T::add) == 4);
  CHECK(precedence(T::mul) == 5);
  CHECK(precedence(T::pow) == 6);
  CHECK(precedence(T::number) == 0);
  CHECK(binary_op(T::add) == Op::add);
  CHECK(binary_op(T::pow) == Op::pow);
  CHECK(aggregate_op(T::quantile) == Op::quantile);
}
