// Series descriptions (`metric{a="b"} 1+2x3 _ stale`), as Prometheus's ParseSeriesDesc reads
// them for promtool's input_series and the PromQL test scripts.
#include <fmt/format.h>

#include <cmath>
#include <cstdlib>
#include <limits>

#include "rules/promql/lexer.hpp"
#include "rules/promql/parser.hpp"

namespace sonde::rules::promql {

namespace {

bool ident_char(char c, bool first) {
  return c == '_' || c == ':' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
         (!first && c >= '0' && c <= '9');
}

std::optional<double> number(std::string_view s) {
  if (s.empty()) return std::nullopt;
  std::string_view body = s;
  double sign = 1;
  if (body[0] == '+' || body[0] == '-') {
    if (body[0] == '-') sign = -1;
    body.remove_prefix(1);
  }
  std::string low;
  for (char c : body) low += char(std::tolower(static_cast<unsigned char>(c)));
  if (low == "inf") return sign * std::numeric_limits<double>::infinity();
  if (low == "nan") return std::numeric_limits<double>::quiet_NaN();
  if (body.empty() || !(std::isdigit(static_cast<unsigned char>(body[0])) || body[0] == '.'))
    return std::nullopt;
  std::string t(body);
  char* end = nullptr;
  double v;
  bool digits = true;
  for (char c : t) digits = digits && std::isdigit(static_cast<unsigned char>(c));
  if (digits && t.size() > 1 && t[0] == '0') {
    v = double(std::strtoll(t.c_str(), &end, 8));
  } else {
    v = std::strtod(t.c_str(), &end);
  }
  if (end != t.c_str() + t.size()) return std::nullopt;
  return sign * v;
}

}  // namespace

core::Result<SeriesDesc, ParseError> parse_series_desc(std::string_view in) {
  auto err = [&](std::size_t pos, std::string msg) {
    ParseError e;
    e.line = 1;
    e.column = int(pos) + 1;
    e.message = std::move(msg);
    return e;
  };
  SeriesDesc out;
  std::size_t i = 0;
  std::vector<Label> labels;
  if (i < in.size() && ident_char(in[i], true)) {
    std::size_t s = i;
    while (i < in.size() && ident_char(in[i], false)) ++i;
    labels.push_back(Label{std::string(kMetricName), std::string(in.substr(s, i - s))});
  }
  if (i < in.size() && in[i] == '{') {
    ++i;
    for (;;) {
      while (i < in.size() && (in[i] == ' ' || in[i] == '\t')) ++i;
      if (i < in.size() && in[i] == '}') {
        ++i;
        break;
      }
      std::size_t s = i;
      while (i < in.size() && ident_char(in[i], i == s) && in[i] != ':') ++i;
      if (i == s) return err(i, "unexpected character in label set");
      std::string name(in.substr(s, i - s));
      while (i < in.size() && (in[i] == ' ' || in[i] == '\t')) ++i;
      if (i >= in.size() || in[i] != '=')
        return err(i, "unexpected character in label set, expected \"=\"");
      ++i;
      while (i < in.size() && (in[i] == ' ' || in[i] == '\t')) ++i;
      if (i >= in.size() || (in[i] != '"' && in[i] != '\'' && in[i] != '`'))
        return err(i, "unexpected character in label set, expected string");
      char q = in[i];
      std::size_t vs = i++;
      while (i < in.size() && in[i] != q) {
        if (in[i] == '\\' && q != '`') ++i;
        ++i;
      }
      if (i >= in.size()) return err(vs, "unterminated quoted string");
      ++i;
      auto v = unquote_literal(in.substr(vs, i - vs));
      if (!v) return err(vs, "invalid string literal");
      labels.push_back(Label{std::move(name), std::move(*v)});
      while (i < in.size() && (in[i] == ' ' || in[i] == '\t')) ++i;
      if (i < in.size() && in[i] == ',') ++i;
    }
  }
  out.labels = Labels(std::move(labels));
  // Values.
  while (i < in.size()) {
    while (i < in.size() && (in[i] == ' ' || in[i] == '\t')) ++i;
    if (i >= in.size()) break;
    std::size_t s = i;
    while (i < in.size() && in[i] != ' ' && in[i] != '\t') ++i;
    std::string_view tok = in.substr(s, i - s);
    std::optional<std::uint64_t> times;
    std::string_view base = tok;
    auto x = tok.rfind('x');
    if (x != std::string_view::npos && x + 1 < tok.size()) {
      std::string_view n = tok.substr(x + 1);
      bool digits = true;
      for (char c : n) digits = digits && std::isdigit(static_cast<unsigned char>(c));
      if (digits) {
        times = std::strtoull(std::string(n).c_str(), nullptr, 10);
        base = tok.substr(0, x);
      }
    }
    if (base == "_") {
      std::uint64_t n = times ? *times : 1;
      if (n > 10'000'000) return err(s, "too many values in series");
      for (std::uint64_t k = 0; k < n; ++k) out.values.push_back(SequenceValue{0, true});
      continue;
    }
    if (base == "stale") {
      if (times) return err(s, "unexpected repetition of stale");
      out.values.push_back(SequenceValue{stale_nan(), false});
      continue;
    }
    // base = value [(+|-) increment]
    std::size_t split = std::string_view::npos;
    for (std::size_t k = 1; k < base.size(); ++k) {
      if ((base[k] == '+' || base[k] == '-') && base[k - 1] != 'e' && base[k - 1] != 'E') {
        split = k;
        break;
      }
    }
    std::optional<double> start = number(base.substr(0, split));
    if (!start)
      return err(s, fmt::format("unexpected {} in series values, expected number or \"stale\"",
                                go_quote(tok)));
    double inc = 0;
    if (split != std::string_view::npos) {
      auto d = number(base.substr(split));
      if (!d || !times) return err(s, fmt::format("invalid series value {}", go_quote(tok)));
      inc = *d;
    }
    std::uint64_t n = times ? *times : 0;
    if (n > 10'000'000) return err(s, "too many values in series");
    double v = *start;
    for (std::uint64_t k = 0; k <= n; ++k) {
      out.values.push_back(SequenceValue{v, false});
      v += inc;
    }
  }
  return out;
}

}  // namespace sonde::rules::promql
