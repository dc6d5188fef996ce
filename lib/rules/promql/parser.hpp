// PromQL parser: text → AST, with Prometheus 2.42's checks and error messages.
#pragma once

#include <string>
#include <string_view>

#include "core/result.hpp"
#include "rules/promql/ast.hpp"
#include "rules/promql/literal.hpp"

namespace sonde::rules::promql {

/// A parse error: where (1-based line and column in bytes inside the expression, as Prometheus
/// counts them) and Prometheus's message ("unexpected <op:+>").
struct ParseError {
  int line = 1;
  int column = 1;
  std::string message;
  /// `1:5: parse error: unexpected <op:+>`, as Prometheus's ParseErr.Error().
  std::string to_string() const;
};

/// Deepest nesting of parentheses, calls, aggregations and operators the parser accepts; deeper
/// input is an error rather than a stack overflow.
inline constexpr int kMaxParseDepth = 256;

/// Parses a PromQL expression (parser.ParseExpr).
core::Result<ExprPtr, ParseError> parse(std::string_view expr);

/// A metric and its label matchers only, as in `up{job="x"}` (parser.ParseMetricSelector).
core::Result<std::vector<Matcher>, ParseError> parse_metric_selector(std::string_view input);

/// One value of a series description: a number, or omitted (`_`). Stale values are stale_nan().
struct SequenceValue {
  double value = 0;
  bool omitted = false;
};
/// A series description as promtool's input_series and the test scripts write it:
/// `metric{a="b"} 1+2x3 _ stale 4x2` (parser.ParseSeriesDesc).
struct SeriesDesc {
  Labels labels;
  std::vector<SequenceValue> values;
};
core::Result<SeriesDesc, ParseError> parse_series_desc(std::string_view input);

}  // namespace sonde::rules::promql
