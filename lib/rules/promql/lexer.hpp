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
  add,
  sub,
  mul,
  div,
  mod,
  pow,
  eqlc,
  neq,
  lss,
  lte,
  gtr,
  gte,
  eql_regex,
  neq_regex,
  land,
  lor,
  lunless,
  atan2,
  // aggregators
  sum,
  avg,
  count,
  min,
  max,
  group,
  stddev,
  stdvar,
  topk,
  bottomk,
  count_values,
  quantile,
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
