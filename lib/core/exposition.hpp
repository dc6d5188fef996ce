// sonde's exposition writer: Prometheus text format 0.0.4 from snapshots whose series text is
// already rendered. Families are emitted sorted by name; a family published by several sources
// (node_scrape_collector_success, say) is written as one block.
#pragma once

#include <span>
#include <string>
#include <string_view>

#include "core/metrics.hpp"

namespace sonde::core {

inline constexpr std::string_view kTextContentType = "text/plain; version=0.0.4; charset=utf-8";

/// Appends a value as the text format spells it: shortest round-trip decimal, `+Inf`, `-Inf`,
/// `NaN`.
void append_value(std::string& out, double v);

/// Appends HELP text with backslash and newline escaped.
void append_escaped_help(std::string& out, std::string_view help);

/// Writes every family of every snapshot in text format 0.0.4.
void write_text(std::span<const SnapshotPtr> snapshots, std::string& out);

}  // namespace sonde::core
