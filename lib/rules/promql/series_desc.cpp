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
  // No hexadecimal in series descriptions (lex.go: `x` is the repetition there); strtod would
  // read it.
  if (body.size() > 1 && body[0] == '0' && (body[1] == 'x' || body[1] == 'X')) return std::nullopt;
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
  } else if (i >= in.size() || in[i] != '{') {
    // The grammar wants a metric name or a label set first.
    std::size_t e = i;
    while (e < in.size() && in[e] != ' ' && in[e] != '\t') ++e;
    const std::string_view tok = in.substr(i, e - i);
    if (number(tok)) {
      return err(i, fmt::format("unexpected number {} in series values", go_quote(tok)));
    }
    return err(i, fmt::format("unexpected {} in series values, expected number or \"stale\"",
                              go_quote(tok)));
  }
  if (i < in.size() && in[i] == '{') {
    ++i;
    // Prometheus's lexer inside braces, then the label set's grammar: each token is described
    // as yacc's messages describe it.
    struct Tok {
      enum Kind { ident, string, comma, eql, op, rbrace } kind;
      std::size_t pos;
      std::string text;
    };
    auto next = [&]() -> core::Result<Tok, ParseError> {
      while (i < in.size() && (in[i] == ' ' || in[i] == '\t' || in[i] == '\n' || in[i] == '\r'))
        ++i;
      if (i >= in.size()) return err(i, "unexpected end of input inside braces");
      const std::size_t s = i;
      const char c = in[i];
      if (ident_char(c, true) && c != ':') {
        while (i < in.size() && ident_char(in[i], false) && in[i] != ':') ++i;
        return Tok{Tok::ident, s, std::string(in.substr(s, i - s))};
      }
      if (c == '"' || c == '\'' || c == '`') {
        ++i;
        while (i < in.size() && in[i] != c) {
          if (in[i] == '\\' && c != '`') ++i;
          ++i;
        }
        if (i >= in.size()) return err(s, "unterminated quoted string");
        ++i;
        return Tok{Tok::string, s, std::string(in.substr(s, i - s))};
      }
      ++i;
      if (c == ',') return Tok{Tok::comma, s, ","};
      if (c == '}') return Tok{Tok::rbrace, s, "}"};
      if (c == '=') {
        if (i < in.size() && in[i] == '~') return ++i, Tok{Tok::op, s, "=~"};
        return Tok{Tok::eql, s, "="};
      }
      if (c == '!' && i < in.size() && (in[i] == '=' || in[i] == '~')) {
        return Tok{Tok::op, s, std::string("!") + in[i++]};
      }
      if (c == '!') {
        return err(s, fmt::format("unexpected character after '!' inside braces: '{}'",
                                  i < in.size() ? in[i] : ' '));
      }
      if (c == '{') return err(s, "unexpected left brace '{'");
      return err(s, fmt::format("unexpected character inside braces: '{}'", c));
    };
    auto unexpected = [&](const Tok& t, std::string_view expected) {
      std::string what;
      switch (t.kind) {
        case Tok::ident:
          what = "identifier " + go_quote(t.text);
          break;
        case Tok::string:
          what = "string " + go_quote(t.text);
          break;
        case Tok::op:
          what = "<op:" + t.text + ">";
          break;
        default:
          what = go_quote(t.text);
      }
      return err(t.pos, fmt::format("unexpected {} in label set, expected {}", what, expected));
    };
    for (;;) {
      auto t = next();
      if (!t.ok()) return t.error();
      if (t->kind == Tok::rbrace) break;
      if (t->kind != Tok::ident) return unexpected(*t, "identifier or \"}\"");
      std::string name = t->text;
      auto eq = next();
      if (!eq.ok()) return eq.error();
      if (eq->kind != Tok::eql) return unexpected(*eq, "\"=\"");
      auto val = next();
      if (!val.ok()) return val.error();
      if (val->kind != Tok::string) return unexpected(*val, "string");
      auto v = unquote_literal(val->text);
      if (!v) return err(val->pos, "invalid string literal");
      labels.push_back(Label{std::move(name), std::move(*v)});
      auto sep = next();
      if (!sep.ok()) return sep.error();
      if (sep->kind == Tok::rbrace) break;
      if (sep->kind != Tok::comma) return unexpected(*sep, "\",\" or \"}\"");
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
      } else if (std::isdigit(static_cast<unsigned char>(n[0]))) {
        // `0x1F`: Prometheus lexes 0, x, then a number that runs into a letter.
        std::size_t d = 0;
        while (d < n.size() && std::isdigit(static_cast<unsigned char>(n[d]))) ++d;
        return err(s + x + 1, fmt::format("bad number syntax: {}", go_quote(n.substr(0, d))));
      }
    }
    if (base == "_") {
      std::uint64_t n = times ? *times : 1;
      if (n > 10'000'000) return err(s, "too many values in series");
      for (std::uint64_t k = 0; k < n; ++k) out.values.push_back(SequenceValue{0, true});
      continue;
    }
    if (tok.rfind("stale", 0) == 0 && tok != "stale") {
      return err(s, fmt::format("unexpected identifier {} in series values, expected number or "
                                "\"stale\"",
                                go_quote(tok)));
    }
    if (base == "stale") {
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
    if (!start) {
      const bool identifier = ident_char(tok[0], true);
      return err(s, fmt::format("unexpected {}{} in series values, expected number or \"stale\"",
                                identifier ? "identifier " : "", go_quote(tok)));
    }
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
