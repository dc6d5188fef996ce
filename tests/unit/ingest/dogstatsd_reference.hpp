// The metric-line parser as it was before the single-pass one (commit 44f1692: a find or
// next_field per field), kept as the reference the new parser must agree with on every line
// (dogstatsd_differential_test.cpp). Only for tests. Values go through the
// current parse_number, which has its own tests.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "ingest/dogstatsd.hpp"

namespace sonde::ingest::reference {

inline std::uint32_t count_tags(std::string_view tags) {
  if (tags.empty()) return 0;
  std::uint32_t n = 1;
  for (char c : tags) n += c == ',' ? 1 : 0;
  return n;
}

/// Takes the text up to the next '|' (or the end) off `rest`.
inline std::string_view next_field(std::string_view& rest) {
  const auto bar = rest.find('|');
  const std::string_view field = rest.substr(0, bar);
  rest.remove_prefix(bar == std::string_view::npos ? rest.size() : bar + 1);
  return field;
}

inline ParseError parse_metric(std::string_view line, const ParseLimits& limits, MetricLine& m) {
  m = MetricLine{};
  const auto colon = line.find(':');
  if (colon == 0 || colon == std::string_view::npos) return ParseError::malformed;
  m.name = line.substr(0, colon);
  if (m.name.find('|') != std::string_view::npos) return ParseError::malformed;
  std::string_view rest = line.substr(colon + 1);
  const auto bar = rest.find('|');
  if (bar == std::string_view::npos) return ParseError::malformed;
  m.values = rest.substr(0, bar);
  rest.remove_prefix(bar + 1);
  m.type = next_field(rest);
  if (m.type == "c") {
    m.kind = MetricKind::counter;
  } else if (m.type == "g") {
    m.kind = MetricKind::gauge;
  } else if (m.type == "ms") {
    m.kind = MetricKind::timer;
  } else if (m.type == "h") {
    m.kind = MetricKind::histogram;
  } else if (m.type == "d") {
    m.kind = MetricKind::distribution;
  } else if (m.type == "s") {
    m.kind = MetricKind::set;
  } else {
    return ParseError::malformed;
  }
  // Every value must be present; numeric ones must parse (sets take any non-empty text).
  bool bad = false, first = true;
  for_each_value(m.values, [&](std::string_view v) {
    if (v.empty()) {
      bad = true;
    } else if (m.kind != MetricKind::set) {
      // The sign is checked later: a negative counter has its own reason.
      const auto x = parse_number(v);
      if (!x) bad = true;
      if (x && first) m.first_value = *x;
    }
    m.multi_value = !first;
    first = false;
  });
  if (bad) return ParseError::malformed;
  bool seen_rate = false, seen_tags = false;
  while (!rest.empty()) {
    const std::string_view field = next_field(rest);
    if (field.empty()) return ParseError::malformed;  // "||" or a trailing '|'
    if (field[0] == '@') {
      if (seen_rate) return ParseError::malformed;
      seen_rate = true;
      auto rate = parse_number(field.substr(1));
      if (!rate || !(*rate > 0) || *rate > 1) return ParseError::malformed;
      m.sample_rate = *rate;
    } else if (field[0] == '#') {
      if (seen_tags) return ParseError::malformed;
      seen_tags = true;
      m.tags = field.substr(1);
      m.tag_count = count_tags(m.tags);
      if (m.tag_count > limits.max_tags) return ParseError::too_many_tags;
    } else if (field.size() >= 2 && field[0] == 'c' && field[1] == ':') {
      if (m.container.empty()) m.container = field.substr(2);
    }
    // Anything else (T<ts>, e:<external data>, card:<cardinality>, future fields) is an
    // extension sonde does not use.
  }
  // A line that ends in '|' leaves an empty last field that the loop above never sees.
  if (line.back() == '|') return ParseError::malformed;
  return ParseError::ok;
}

/// The old parse_line for metric lines; events and service checks are not this file's.
inline ParseError parse_line(std::string_view line, const ParseLimits& limits, MetricLine& out) {
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  if (line.empty()) return ParseError::empty;
  if (line.size() > limits.max_line_bytes) return ParseError::line_too_long;
  return parse_metric(line, limits, out);
}

}  // namespace sonde::ingest::reference
