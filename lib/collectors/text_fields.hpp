// Small, allocation-free helpers shared by the /proc and /sys parsers: splitting a line into
// whitespace-separated fields (as Go's strings.Fields, which node_exporter's parsers use) and
// parsing numbers with std::from_chars, which neither throws nor depends on the locale.
#pragma once

#include <charconv>
#include <cmath>
#include <cstdint>
#include <optional>
#include <string_view>

namespace sonde::collectors::text {

/// ASCII whitespace, as Go's strings.Fields splits on.
inline bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

/// Returns the next whitespace-separated field of `line` and removes it (and the blanks before
/// it) from `line`; an empty view when none is left.
inline std::string_view next_field(std::string_view& line) {
  std::size_t i = 0;
  while (i < line.size() && is_space(line[i])) ++i;
  std::size_t j = i;
  while (j < line.size() && !is_space(line[j])) ++j;
  const std::string_view field = line.substr(i, j - i);
  line.remove_prefix(j);
  return field;
}

/// Every whitespace-separated field of `line` (strings.Fields), into `out` (cleared first).
template <class Vector>
void split_fields(std::string_view line, Vector& out) {
  out.clear();
  for (std::string_view f = next_field(line); !f.empty(); f = next_field(line)) out.push_back(f);
}

inline std::string_view trim(std::string_view s) {
  while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
  return s;
}

/// A whole field as an unsigned decimal; nullopt on anything else (sign, garbage, overflow past
/// 2^64-1).
inline std::optional<std::uint64_t> parse_u64(std::string_view s) {
  std::uint64_t v = 0;
  const char* const end = s.data() + s.size();
  const auto [ptr, ec] = std::from_chars(s.data(), end, v);
  if (s.empty() || ec != std::errc() || ptr != end) return std::nullopt;
  return v;
}

/// strconv.ParseInt(s, 10, 64): an optional sign, then decimal digits, in int64's range.
inline std::optional<std::int64_t> parse_go_int(std::string_view s) {
  if (s.size() > 1 && s.front() == '+' && s[1] != '-') s.remove_prefix(1);
  std::int64_t v = 0;
  const char* const end = s.data() + s.size();
  const auto [ptr, ec] = std::from_chars(s.data(), end, v);
  if (s.empty() || ec != std::errc() || ptr != end) return std::nullopt;
  return v;
}

/// What the kernel writes for a counter: an optional '-' and 1 to 20 decimal digits (a u64's
/// most). Cheaper than parsing; parse_double and parse_go_float read every such field.
inline bool is_decimal_integer(std::string_view s) {
  if (!s.empty() && s[0] == '-') s.remove_prefix(1);
  if (s.empty() || s.size() > 20) return false;
  for (const char c : s) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

/// A whole field as a finite decimal floating-point number; nullopt on anything else.
inline std::optional<double> parse_double(std::string_view s) {
  double v = 0;
  const char* const end = s.data() + s.size();
  const auto [ptr, ec] = std::from_chars(s.data(), end, v);
  if (s.empty() || ec != std::errc() || ptr != end || !std::isfinite(v)) return std::nullopt;
  return v;
}

/// A whole field as Go's strconv.ParseFloat(s, 64) reads the values of /proc/net/netstat: a
/// decimal number with an optional sign, or inf/infinity/nan in any case. nullopt otherwise.
inline std::optional<double> parse_go_float(std::string_view s) {
  if (s.size() > 1 && s.front() == '+' && s[1] != '-') s.remove_prefix(1);
  double v = 0;
  const char* const end = s.data() + s.size();
  const auto [ptr, ec] = std::from_chars(s.data(), end, v, std::chars_format::general);
  if (s.empty() || ec != std::errc() || ptr != end) return std::nullopt;
  return v;
}

/// A whole field as an unsigned number in `base` (no prefix, no sign), as strconv.ParseUint(s,
/// base, 64); nullopt on anything else.
inline std::optional<std::uint64_t> parse_u64_base(std::string_view s, int base) {
  std::uint64_t v = 0;
  const char* const end = s.data() + s.size();
  const auto [ptr, ec] = std::from_chars(s.data(), end, v, base);
  if (s.empty() || ec != std::errc() || ptr != end) return std::nullopt;
  return v;
}

/// strconv.ParseUint(s, 0, 64): "0x"/"0o"/"0b" prefixes, a leading 0 for octal, else decimal
/// (Go's digit-separating underscores are not accepted).
inline std::optional<std::uint64_t> parse_u64_base0(std::string_view s) {
  if (s.size() > 2 && s[0] == '0') {
    const char p = s[1];
    if (p == 'x' || p == 'X') return parse_u64_base(s.substr(2), 16);
    if (p == 'o' || p == 'O') return parse_u64_base(s.substr(2), 8);
    if (p == 'b' || p == 'B') return parse_u64_base(s.substr(2), 2);
  }
  if (s.size() > 1 && s[0] == '0') return parse_u64_base(s.substr(1), 8);
  return parse_u64_base(s, 10);
}

/// True if `name` may follow "node_<subsystem>_" in a metric name: [A-Za-z0-9_]+. Field names
/// come from the kernel, but a fixture or a bind mount could put anything there.
inline bool is_metric_name_suffix(std::string_view name) {
  if (name.empty()) return false;
  for (const char c : name) {
    const bool ok =
        (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
    if (!ok) return false;
  }
  return true;
}

/// Decimal text of `v` in a caller-provided buffer (for label values such as cpu="3").
template <std::size_t N>
std::string_view format_uint(char (&buf)[N], std::uint64_t v) {
  const auto [ptr, ec] = std::to_chars(buf, buf + N, v);
  return ec == std::errc() ? std::string_view(buf, static_cast<std::size_t>(ptr - buf))
                           : std::string_view();
}

}  // namespace sonde::collectors::text
