// The parser's type checks (parse_checks.cpp) with the messages Prometheus 2.42 gives
// (promql/parser/parse.go checkAST; cases from parse_test.go): operands of binary and unary
// operators, vector matching, call arity and argument types, aggregation parameters, selectors.
#include <catch2/catch.hpp>
#include <string>

#include "rules/promql/parser.hpp"

using namespace sonde::rules::promql;

namespace {

/// The message of the parse error `q` gives (without its position), or "parsed".
std::string message_of(std::string_view q) {
  auto r = parse(q);
  return r.ok() ? "parsed" : r.error().message;
}

std::string error_of(std::string_view q) {
  auto r = parse(q);
  return r.ok() ? "parsed" : r.error().to_string();
}

}  // namespace

TEST_CASE("promql checks: binary operators' operand types", "[rules][promql][parse_checks]") {
  CHECK(error_of("1 == 1") ==
        "1:3: parse error: comparisons between scalars must use BOOL modifier");
  CHECK(message_of("1 == bool 1") == "parsed");
  for (const char* op : {"and", "or", "unless"}) {
    INFO(op);
    const std::string msg =
        std::string("set operator \"") + op + "\" not allowed in binary scalar expression";
    CHECK(message_of(std::string("1 ") + op + " 1") == msg);
    CHECK(message_of(std::string("foo ") + op + " 1") == msg);
    CHECK(message_of(std::string("1 ") + op + " foo") == msg);
  }
  CHECK(message_of("foo[5m] + 1") ==
        "binary expression must contain only scalar and instant vector types");
  CHECK(message_of("1 + foo[5m]") ==
        "binary expression must contain only scalar and instant vector types");
  CHECK(message_of("\"a\" + 1") ==
        "binary expression must contain only scalar and instant vector types");
  CHECK(message_of("foo + bool bar") == "bool modifier can only be used on comparison operators");
  CHECK(message_of("foo + bool 10") == "bool modifier can only be used on comparison operators");
  CHECK(message_of("foo > bool bar") == "parsed");
}

TEST_CASE("promql checks: vector matching", "[rules][promql][parse_checks]") {
  CHECK(message_of("foo == on(bar) 10") == "vector matching only allowed between instant vectors");
  CHECK(message_of("1 + ignoring(a) foo") ==
        "vector matching only allowed between instant vectors");
  CHECK(message_of("foo and on(bar) group_left(baz) bar") ==
        "no grouping allowed for \"and\" operation");
  CHECK(message_of("foo or on(bar) group_right(baz) bar") ==
        "no grouping allowed for \"or\" operation");
  CHECK(message_of("foo unless on(bar) group_left() bar") ==
        "no grouping allowed for \"unless\" operation");
  CHECK(message_of("foo + on(bar) group_left(bar) baz") ==
        "label \"bar\" must not occur in ON and GROUP clause at once");
  CHECK(message_of("foo + on(bar) group_left(baz) qux") == "parsed");
  CHECK(message_of("foo + ignoring(bar) group_left(bar) baz") == "parsed");
}

TEST_CASE("promql checks: unary operators and modifiers", "[rules][promql][parse_checks]") {
  CHECK(message_of("-\"string\"") ==
        "unary expression only allowed on expressions of type scalar or instant vector, got "
        "\"string\"");
  CHECK(message_of("-test[5m]") ==
        "unary expression only allowed on expressions of type scalar or instant vector, got "
        "\"range vector\"");
  CHECK(message_of("1 offset 1d") ==
        "offset modifier must be preceded by an instant vector selector or range vector "
        "selector or a subquery");
  CHECK(message_of("foo offset 1s offset 2s") == "offset may not be set multiple times");
  CHECK(message_of("foo @ 1 @ 2") == "@ <timestamp> may not be set multiple times");
  CHECK(message_of("(foo + bar)[5m]") == "ranges only allowed for vector selectors");
  CHECK(message_of("1[5m]") == "ranges only allowed for vector selectors");
  CHECK(message_of("foo[5m][1h:1m]") ==
        "subquery is only allowed on instant vector, got matrix instead");
}

TEST_CASE("promql checks: calls' arity and argument types", "[rules][promql][parse_checks]") {
  CHECK(error_of("floor()") ==
        "1:1: parse error: expected 1 argument(s) in call to \"floor\", got 0");
  CHECK(message_of("floor(some_metric, other_metric)") ==
        "expected 1 argument(s) in call to \"floor\", got 2");
  CHECK(message_of("floor(1)") ==
        "expected type instant vector in call to function \"floor\", got scalar");
  CHECK(message_of("hour(some_metric, some_metric, some_metric)") ==
        "expected at most 1 argument(s) in call to \"hour\", got 3");
  CHECK(message_of("round(foo, 1, 2)") ==
        "expected at most 2 argument(s) in call to \"round\", got 3");
  CHECK(message_of("time(some_metric)") == "expected 0 argument(s) in call to \"time\", got 1");
  CHECK(message_of("label_join(foo)") ==
        "expected at least 3 argument(s) in call to \"label_join\", got 1");
  CHECK(message_of("label_join(foo, \"a\", \"-\", 1)") ==
        "expected type string in call to function \"label_join\", got scalar");
  CHECK(message_of("quantile_over_time(0.5, foo)") ==
        "expected type range vector in call to function \"quantile_over_time\", got instant "
        "vector");
  CHECK(message_of("clamp_max(foo, \"1\")") ==
        "expected type scalar in call to function \"clamp_max\", got string");
  CHECK(message_of("non_existent_function_far_bar()") ==
        "unknown function with name \"non_existent_function_far_bar\"");
  CHECK(message_of("hour()") == "parsed");
  CHECK(message_of("round(foo)") == "parsed");
  CHECK(message_of("label_join(foo, \"a\", \"-\", \"b\", \"c\")") == "parsed");
}

TEST_CASE("promql checks: aggregations", "[rules][promql][parse_checks]") {
  CHECK(message_of("sum(some_metric[5m])") ==
        "expected type instant vector in aggregation expression, got range vector");
  CHECK(message_of("topk(some_metric)") ==
        "wrong number of arguments for aggregate expression provided, expected 2, got 1");
  CHECK(message_of("sum(1, some_metric)") ==
        "wrong number of arguments for aggregate expression provided, expected 1, got 2");
  CHECK(message_of("topk(\"a\", some_metric)") ==
        "expected type scalar in aggregation parameter, got string");
  CHECK(message_of("count_values(5, other_metric)") ==
        "expected type string in aggregation parameter, got scalar");
  CHECK(message_of("quantile(0.9, foo)") == "parsed");
}

TEST_CASE("promql checks: selectors", "[rules][promql][parse_checks]") {
  CHECK(message_of("foo{__name__=\"bar\"}") ==
        "metric name must not be set twice: \"foo\" or \"bar\"");
  for (const char* q : {"{}", "{x=\"\"}", "{x=~\".*\"}", "{x!~\".+\"}", "{__name__=~\".*\"}"}) {
    INFO(q);
    CHECK(message_of(q) == "vector selector must contain at least one non-empty matcher");
  }
  CHECK(message_of("{x=\"\", y=\"a\"}") == "parsed");
  CHECK(message_of("{x!=\"\"}") == "parsed");
  CHECK(message_of("rate({__name__=~\".*\"}[5m])") ==
        "vector selector must contain at least one non-empty matcher");
}
