// A pure DogStatsD line parser: string_views over the receive buffer, no allocation, no state.
//
// Format (DogStatsD datagram spec, https://docs.datadoghq.com/developers/dogstatsd/datagram_shell):
//   metric:         name:value[:value...]|type[|@sample_rate][|#tag,tag:value...][|T<ts>][|c:<id>]
//   event:          _e{<title_len>,<text_len>}:title|text[|d:ts][|h:host][|k:key][|p:priority]
//                   [|s:source_type][|t:alert_type][|#tags]
//   service check:  _sc|name|status[|d:ts][|h:host][|#tags][|m:message]
// Types: c (counter), g (gauge; a leading + or - makes the value a delta), ms (timer), h
// (histogram), d (distribution), s (set). The container field `|c:<id>` is returned (origin
// detection uses it); other extension fields (`|e:`, `|card:`, `|T`, anything else after the
// type) are ignored, not errors.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace sonde::ingest {

enum class MetricKind : std::uint8_t { counter, gauge, timer, histogram, distribution, set };

/// Why a line was refused. `ok` for a good line; `empty` for an empty line (skipped, not counted).
enum class ParseError : std::uint8_t {
  ok,
  empty,
  malformed,
  line_too_long,
  too_many_tags,
};

/// One parsed metric line. Every view points into the line given to the parser.
struct MetricLine {
  std::string_view name;    // non-empty, as sent
  std::string_view values;  // one or more values separated by ':'
  std::string_view type;    // "c", "g", "ms", "h", "d" or "s"
  MetricKind kind = MetricKind::counter;
  double sample_rate = 1;  // in (0, 1]
  std::string_view tags;   // the text after '#', comma-separated; may be empty
  std::uint32_t tag_count = 0;
  double first_value = 0;      // the first value, parsed (numeric kinds)
  bool multi_value = false;    // values holds more than one value
  std::string_view container;  // the text after `|c:` (its first occurrence); may be empty
  /// From the '|' after the values to the end of the line: the type and the fields. The
  /// aggregator's cache key is the name and these bytes when `plain_fields`.
  std::string_view rest;
  /// No field after the type but a sample rate, tags and `|c:` (no `|T<timestamp>` or other
  /// extension): then name and rest alone decide everything the line means but its values.
  bool plain_fields = true;
};

struct EventLine {
  std::string_view title;
  std::string_view text;
  std::string_view priority = "normal";  // p:
  std::string_view alert_type = "info";  // t:
  std::string_view source_type;          // s:
  std::string_view tags;
  std::uint32_t tag_count = 0;
  std::string_view container;  // c:
};

struct ServiceCheckLine {
  std::string_view name;
  int status = 0;                   // 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN
  std::optional<double> timestamp;  // d:, seconds since the epoch
  std::string_view tags;
  std::uint32_t tag_count = 0;
  std::string_view container;  // c:
};

enum class LineKind : std::uint8_t { metric, event, service_check };

struct ParsedLine {
  LineKind kind = LineKind::metric;
  MetricLine metric;
  EventLine event;
  ServiceCheckLine check;
};

struct ParseLimits {
  std::size_t max_line_bytes = 16384;
  std::uint32_t max_tags = 64;
};

/// Parses one line (without its '\n'; a trailing '\r' is dropped). Never allocates or throws.
ParseError parse_line(std::string_view line, const ParseLimits& limits, ParsedLine& out);

/// Parses one value of a metric line as a finite double (decimal or exponent form, optional
/// sign). NaN, infinities, hex and anything else are rejected.
std::optional<double> parse_number(std::string_view s);

/// parse_number for what is not a short integer. `s` is not empty.
std::optional<double> parse_decimal(std::string_view s);

/// A short integer ("1", "-3", "+1"): up to 15 digits are exact in a double, so they need no
/// from_chars. The same value as from_chars gives, "-0" included; false for anything else.
/// `s` is not empty.
inline bool parse_small_integer(std::string_view s, double& out) {
  if (s.size() == 1) {  // "1", the most common value of all
    const auto d = static_cast<unsigned>(s[0] - '0');
    if (d > 9) return false;
    out = d;
    return true;
  }
  const std::size_t i = (s[0] == '-' || s[0] == '+') ? 1 : 0;
  if (s.size() <= i || s.size() - i > 15) return false;
  std::uint64_t digits = 0;
  for (std::size_t j = i; j < s.size(); ++j) {
    const auto d = static_cast<unsigned>(s[j] - '0');
    if (d > 9) return false;
    digits = digits * 10 + d;
  }
  const auto v = static_cast<double>(digits);
  out = s[0] == '-' ? -v : v;
  return true;
}

/// parse_number with the common case inline, for the hot path. `s` is not empty.
inline bool parse_value(std::string_view s, double& out) {
  if (parse_small_integer(s, out)) return true;
  const auto v = parse_decimal(s);
  if (v) out = *v;
  return v.has_value();
}

/// Calls f(value) for each ':'-separated value of a metric line.
template <class F>
void for_each_value(std::string_view values, F&& f) {
  for (;;) {
    const auto colon = values.find(':');
    f(values.substr(0, colon));
    if (colon == std::string_view::npos) return;
    values.remove_prefix(colon + 1);
  }
}

/// Calls f(name, value, has_value) for each comma-separated tag; a tag without ':' has no
/// value. Empty tags (`a,,b`) are passed with an empty name.
template <class F>
void for_each_tag(std::string_view tags, F&& f) {
  if (tags.empty()) return;
  for (;;) {
    const auto comma = tags.find(',');
    const std::string_view tag = tags.substr(0, comma);
    const auto colon = tag.find(':');
    if (colon == std::string_view::npos) {
      f(tag, std::string_view{}, false);
    } else {
      f(tag.substr(0, colon), tag.substr(colon + 1), true);
    }
    if (comma == std::string_view::npos) return;
    tags.remove_prefix(comma + 1);
  }
}

/// Splits a datagram or stream chunk into lines at '\n' and calls f(line) for each, including
/// empty ones.
template <class F>
void for_each_line(std::string_view payload, F&& f) {
  while (!payload.empty()) {
    const auto nl = payload.find('\n');
    f(payload.substr(0, nl));
    if (nl == std::string_view::npos) return;
    payload.remove_prefix(nl + 1);
  }
}

}  // namespace sonde::ingest
