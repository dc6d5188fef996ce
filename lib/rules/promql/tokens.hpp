// What the parser makes of single tokens (tokens.cpp).
#pragma once

#include "rules/promql/ast.hpp"
#include "rules/promql/lexer.hpp"

namespace sonde::rules::promql::detail {

/// A binary operator's precedence as generated_parser.y declares it (1 `or` … 6 `^`), 0 for
/// any other token.
int precedence(T t);
/// A number token's value: Inf/NaN, 0x hex and 0-octal integers, else strconv.ParseFloat;
/// throws Failure with Prometheus's message when it does not parse.
double number_value(const Token& t);
/// The operator a binary-operator token stands for, and the aggregation an aggregator token does.
Op binary_op(T t);
Op aggregate_op(T t);

}  // namespace sonde::rules::promql::detail
