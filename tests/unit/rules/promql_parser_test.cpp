#include <catch2/catch.hpp>

#include "rules/promql/parser.hpp"

using namespace sonde::rules::promql;

namespace {
std::string round_trip(std::string_view q) {
  auto r = parse(q);
  if (!r.ok()) return "ERROR " + r.error().to_string();
  return (*r)->to_string();
}
std::string error_of(std::string_view q) {
  auto r = parse(q);
  return r.ok() ? "parsed" : r.error().to_string();
}
}  // namespace

TEST_CASE("promql parser prints expressions as Prometheus does") {
  CHECK(round_trip("sum by(mode)(rate(node_cpu_seconds_total{mode!=\"idle\"}[5m]))") ==
        "sum by (mode) (rate(node_cpu_seconds_total{mode!=\"idle\"}[5m]))");
  CHECK(round_trip("foo offset 5m") == "foo offset 5m");
  CHECK(round_trip("foo offset -1h30m") == "foo offset -1h30m");
  CHECK(round_trip("foo @ 100") == "foo @ 100.000");
  CHECK(round_trip("foo[5m] @ start() offset 1m") == "foo[5m] @ start() offset 1m");
  CHECK(round_trip("rate(foo[5m])[30m:1m]") == "rate(foo[5m])[30m:1m]");
  CHECK(round_trip("max_over_time(foo[5m:])") == "max_over_time(foo[5m:])");
  CHECK(round_trip("a + on(b) group_left(c) d") == "a + on (b) group_left (c) d");
  CHECK(round_trip("a > bool 1") == "a > bool 1");
  CHECK(round_trip("-1") == "-1");
  CHECK(round_trip("0x1F") == "31");
  CHECK(round_trip("1e6") == "1e+06");
  CHECK(round_trip("Inf") == "+Inf");
  CHECK(round_trip("-inf") == "-Inf");
  CHECK(round_trip("nan") == "NaN");
  CHECK(round_trip("2 ^ 3 ^ 2") == "2 ^ 3 ^ 2");
  CHECK(round_trip("topk(3, x) without (a)") == "topk without (a) (3, x)");
  CHECK(round_trip("{__name__=~\"a.*\"}") == "{__name__=~\"a.*\"}");
  CHECK(round_trip("'it\\'s'") == "\"it's\"");
  CHECK(round_trip("count_values(\"v\", x)") == "count_values(\"v\", x)");
  // model.Duration.String(): years and weeks only when exact.
  CHECK(round_trip("foo[90d]") == "foo[90d]");
  CHECK(round_trip("foo[14d]") == "foo[2w]");
}

TEST_CASE("promql operator precedence and associativity") {
  auto r = parse("1 + 2 * 3 ^ 2 ^ 2");
  REQUIRE(r.ok());
  const auto& b = static_cast<const BinaryExpr&>(**r);
  CHECK(b.op == Op::add);
  const auto& mul = static_cast<const BinaryExpr&>(*b.rhs);
  CHECK(mul.op == Op::mul);
  const auto& pow = static_cast<const BinaryExpr&>(*mul.rhs);
  CHECK(pow.op == Op::pow);
  CHECK(static_cast<const BinaryExpr&>(*pow.rhs).op == Op::pow);  // right-associative
  auto u = parse("-a ^ 2");
  REQUIRE(u.ok());
  CHECK((*u)->kind == NodeKind::unary);  // -(a ^ 2)
  auto s = parse("a - b - c");
  REQUIRE(s.ok());
  CHECK(static_cast<const BinaryExpr&>(**s).lhs->kind == NodeKind::binary);  // (a - b) - c
}

TEST_CASE("promql parse errors carry Prometheus's positions and wording") {
  CHECK(error_of("foo +") == "1:6: parse error: unexpected end of input");
  CHECK(error_of("1 +* 2") == "1:4: parse error: unexpected <op:*>");
  CHECK(error_of("sum(foo") == "1:8: parse error: unclosed left parenthesis");
  CHECK(error_of("foo{") == "1:5: parse error: unexpected end of input inside braces");
  CHECK(error_of("nofunc(x)") == "1:1: parse error: unknown function with name \"nofunc\"");
  CHECK(error_of("rate(x)") ==
        "1:6: parse error: expected type range vector in call to function \"rate\", got instant "
        "vector");
  CHECK(error_of("1 > 2") ==
        "1:3: parse error: comparisons between scalars must use BOOL modifier");
  CHECK(error_of("{}") ==
        "1:1: parse error: vector selector must contain at least one non-empty matcher");
  CHECK(error_of("foo{a=~\"(\"}").find("parse error: ") != std::string::npos);
  CHECK(error_of("a\n+ *") == "2:3: parse error: unexpected <op:*>");
  CHECK(error_of("foo[5m] offset 0s") == "1:16: parse error: duration must be greater than 0");
  CHECK(error_of("foo[300y]").find("duration out of range") != std::string::npos);
  CHECK(error_of("sum(x) offset 5m").find("offset modifier must be preceded") != std::string::npos);
}

TEST_CASE("promql parser bounds nesting depth") {
  std::string deep(100000, '(');
  deep += "1";
  deep += std::string(100000, ')');
  auto r = parse(deep);
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().message.find("nested deeper") != std::string::npos);
  std::string neg(50000, '-');
  neg += "1";
  CHECK_FALSE(parse(neg).ok());
}
