// PromQL's tokens (Prometheus 2.42 promql/parser/lex.go) and the small text helpers shared by the
// parser and the printer: durations, Go string quoting and unquoting.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "rules/promql/literal.hpp"

namespace sonde::rules::promql {

/// The operators and aggregations whose tokens and tree operators (ast.hpp's Op) have the same
/// names, each listed once: X(name) per entry, in Prometheus's order. Both enums, and the
/// token-to-Op mapping in tokens.cpp, are written from these lists.
// clang-format off
#define SONDE_PROMQL_ARITHMETIC(X) X(add) X(sub) X(mul) X(div) X(mod) X(pow)
#define SONDE_PROMQL_SET_OPERATORS(X) X(land) X(lor) X(lunless)
#define SONDE_PROMQL_AGGREGATIONS(X) \
  X(sum) X(avg) X(count) X(min) X(max) X(group) X(stddev) X(stdvar) X(topk) X(bottomk) \
  X(count_values) X(quantile)
// clang-format on
#define SONDE_PROMQL_ENUMERATOR(name) name,

enum class T {
  eof,
  error,
  identifier,
  metric_identifier,
  number,
  string,
  duration,
  lparen,
  rparen,
  lbrace,
  rbrace,
  lbracket,
  rbracket,
  comma,
  colon,
  at,
  eql,
  // operators
  // clang-format off
  SONDE_PROMQL_ARITHMETIC(SONDE_PROMQL_ENUMERATOR)
  // clang-format on
  eqlc,
  neq,
  lss,
  lte,
  gtr,
  gte,
  eql_regex,
  neq_regex,
  // clang-format off
  SONDE_PROMQL_SET_OPERATORS(SONDE_PROMQL_ENUMERATOR)
  // clang-format on
  atan2,
  // aggregators
  SONDE_PROMQL_AGGREGATIONS(SONDE_PROMQL_ENUMERATOR)
  // keywords
  kw_offset,
  kw_by,
  kw_without,
  kw_on,
  kw_ignoring,
  kw_group_left,
  kw_group_right,
  kw_bool,
  kw_start,
  kw_end,
};

struct Token {
  T type = T::eof;
  std::string val;  // the token's text; for T::error, the message
  int pos = 0;      // byte offset in the input
};

/// Tokens of `input` without spaces and comments, ending with eof or one error token.
std::vector<Token> lex(std::string_view input);
/// How an error message names a token: `<op:+>`, `identifier "foo"`, `end of input`, ...
std::string token_desc(const Token& t);
bool is_aggregator(T t);
/// A valid label name: `[a-zA-Z_][a-zA-Z0-9_]*`.
bool is_label_name(std::string_view s);

}  // namespace sonde::rules::promql
