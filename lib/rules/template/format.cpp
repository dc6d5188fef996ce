// Go's strconv (ftoa.go, quote.go) for text/template. Shortest float digits come from
// std::to_chars and fixed-precision digits from printf: both are exact and round half to even
// on the binary value, as Go's ryu and bigFtoa are, so the digits agree; the layout around
// them (exponent form, when %g switches to %e, Inf and NaN) follows ftoa.go.
#include "rules/template/format.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <vector>

namespace sonde::rules::tmpl::gofmt {
namespace {

struct Digits {
  std::string d;  // significant digits, no trailing zeros ("" for zero)
  int dp = 0;     // decimal point position: value = 0.d * 10^dp
};

Digits shortest_digits(double v) {
  char buf[64];
  auto r = std::to_chars(buf, buf + sizeof buf, std::fabs(v), std::chars_format::scientific);
  std::string s(buf, r.ptr);
  Digits out;
  std::size_t e = s.find('e');
  std::string mant = s.substr(0, e);
  int exp = std::stoi(s.substr(e + 1));
  for (char c : mant) {
    if (c != '.') out.d += c;
  }
  while (!out.d.empty() && out.d.back() == '0') out.d.pop_back();
  if (out.d.empty()) {
    out.dp = 0;
  } else {
    out.dp = exp + 1;
  }
  return out;
}

std::string fmt_e(bool neg, const Digits& d, int prec, char e) {
  std::string s = neg ? "-" : "";
  s += d.d.empty() ? '0' : d.d[0];
  if (prec > 0) {
    s += '.';
    for (int i = 1; i <= prec; ++i) {
      s += static_cast<std::size_t>(i) < d.d.size() ? d.d[static_cast<std::size_t>(i)] : '0';
    }
  }
  s += e;
  int exp = d.d.empty() ? 0 : d.dp - 1;
  if (exp < 0) {
    s += '-';
    exp = -exp;
  } else {
    s += '+';
  }
  if (exp < 10) s += '0';
  s += std::to_string(exp);
  return s;
}

std::string fmt_f(bool neg, const Digits& d, int prec) {
  std::string s = neg ? "-" : "";
  if (d.dp > 0) {
    for (int i = 0; i < d.dp; ++i) {
      s += static_cast<std::size_t>(i) < d.d.size() ? d.d[static_cast<std::size_t>(i)] : '0';
    }
  } else {
    s += '0';
  }
  if (prec > 0) {
    s += '.';
    for (int i = 0; i < prec; ++i) {
      int j = d.dp + i;
      s += (j >= 0 && static_cast<std::size_t>(j) < d.d.size()) ? d.d[static_cast<std::size_t>(j)]
                                                                : '0';
    }
  }
  return s;
}

}  // namespace

std::string format_float(double v, char verb, int prec) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  bool neg = std::signbit(v);
  if (prec < 0 && verb != 'x' && verb != 'X') {
    Digits d = shortest_digits(v);
    int nd = static_cast<int>(d.d.size());
    switch (verb) {
      case 'e':
      case 'E':
        return fmt_e(neg, d, nd > 0 ? nd - 1 : 0, verb);
      case 'f':
      case 'F':
        return fmt_f(neg, d, nd - d.dp > 0 ? nd - d.dp : 0);
      default: {  // g, G
        int exp = d.dp - 1;
        if (nd == 0) exp = 0;  // zero formats as "0"
        if (exp < -4 || exp >= 6) {
          return fmt_e(neg, d, nd > 0 ? nd - 1 : 0, verb == 'G' ? 'E' : 'e');
        }
        return fmt_f(neg, d, nd - d.dp > 0 ? nd - d.dp : 0);
      }
    }
  }
  if (verb == 'x' || verb == 'X') {
    // Go: 0x1.8p+01 (at least two exponent digits); C's %a writes 0x1.8p+1.
    char buf[64];
    if (prec < 0) {
      std::snprintf(buf, sizeof buf, verb == 'x' ? "%a" : "%A", v);
    } else {
      std::snprintf(buf, sizeof buf, verb == 'x' ? "%.*a" : "%.*A", std::min(prec, 20), v);
    }
    std::string s = buf;
    std::size_t p = s.find_first_of("pP");
    if (p != std::string::npos && s.size() == p + 3) s.insert(p + 2, 1, '0');
    return s;
  }
  if (prec > 1000) prec = 1000;  // bounded output; Go has no such bound but no user needs more
  char fmt[8] = {'%', '.', '*', verb, 0};
  if (verb == 'F') fmt[3] = 'f';
  std::vector<char> buf(static_cast<std::size_t>(prec) + 400);
  int n = std::snprintf(buf.data(), buf.size(), fmt, prec, v);
  if (n < 0) return "";
  return std::string(buf.data(), static_cast<std::size_t>(n));
}

