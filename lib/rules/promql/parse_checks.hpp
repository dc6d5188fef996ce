// The parser's semantic checks (parse_checks.cpp), shared by parser.cpp. Each throws Failure.
#pragma once

#include <string>
#include <string_view>

#include "rules/promql/ast.hpp"

namespace sonde::rules::promql::detail {

/// A parse error at byte `pos`, thrown through the parser and turned into a ParseError.
struct Failure {
  int pos;
  std::string msg;
};
[[noreturn]] inline void fail(int pos, std::string msg) { throw Failure{pos, std::move(msg)}; }

/// "expected type <want> in <context>, got <type>" unless `e` has type `want`.
void expect_type(const Expr& e, ValueType want, std::string_view context);
/// A binary expression's checks; settles its vector matching (set operators become
/// many-to-many; matching is dropped unless both sides are vectors). `input`: the query text.
void check_binary(BinaryExpr& n, std::string_view input);
/// A call's arity and argument types.
void check_call(const Call& n);
/// Selector checks over the finished tree: the metric name set once, at least one matcher that
/// does not match the empty string.
void check_selectors(const Expr& e);

}  // namespace sonde::rules::promql::detail
