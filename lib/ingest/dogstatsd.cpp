#include "ingest/dogstatsd.hpp"

#include <charconv>
#include <cmath>

namespace sonde::ingest {
namespace {

std::uint32_t count_tags(std::string_view tags) {
  if (tags.empty()) return 0;
  std::uint32_t n = 1;
  for (char c : tags) n += c == ',' ? 1 : 0;
  return n;
}

/// Takes the text up to the next '|' (or the end) off `rest`.
std::string_view next_field(std::string_view& rest) {
  const auto bar = rest.find('|');
  const std::string_view field = rest.substr(0, bar);
  rest.remove_prefix(bar == std::string_view::npos ? rest.size() : bar + 1);
  return field;
}

bool parse_uint(std::string_view s, std::size_t& out) {
  if (s.empty() || s.size() > 9) return false;
  std::size_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
    v = v * 10 + static_cast<std::size_t>(c - '0');
  }
  out = v;
  return true;
}

ParseError parse_metric(std::string_view line, const ParseLimits& limits, MetricLine& m) {
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

ParseError parse_event(std::string_view line, const ParseLimits& limits, EventLine& e) {
  e = EventLine{};
  // _e{<title_len>,<text_len>}:
  const auto close = line.find("}:");
  if (close == std::string_view::npos) return ParseError::malformed;
  const std::string_view lens = line.substr(3, close - 3);
  const auto comma = lens.find(',');
  std::size_t title_len = 0, text_len = 0;
  if (comma == std::string_view::npos || !parse_uint(lens.substr(0, comma), title_len) ||
      !parse_uint(lens.substr(comma + 1), text_len) || title_len == 0) {
    return ParseError::malformed;
  }
  std::string_view rest = line.substr(close + 2);
  if (rest.size() < title_len + 1 + text_len) return ParseError::malformed;
  e.title = rest.substr(0, title_len);
  if (rest[title_len] != '|') return ParseError::malformed;
  e.text = rest.substr(title_len + 1, text_len);
  rest.remove_prefix(title_len + 1 + text_len);
  if (!rest.empty()) {
    if (rest[0] != '|') return ParseError::malformed;
    rest.remove_prefix(1);
    if (rest.empty()) return ParseError::malformed;
  }
  bool seen_tags = false;
  while (!rest.empty()) {
    const std::string_view f = next_field(rest);
    if (f.empty()) return ParseError::malformed;
    if (f.size() >= 2 && f[1] == ':') {
      const std::string_view v = f.substr(2);
      switch (f[0]) {
        case 'p':
          if (v != "normal" && v != "low") return ParseError::malformed;
          e.priority = v;
          break;
        case 't':
          if (v != "info" && v != "warning" && v != "error" && v != "success") {
            return ParseError::malformed;
          }
          e.alert_type = v;
          break;
        case 's':
          e.source_type = v;
          break;
        case 'd':
          if (!parse_number(v)) return ParseError::malformed;
          break;
        case 'c':
          if (e.container.empty()) e.container = v;
          break;
        default:  // h: hostname, k: aggregation key, and extensions
          break;
      }
    } else if (f[0] == '#') {
      if (seen_tags) return ParseError::malformed;
      seen_tags = true;
      e.tags = f.substr(1);
      e.tag_count = count_tags(e.tags);
      if (e.tag_count > limits.max_tags) return ParseError::too_many_tags;
    }
  }
  if (line.back() == '|') return ParseError::malformed;
  return ParseError::ok;
}

ParseError parse_service_check(std::string_view line, const ParseLimits& limits,
                               ServiceCheckLine& c) {
  c = ServiceCheckLine{};
  std::string_view rest = line.substr(4);  // after "_sc|"
  c.name = next_field(rest);
  if (c.name.empty()) return ParseError::malformed;
  const std::string_view status = next_field(rest);
  if (status.size() != 1 || status[0] < '0' || status[0] > '3') return ParseError::malformed;
  c.status = status[0] - '0';
  bool seen_tags = false;
  while (!rest.empty()) {
    // The message (m:) is the last field and may itself hold '|'.
    if (rest.substr(0, 2) == "m:") break;
    const std::string_view f = next_field(rest);
    if (f.empty()) return ParseError::malformed;
    if (f.size() >= 2 && f[0] == 'd' && f[1] == ':') {
      auto ts = parse_number(f.substr(2));
      if (!ts) return ParseError::malformed;
      c.timestamp = *ts;
    } else if (f.size() >= 2 && f[0] == 'c' && f[1] == ':') {
      if (c.container.empty()) c.container = f.substr(2);
    } else if (f[0] == '#') {
      if (seen_tags) return ParseError::malformed;
      seen_tags = true;
      c.tags = f.substr(1);
      c.tag_count = count_tags(c.tags);
      if (c.tag_count > limits.max_tags) return ParseError::too_many_tags;
    }
  }
  if (line.back() == '|' && rest.substr(0, 2) != "m:") return ParseError::malformed;
  return ParseError::ok;
}

}  // namespace

std::optional<double> parse_number(std::string_view s) {
  if (s.empty() || s.size() > 64) return std::nullopt;
  // Most values are short integers ("1", "-3", "+1"): up to 15 digits are exact in a double,
  // so they need no from_chars. The same values as from_chars gives, "-0" included.
  {
    std::size_t i = (s[0] == '-' || s[0] == '+') ? 1 : 0;
    if (s.size() > i && s.size() - i <= 15) {
      std::uint64_t digits = 0;
      std::size_t j = i;
      for (; j < s.size(); ++j) {
        const auto d = static_cast<unsigned>(s[j] - '0');
        if (d > 9) break;
        digits = digits * 10 + d;
      }
      if (j == s.size()) {
        const auto v = static_cast<double>(digits);
        return s[0] == '-' ? -v : v;
      }
    }
  }
  if (s[0] == '+') {
    s.remove_prefix(1);
    if (s.empty() || s[0] == '+' || s[0] == '-') return std::nullopt;
  }
  // from_chars accepts "inf" and "nan" but not a leading '+', hex only when asked.
  double v = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size() || !std::isfinite(v)) return std::nullopt;
  return v;
}

ParseError parse_line(std::string_view line, const ParseLimits& limits, ParsedLine& out) {
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  if (line.empty()) return ParseError::empty;
  if (line.size() > limits.max_line_bytes) return ParseError::line_too_long;
  if (line.substr(0, 3) == "_e{") {
    out.kind = LineKind::event;
    return parse_event(line, limits, out.event);
  }
  if (line.substr(0, 4) == "_sc|") {
    out.kind = LineKind::service_check;
    return parse_service_check(line, limits, out.check);
  }
  out.kind = LineKind::metric;
  return parse_metric(line, limits, out.metric);
}

}  // namespace sonde::ingest