bool underscore_ok(std::string_view s) {
  char saw = '^';
  std::size_t i = 0;
  if (!s.empty() && (s[0] == '-' || s[0] == '+')) s.remove_prefix(1);
  bool hex = false;
  if (s.size() >= 2 && s[0] == '0') {
    char c = static_cast<char>(s[1] | 0x20);
    if (c == 'b' || c == 'o' || c == 'x') {
      i = 2;
      saw = '0';
      hex = c == 'x';
    }
  }
  for (; i < s.size(); ++i) {
    char c = s[i];
    char l = static_cast<char>(c | 0x20);
    if ((c >= '0' && c <= '9') || (hex && l >= 'a' && l <= 'f')) {
      saw = '0';
      continue;
    }
    if (c == '_') {
      if (saw != '0') return false;
      saw = '_';
      continue;
    }
    if (saw == '_') return false;
    saw = '!';
  }
  return saw != '_';
}

std::int32_t decode_rune(std::string_view s, std::size_t i, std::size_t& width) {
  auto b = [&](std::size_t k) { return static_cast<unsigned char>(s[k]); };
  unsigned char c = b(i);
  width = 1;
  if (c < 0x80) return c;
  auto cont = [&](std::size_t k) { return k < s.size() && (b(k) & 0xC0) == 0x80; };
  if (c >= 0xC2 && c <= 0xDF && cont(i + 1)) {
    width = 2;
    return ((c & 0x1F) << 6) | (b(i + 1) & 0x3F);
  }
  if (c >= 0xE0 && c <= 0xEF && cont(i + 1) && cont(i + 2)) {
    std::int32_t r = ((c & 0x0F) << 12) | ((b(i + 1) & 0x3F) << 6) | (b(i + 2) & 0x3F);
    if (r < 0x800 || (r >= 0xD800 && r <= 0xDFFF)) return 0xFFFD;
    width = 3;
    return r;
  }
  if (c >= 0xF0 && c <= 0xF4 && cont(i + 1) && cont(i + 2) && cont(i + 3)) {
    std::int32_t r = ((c & 0x07) << 18) | ((b(i + 1) & 0x3F) << 12) | ((b(i + 2) & 0x3F) << 6) |
                     (b(i + 3) & 0x3F);
    if (r < 0x10000 || r > 0x10FFFF) return 0xFFFD;
    width = 4;
    return r;
  }
  return 0xFFFD;
}

