// sonde's exposition writers: Prometheus text format 0.0.4 and OpenMetrics 1.0 text, from
// snapshots whose series text is already rendered. Families are emitted sorted by name; a family
// published by several sources (node_scrape_collector_success, say) is written as one block.
#pragma once

#include <span>
#include <string>
#include <string_view>

#include "core/metrics.hpp"

namespace sonde::core {

inline constexpr std::string_view kTextContentType = "text/plain; version=0.0.4; charset=utf-8";
inline constexpr std::string_view kOpenMetricsContentType =
    "application/openmetrics-text; version=1.0.0; charset=utf-8";
/// What Prometheus before 2.42 asked for; the bytes are the same as 1.0.0's.
inline constexpr std::string_view kOpenMetrics001ContentType =
    "application/openmetrics-text; version=0.0.1; charset=utf-8";

/// Appends a value as the text format spells it: shortest round-trip decimal, `+Inf`, `-Inf`,
/// `NaN`.
void append_value(std::string& out, double v);

/// Appends a number used as a label value (a histogram's `le`, a summary's `quantile`) spelled
/// exactly as client_golang spells it in text format (Go's strconv 'g', shortest): exponent form
/// below 1e-4 and from 1e6 up, fixed otherwise (`100000`, `1e+06`, `0.0001`, `1e-05`). A label
/// value is a string to Prometheus, so `le="1e+05"` and `le="100000"` would be different series.
void append_label_number(std::string& out, double v);

/// Appends HELP text with backslash and newline escaped.
void append_escaped_help(std::string& out, std::string_view help);

/// Writes every family of every snapshot in text format 0.0.4.
void write_text(std::span<const SnapshotPtr> snapshots, std::string& out);

/// Writes the same families as OpenMetrics 1.0 text: a counter family's TYPE/HELP name has no
/// `_total` and its samples do (added where the series lacks it), untyped is `unknown`, HELP also
/// escapes double quotes, a histogram's `le` and a summary's `quantile` are canonical numbers
/// (`1.0`, not `1`, as client_golang's OpenMetrics encoder writes them), and the exposition ends
/// with `# EOF`.
void write_openmetrics(std::span<const SnapshotPtr> snapshots, std::string& out);

}  // namespace sonde::core
