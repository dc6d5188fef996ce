// Number literals of Go 1.19's text/template (parse.go's newNumber with strconv's ParseUint,
// ParseInt and ParseFloat): the same text gives the same kinds, values and errors (number.hpp).
#include "rules/template/number.hpp"

#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "rules/template/format.hpp"

namespace sonde::rules::tmpl {
namespace {

// strconv.ParseUint/ParseInt(text, 0, 64): base prefixes, '_' only between digits after a
// prefix or in base-0 decimal, leading 0 means octal.
bool digits_value(std::string_view s, std::uint64_t& out) {
  if (!gofmt::underscore_ok(s)) return false;  // "_1", "0x__1", "1_": Go's underscoreOK
  int base = 10;
  bool prefixed = false;
  if (s.size() >= 2 && s[0] == '0') {
    char c = static_cast<char>(s[1] | 0x20);
    if (c == 'x') {
      base = 16;
      s.remove_prefix(2);
      prefixed = true;
    } else if (c == 'o') {
      base = 8;
      s.remove_prefix(2);
      prefixed = true;
    } else if (c == 'b') {
      base = 2;
      s.remove_prefix(2);
      prefixed = true;
    } else {
      base = 8;
      s.remove_prefix(1);
      prefixed = true;
    }
  }
  if (s.empty()) return false;
  std::uint64_t v = 0;
  bool last_underscore = prefixed;  // "0x_1" is allowed; "_1" is not
  bool any = false;
  for (char c : s) {
    if (c == '_') {
      if (last_underscore && any) return false;
      last_underscore = true;
      continue;
    }
    int d;
    if (c >= '0' && c <= '9') {
      d = c - '0';
    } else if ((c | 0x20) >= 'a' && (c | 0x20) <= 'f') {
      d = (c | 0x20) - 'a' + 10;
    } else {
      return false;
    }
    if (d >= base) return false;
    if (v > (UINT64_MAX - static_cast<unsigned>(d)) / static_cast<unsigned>(base)) return false;
    v = v * static_cast<unsigned>(base) + static_cast<unsigned>(d);
    last_underscore = false;
    any = true;
  }
  if (last_underscore || !any) return false;
  out = v;
  return true;
}
bool parse_uint(std::string_view s, std::uint64_t& out) {
  if (!s.empty() && (s[0] == '+' || s[0] == '-')) return false;
  return digits_value(s, out);
}
bool parse_int(std::string_view s, std::int64_t& out) {
  bool neg = false;
  if (!s.empty() && (s[0] == '+' || s[0] == '-')) {
    neg = s[0] == '-';
    s.remove_prefix(1);
  }
  std::uint64_t u = 0;
  if (!digits_value(s, u)) return false;
  if (!neg && u > static_cast<std::uint64_t>(INT64_MAX)) return false;
  if (neg && u > static_cast<std::uint64_t>(INT64_MAX) + 1) return false;
  out = neg ? static_cast<std::int64_t>(0 - u) : static_cast<std::int64_t>(u);
  return true;
}
bool parse_float(std::string_view s, double& out) {
  if (!gofmt::underscore_ok(s)) return false;
  std::string clean;
  for (char c : s) {
    if (c != '_') clean += c;
  }
  if (clean.empty()) return false;
  // Go rejects leading-zero octal-looking floats? No: "012.5" is 12.5 in Go. strtod agrees.
  char* end = nullptr;
  out = std::strtod(clean.c_str(), &end);
  if (end != clean.c_str() + clean.size()) return false;
  std::string_view body = clean;
  if (body[0] == '+' || body[0] == '-') body.remove_prefix(1);
  if (body.empty() || body[0] == 'i' || body[0] == 'I' || body[0] == 'n' || body[0] == 'N') {
    return false;
  }
  bool hex = body.size() > 1 && body[0] == '0' && (body[1] | 0x20) == 'x';
  if (hex && clean.find_first_of("pP") == std::string::npos) return false;
  return true;
}

}  // namespace

std::string read_number(NumberKind kind, NumberNode& n) {
  if (kind == NumberKind::char_constant) {
    std::int32_t r = gofmt::unquote_char_constant(n.text);
    if (r == -2) return "malformed character constant: " + n.text;
    if (r < 0) return "invalid syntax";
    n.is_int = n.is_uint = n.is_float = true;
    n.i = r;
    n.u = static_cast<std::uint64_t>(r);
    n.f = r;
    return {};
  }
  if (kind == NumberKind::complex) {  // "1+2i": split before the imaginary part's sign
    const std::string& x = n.text;
    std::size_t cut = std::string::npos;
    for (std::size_t k = x.size() - 1; k > 0; --k) {
      char c = static_cast<char>(x[k - 1] | 0x20);
      if ((x[k] == '+' || x[k] == '-') && c != 'e' && c != 'p') {
        cut = k;
        break;
      }
    }
    double re = 0, im = 0;
    if (cut == std::string::npos || !parse_float(x.substr(0, cut), re) ||
        !parse_float(x.substr(cut, x.size() - cut - 1), im)) {
      return "illegal number syntax: " + gofmt::quote(x);
    }
    n.is_complex = true;
    n.f = re;
    n.imag = im;
    return {};
  }
  std::string text = n.text;
  if (!text.empty() && text.back() == 'i') {  // an imaginary literal
    double im = 0;
    if (parse_float(text.substr(0, text.size() - 1), im)) {
      n.is_complex = true;
      n.imag = im;
      return {};
    }
  }
  std::uint64_t u = 0;
  std::int64_t i = 0;
  if (parse_uint(text, u)) {
    n.is_uint = true;
    n.u = u;
  }
  if (parse_int(text, i)) {
    n.is_int = true;
    n.i = i;
    if (i == 0) {
      n.is_uint = true;
      n.u = 0;
    }
  }
  if (n.is_int) {
    n.is_float = true;
    n.f = static_cast<double>(n.i);
  } else if (n.is_uint) {
    n.is_float = true;
    n.f = static_cast<double>(n.u);
  } else {
    double f = 0;
    if (parse_float(text, f)) {
      if (text.find_first_of(".eEpP") == std::string::npos) {
        return "integer overflow: " + gofmt::quote(text);
      }
      n.is_float = true;
      n.f = f;
      if (f >= -9.2233720368547758e18 && f < 9.2233720368547758e18 &&
          static_cast<double>(static_cast<std::int64_t>(f)) == f) {
        n.is_int = true;
        n.i = static_cast<std::int64_t>(f);
      }
      if (f >= 0 && f < 1.8446744073709552e19 &&
          static_cast<double>(static_cast<std::uint64_t>(f)) == f) {
        n.is_uint = true;
        n.u = static_cast<std::uint64_t>(f);
      }
    }
  }
  if (!n.is_int && !n.is_uint && !n.is_float) return "illegal number syntax: " + gofmt::quote(text);
  return {};
}

std::string ideal_constant_value(const NumberNode& c, Value& out) {
  out = Value{};
  if (c.is_complex) {
    out.kind = Kind::complex;
    out.f = c.f;
    out.im = c.imag;
    return {};
  }
  bool hex_int = c.text.size() > 2 && c.text[0] == '0' && (c.text[1] | 0x20) == 'x' &&
                 c.text.find_first_of("pP") == std::string::npos;
  bool rune_int = !c.text.empty() && c.text[0] == '\'';
  if (c.is_float && !hex_int && !rune_int && c.text.find_first_of(".eEpP") != std::string::npos) {
    out = Value::floating(c.f);
    return {};
  }
  if (c.is_int) {
    out = Value::integer(c.i);
    return {};
  }
  if (c.is_uint) return c.text + " overflows int";
  return {};
}

}  // namespace sonde::rules::tmpl