void append_rune(std::string& out, std::int32_t r) {
  if (r < 0 || r > 0x10FFFF || (r >= 0xD800 && r <= 0xDFFF)) r = 0xFFFD;
  auto u = static_cast<std::uint32_t>(r);
  if (u < 0x80) {
    out += static_cast<char>(u);
  } else if (u < 0x800) {
    out += static_cast<char>(0xC0 | (u >> 6));
    out += static_cast<char>(0x80 | (u & 0x3F));
  } else if (u < 0x10000) {
    out += static_cast<char>(0xE0 | (u >> 12));
    out += static_cast<char>(0x80 | ((u >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (u & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (u >> 18));
    out += static_cast<char>(0x80 | ((u >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((u >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (u & 0x3F));
  }
}

bool is_print(std::int32_t r) {
  if (r < 0x20) return false;
  if (r < 0x7F) return true;
  if (r < 0xA1) return false;   // DEL, C1 controls, NBSP
  if (r == 0xAD) return false;  // soft hyphen
  if (r >= 0xD800 && r <= 0xDFFF) return false;
  if (r >= 0x2000 && r <= 0x200F) return false;  // spaces and format characters
  if (r >= 0x2028 && r <= 0x202F) return false;
  if (r >= 0x205F && r <= 0x206F) return false;
  if (r == 0x3000 || r == 0xFEFF || r == 0xFFFD + 1 || r == 0xFFFE || r == 0xFFFF) return false;
  if (r >= 0xE000 && r <= 0xF8FF) return false;  // private use
  if (r > 0x10FFFF) return false;
  return true;
}

bool is_letter(std::int32_t r) {
  if (r < 0x80) return (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z');
  if (r == 0xAA || r == 0xB5 || r == 0xBA) return true;
  if (r < 0xC0) return false;
  if (r == 0xD7 || r == 0xF7) return false;
  if (r >= 0x2000 && r <= 0x2BFF) return false;  // punctuation, symbols, arrows, ...
  if (r >= 0x3000 && r <= 0x303F) return false;
  if (r >= 0xFF00 && r <= 0xFF20) return false;
  return is_print(r);
}

bool is_digit(std::int32_t r) { return r >= '0' && r <= '9'; }

std::string sharp_u(std::int32_t r) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "U+%04X", static_cast<unsigned>(r));
  std::string s = buf;
  if (is_print(r)) {
    s += " '";
    append_rune(s, r);
    s += "'";
  }
  return s;
}

namespace {
void quote_rune_into(std::string& out, std::int32_t r, std::size_t width, char q) {
  static const char* hex = "0123456789abcdef";
  if (width == 1 && r == 0xFFFD) {
    // An invalid byte; the caller passes the byte in place of the rune.
    return;
  }
  if (r == q || r == '\\') {
    out += '\\';
    out += static_cast<char>(r);
    return;
  }
  if (is_print(r)) {
    append_rune(out, r);
    return;
  }
  switch (r) {
    case '\a':
      out += "\\a";
      return;
    case '\b':
      out += "\\b";
      return;
    case '\f':
      out += "\\f";
      return;
    case '\n':
      out += "\\n";
      return;
    case '\r':
      out += "\\r";
      return;
    case '\t':
      out += "\\t";
      return;
    case '\v':
      out += "\\v";
      return;
    default:
      break;
  }
  if (r < ' ' || r == 0x7F) {
    out += "\\x";
    out += hex[(r >> 4) & 0xF];
    out += hex[r & 0xF];
  } else if (r < 0x10000) {
    out += "\\u";
    for (int s = 12; s >= 0; s -= 4) out += hex[(r >> s) & 0xF];
  } else {
    out += "\\U";
    for (int s = 28; s >= 0; s -= 4) out += hex[(r >> s) & 0xF];
  }
}
}  // namespace

std::string quote(std::string_view s) {
  static const char* hex = "0123456789abcdef";
  std::string out = "\"";
  for (std::size_t i = 0; i < s.size();) {
    std::size_t w = 1;
    std::int32_t r = decode_rune(s, i, w);
    if (w == 1 && r == 0xFFFD) {
      auto c = static_cast<unsigned char>(s[i]);
      out += "\\x";
      out += hex[c >> 4];
      out += hex[c & 0xF];
    } else {
      quote_rune_into(out, r, w, '"');
    }
    i += w;
  }
  out += '"';
  return out;
}

std::string quote_rune(std::int32_t r) {
  if (r < 0 || r > 0x10FFFF || (r >= 0xD800 && r <= 0xDFFF)) r = 0xFFFD;
  std::string out = "'";
  quote_rune_into(out, r, 2, '\'');
  out += '\'';
  return out;
}

namespace {
int hexval(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  c = static_cast<char>(c | 0x20);
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

// strconv.UnquoteChar: one (possibly escaped) character of s at i; false on bad syntax.
bool unquote_char(std::string_view s, std::size_t& i, char quote_char, std::string& out) {
  char c = s[i];
  if (c == quote_char && (quote_char == '\'' || quote_char == '"')) return false;
  if (static_cast<unsigned char>(c) >= 0x80) {
    std::size_t w = 1;
    std::int32_t r = decode_rune(s, i, w);
    append_rune(out, r);
    i += w;
    return true;
  }
  if (c != '\\') {
    out += c;
    ++i;
    return true;
  }
  if (i + 1 >= s.size()) return false;
  char e = s[i + 1];
  i += 2;
  switch (e) {
    case 'a':
      out += '\a';
      return true;
    case 'b':
      out += '\b';
      return true;
    case 'f':
      out += '\f';
      return true;
    case 'n':
      out += '\n';
      return true;
    case 'r':
      out += '\r';
      return true;
    case 't':
      out += '\t';
      return true;
    case 'v':
      out += '\v';
      return true;
    case '\\':
      out += '\\';
      return true;
    case '\'':
    case '"':
      if (e != quote_char) return false;
      out += e;
      return true;
    case 'x':
    case 'u':
    case 'U': {
      int n = e == 'x' ? 2 : e == 'u' ? 4 : 8;
      if (i + static_cast<std::size_t>(n) > s.size()) return false;
      std::int32_t v = 0;
      for (int k = 0; k < n; ++k) {
        int h = hexval(s[i + static_cast<std::size_t>(k)]);
        if (h < 0) return false;
        v = (v << 4) | h;
      }
      i += static_cast<std::size_t>(n);
      if (e == 'x') {
        out += static_cast<char>(v);
        return true;
      }
      if (v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF)) return false;
      append_rune(out, v);
      return true;
    }
    default:
      if (e >= '0' && e <= '7') {
        if (i + 2 > s.size()) return false;
        int v = e - '0';
        for (int k = 0; k < 2; ++k) {
          char d = s[i + static_cast<std::size_t>(k)];
          if (d < '0' || d > '7') return false;
          v = v * 8 + (d - '0');
        }
        if (v > 255) return false;
        i += 2;
        out += static_cast<char>(v);
        return true;
      }
      return false;
  }
}
}  // namespace

bool unquote(std::string_view s, std::string& out) {
  out.clear();
  if (s.size() < 2) return false;
  char q = s[0];
  if (q != s.back()) return false;
  std::string_view body = s.substr(1, s.size() - 2);
  if (q == '`') {
    if (body.find('`') != std::string_view::npos) return false;
    for (char c : body) {
      if (c != '\r') out += c;
    }
    return true;
  }
  if (q != '"' && q != '\'') return false;
  if (body.find('\n') != std::string_view::npos) return false;
  std::size_t i = 0;
  while (i < body.size()) {
    if (!unquote_char(body, i, q, out)) return false;
  }
  return true;
}

std::int32_t unquote_char_constant(std::string_view s) {
  // s is 'x' including the quotes; Go: UnquoteChar(text[1:], '\'') then the tail must be "'".
  std::string_view body = s.substr(1);
  if (body.empty()) return -1;
  std::string out;
  std::size_t i = 0;
  char first = body[0];
  if (first == '\'') return -1;
  if (!unquote_char(body, i, '\'', out)) return -1;
  if (body.substr(i) != "'") return -2;
  if (first == '\\' && body.size() > 1 && (body[1] == 'x' || (body[1] >= '0' && body[1] <= '7'))) {
    return static_cast<unsigned char>(out[0]);
  }
  std::size_t w = 1;
  return decode_rune(out, 0, w);
}

}  // namespace sonde::rules::tmpl::gofmt
