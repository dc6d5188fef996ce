#include "ingest/dogstatsd.hpp"

#include <charconv>
#include <cmath>

#include "ingest/scan.hpp"

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

bool metric_kind(std::string_view type, MetricKind& kind) {
  if (type.size() == 1) {
    switch (type[0]) {
      case 'c':
        kind = MetricKind::counter;
        return true;
      case 'g':
        kind = MetricKind::gauge;
        return true;
      case 'h':
        kind = MetricKind::histogram;
        return true;
      case 'd':
        kind = MetricKind::distribution;
        return true;
      case 's':
        kind = MetricKind::set;
        return true;
      default:
        return false;
    }
  }
  if (type == "ms") {
    kind = MetricKind::timer;
    return true;
  }
  return false;
}

/// One pass over the line: each delimiter is found once, eight bytes a step (scan.hpp), the
/// tags' commas counted on the way.
ParseError parse_metric(std::string_view line, const ParseLimits& limits, MetricLine& m) {
  // What a line may leave unset; name, values, type, kind and multi_value are always set.
  m.sample_rate = 1;
  m.tags = {};
  m.tag_count = 0;
  m.first_value = 0;
  m.container = {};
  m.plain_fields = true;
  const char* const begin = line.data();
  const char* const end = begin + line.size();
  // The name: up to the first ':', with no '|' in it.
  const char* p = scan::find_first<':', '|'>(begin, begin, end);
  if (p == begin || p == end || *p == '|') return ParseError::malformed;
  m.name = {begin, static_cast<std::size_t>(p - begin)};
  // The values: up to the next '|'; a ':' among them means several.
  const char* const values = p + 1;
  if (end - values >= 2 && values[1] == '|' && values[0] != '|' && values[0] != ':') {
    p = values + 1;  // one byte ("1"), the common value
    m.multi_value = false;
  } else {
    p = scan::find_first<'|', ':'>(begin, values, end);
    m.multi_value = p != end && *p == ':';
    if (m.multi_value) p = scan::find_first<'|'>(begin, p + 1, end);
    if (p == end) return ParseError::malformed;
  }
  m.values = {values, static_cast<std::size_t>(p - values)};
  m.rest = {p, static_cast<std::size_t>(end - p)};
  // The type: up to the next '|' or the end; most are one byte.
  const char* const type = p + 1;
  if (end - type == 1 || (end - type >= 2 && type[1] == '|' && type[0] != '|')) {
    p = type + 1;
  } else {
    p = scan::find_first<'|'>(begin, type, end);
  }
  m.type = {type, static_cast<std::size_t>(p - type)};
  if (!metric_kind(m.type, m.kind)) return ParseError::malformed;
  // Every value must be present; numeric ones must parse (sets take any non-empty text). The
  // sign is checked later: a negative counter has its own reason.
  if (!m.multi_value) {
    if (m.values.empty()) return ParseError::malformed;
    if (m.kind != MetricKind::set && !parse_value(m.values, m.first_value)) {
      return ParseError::malformed;
    }
  } else {
    bool bad = false, first = true;
    for_each_value(m.values, [&](std::string_view v) {
      double x = 0;
      if (v.empty() || (m.kind != MetricKind::set && !parse_value(v, x))) {
        bad = true;
      } else if (first && m.kind != MetricKind::set) {
        m.first_value = x;
      }
      first = false;
    });
    if (bad) return ParseError::malformed;
  }
  // The fields after the type; p is at a '|' or the end.
  bool seen_rate = false, seen_tags = false;
  while (p != end) {
    const char* const f = p + 1;
    // "||", or a trailing '|'.
    if (f == end || *f == '|') return ParseError::malformed;
    if (*f == '#') {
      if (seen_tags) return ParseError::malformed;
      seen_tags = true;
      std::uint32_t commas = 0;
      p = scan::find_counting<'|', ','>(begin, f + 1, end, commas);
      m.tags = {f + 1, static_cast<std::size_t>(p - (f + 1))};
      m.tag_count = m.tags.empty() ? 0 : commas + 1;
      if (m.tag_count > limits.max_tags) return ParseError::too_many_tags;
      continue;
    }
    p = scan::find_first<'|'>(begin, f + 1, end);
    const std::string_view field(f, static_cast<std::size_t>(p - f));
    if (field[0] == '@') {
      if (seen_rate) return ParseError::malformed;
      seen_rate = true;
      double rate = 0;
      if (field.size() < 2 || !parse_value(field.substr(1), rate) || !(rate > 0) || rate > 1) {
        return ParseError::malformed;
      }
      m.sample_rate = rate;
    } else if (field.size() >= 2 && field[0] == 'c' && field[1] == ':') {
      if (m.container.empty()) m.container = field.substr(2);
    } else {
      m.plain_fields = false;
    }
    // Anything else (T<ts>, e:<external data>, card:<cardinality>, future fields) is an
    // extension sonde does not use.
  }
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

std::optional<double> parse_decimal(std::string_view s) {
  if (s.size() > 64) return std::nullopt;
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

std::optional<double> parse_number(std::string_view s) {
  if (s.empty()) return std::nullopt;
  double v = 0;
  if (parse_small_integer(s, v)) return v;
  return parse_decimal(s);
}

ParseError parse_line(std::string_view line, const ParseLimits& limits, ParsedLine& out) {
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  if (line.empty()) return ParseError::empty;
  if (line.size() > limits.max_line_bytes) return ParseError::line_too_long;
  if (line[0] == '_') {
    if (line.substr(0, 3) == "_e{") {
      out.kind = LineKind::event;
      return parse_event(line, limits, out.event);
    }
    if (line.substr(0, 4) == "_sc|") {
      out.kind = LineKind::service_check;
      return parse_service_check(line, limits, out.check);
    }
  }
  out.kind = LineKind::metric;
  return parse_metric(line, limits, out.metric);
}

}  // namespace sonde::ingest
