// The PromQL syntax tree (ast.cpp): value types and their names, operators, the function table
// (Prometheus 2.42's parser/functions.go), each node's type, and printing every node kind as
// Prometheus's String() methods do (numbers with Go's %v).
#include <catch2/catch.hpp>
#include <string>

#include "rules/promql/parser.hpp"

using namespace sonde::rules::promql;

namespace {

ExprPtr parsed(std::string_view q) {
  auto r = parse(q);
  if (!r.ok()) FAIL(r.error().to_string());
  return std::move(*r);
}

std::string printed(std::string_view q) { return parsed(q)->to_string(); }

ValueType type_of(std::string_view q) { return parsed(q)->type(); }

}  // namespace

TEST_CASE("promql value type names as Prometheus's messages and API say", "[rules][promql][ast]") {
  CHECK(std::string(value_type_name(ValueType::scalar)) == "scalar");
  CHECK(std::string(value_type_name(ValueType::vector)) == "vector");
  CHECK(std::string(value_type_name(ValueType::matrix)) == "matrix");
  CHECK(std::string(value_type_name(ValueType::string)) == "string");
  CHECK(std::string(value_type_name(ValueType::none)) == "none");
  CHECK(std::string(document_name(ValueType::vector)) == "instant vector");
  CHECK(std::string(document_name(ValueType::matrix)) == "range vector");
  CHECK(std::string(document_name(ValueType::scalar)) == "scalar");
}

TEST_CASE("promql operators: text and classes", "[rules][promql][ast]") {
  CHECK(std::string(op_string(Op::add)) == "+");
  CHECK(std::string(op_string(Op::pow)) == "^");
  CHECK(std::string(op_string(Op::eql)) == "==");
  CHECK(std::string(op_string(Op::neq)) == "!=");
  CHECK(std::string(op_string(Op::lte)) == "<=");
  CHECK(std::string(op_string(Op::atan2)) == "atan2");
  CHECK(std::string(op_string(Op::lunless)) == "unless");
  CHECK(std::string(op_string(Op::count_values)) == "count_values");
  for (Op op : {Op::eql, Op::neq, Op::gtr, Op::lss, Op::gte, Op::lte}) CHECK(is_comparison(op));
  for (Op op : {Op::add, Op::land, Op::sum}) CHECK_FALSE(is_comparison(op));
  for (Op op : {Op::land, Op::lor, Op::lunless}) CHECK(is_set_operator(op));
  CHECK_FALSE(is_set_operator(Op::add));
}

TEST_CASE("promql function table: signatures of functions.go", "[rules][promql][ast]") {
  const Function* rate = find_function("rate");
  REQUIRE(rate != nullptr);
  CHECK(rate->arg_types == std::vector<ValueType>{ValueType::matrix});
  CHECK(rate->variadic == 0);
  CHECK(rate->return_type == ValueType::vector);
  const Function* round = find_function("round");
  REQUIRE(round != nullptr);
  CHECK(round->arg_types == std::vector<ValueType>{ValueType::vector, ValueType::scalar});
  CHECK(round->variadic == 1);
  const Function* join = find_function("label_join");
  REQUIRE(join != nullptr);
  CHECK(join->variadic == -1);
  CHECK(find_function("time")->return_type == ValueType::scalar);
  CHECK(find_function("time")->arg_types.empty());
  CHECK(find_function("scalar")->return_type == ValueType::scalar);
  CHECK(find_function("vector")->arg_types == std::vector<ValueType>{ValueType::scalar});
  CHECK(find_function("holt_winters")->arg_types ==
        std::vector<ValueType>{ValueType::matrix, ValueType::scalar, ValueType::scalar});
  CHECK(find_function("Rate") == nullptr);  // names are case-sensitive
  CHECK(find_function("sum") == nullptr);   // aggregations are not functions
  CHECK(find_function("") == nullptr);
}

TEST_CASE("promql node types", "[rules][promql][ast]") {
  CHECK(type_of("1") == ValueType::scalar);
  CHECK(type_of("\"a\"") == ValueType::string);
  CHECK(type_of("foo") == ValueType::vector);
  CHECK(type_of("foo[5m]") == ValueType::matrix);
  CHECK(type_of("foo[5m:1m]") == ValueType::matrix);
  CHECK(type_of("(foo)") == ValueType::vector);
  CHECK(type_of("-foo") == ValueType::vector);
  CHECK(type_of("-1") == ValueType::scalar);
  CHECK(type_of("1 + 1") == ValueType::scalar);
  CHECK(type_of("1 + foo") == ValueType::vector);
  CHECK(type_of("1 < bool 2") == ValueType::scalar);
  CHECK(type_of("sum(foo)") == ValueType::vector);
  CHECK(type_of("time()") == ValueType::scalar);
  CHECK(type_of("rate(foo[1m])") == ValueType::vector);
  const auto p = parsed("((foo))");
  CHECK(unwrap_parens(p.get())->kind == NodeKind::vector_selector);
}

TEST_CASE("promql nodes print as Prometheus's String()", "[rules][promql][ast]") {
  // Numbers: Go's %v of a float64.
  CHECK(printed("1.5") == "1.5");
  CHECK(printed("123456") == "123456");
  CHECK(printed("1234567") == "1.234567e+06");
  CHECK(printed("0.0001") == "0.0001");
  CHECK(printed("0.00001") == "1e-05");
  CHECK(printed("0.1 + 0.2") == "0.1 + 0.2");
  CHECK(printed("1e300") == "1e+300");
  // Strings with Go's %q; selectors with their matchers sorted as text, the name outside the
  // braces only when it was written there.
  CHECK(printed("\"a\\tb\"") == "\"a\\tb\"");
  CHECK(printed("foo{b=\"1\", a!~\"x\"}") == "foo{a!~\"x\",b=\"1\"}");
  CHECK(printed("{__name__=\"foo\", a=\"b\"}") == "{__name__=\"foo\",a=\"b\"}");
  CHECK(printed("{__name__=~\"f.*\"}") == "{__name__=~\"f.*\"}");
  // Modifiers, subqueries, aggregations, calls, matching.
  CHECK(printed("foo[1h] offset 30m") == "foo[1h] offset 30m");
  CHECK(printed("foo @ end()") == "foo @ end()");
  CHECK(printed("foo[10m:]") == "foo[10m:]");
  CHECK(printed("rate(foo[5m])[1h:5m] offset 1m") == "rate(foo[5m])[1h:5m] offset 1m");
  CHECK(printed("sum without(a, b) (foo)") == "sum without (a, b) (foo)");
  CHECK(printed("count_values by (x) (\"v\", foo)") == "count_values by (x) (\"v\", foo)");
  CHECK(printed("quantile(0.9, foo)") == "quantile(0.9, foo)");
  CHECK(printed("sum by () (foo)") == "sum(foo)");
  CHECK(printed("label_join(foo, \"a\", \",\", \"b\", \"c\")") ==
        "label_join(foo, \"a\", \",\", \"b\", \"c\")");
  CHECK(printed("a * ignoring(b) group_right(c, d) e") == "a * ignoring (b) group_right (c, d) e");
  CHECK(printed("a and on() b") == "a and on () b");
  CHECK(printed("a == bool on(x) b") == "a == bool on (x) b");
  CHECK(printed("-(a + b)") == "-(a + b)");
  CHECK(printed("(a + b) * c") == "(a + b) * c");
}
