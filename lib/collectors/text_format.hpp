// A strict parser of the Prometheus text exposition format 0.0.4, for the textfile collector.
// It accepts what expfmt's TextParser (prometheus/common, as node_exporter 1.5.0 uses it)
// accepts and builds the same families, with a few refusals of its own where expfmt would let
// bad input through to a later error: a missing final newline, invalid UTF-8 in a label value,
// a repeated label name, a summary sample without `quantile`, a bucket without `le`.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/metrics.hpp"
#include "core/result.hpp"

namespace sonde::collectors {

struct TextMetric {
  std::vector<std::pair<std::string, std::string>> labels;  // as written, without quantile/le
  double value = 0;                                         // counter, gauge, untyped
  std::vector<std::pair<double, double>> quantiles;         // summary: (quantile, value)
  std::vector<std::pair<double, double>> buckets;           // histogram: (le, cumulative count)
  double count = 0;  // summary/histogram _count, truncated to an integer as expfmt does
  double sum = 0;
  bool timestamp = false;  // the line carried a client-side timestamp
};

struct TextFamily {
  std::string name;
  std::optional<std::string> help;  // absent, or an empty HELP text
  core::MetricType type = core::MetricType::untyped;
  std::vector<TextMetric> metrics;
};

/// Families in order of first appearance (families with no sample are dropped, as expfmt does).
/// The error names the line: "line 3: invalid metric name".
core::Result<std::vector<TextFamily>> parse_text_format(std::string_view text);

}  // namespace sonde::collectors
