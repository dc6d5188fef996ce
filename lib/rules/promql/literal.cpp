// PromQL's string literals: Go's strconv.Unquote for '..', ".." and `..` literals, as
// Prometheus's parser unquotes them, and strconv.Quote for printing them back (literal.hpp).
#include "rules/promql/literal.hpp"

#include <fmt/format.h>

#include <cstdint>

namespace sonde::rules::promql {

namespace {
bool is_digit(int r) { return r >= '0' && r <= '9'; }

void append_utf8(std::string& out, std::uint32_t cp) {
  if (cp < 0x80) {
    out += char(cp);
  } else if (cp < 0x800) {
    out += char(0xC0 | (cp >> 6));
    out += char(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += char(0xE0 | (cp >> 12));
    out += char(0x80 | ((cp >> 6) & 0x3F));
    out += char(0x80 | (cp & 0x3F));
  } else {
    out += char(0xF0 | (cp >> 18));
    out += char(0x80 | ((cp >> 12) & 0x3F));
    out += char(0x80 | ((cp >> 6) & 0x3F));
    out += char(0x80 | (cp & 0x3F));
  }
}
}  // namespace

std::optional<std::string> unquote_literal(std::string_view s) {
  if (s.size() < 2) return std::nullopt;
  char q = s.front();
  if (s.back() != q) return std::nullopt;
  std::string_view body = s.substr(1, s.size() - 2);
  if (q == '`') {
    if (body.find('`') != std::string_view::npos) return std::nullopt;
    return std::string(body);
  }
  if (q != '"' && q != '\'') return std::nullopt;
  std::string out;
  for (std::size_t i = 0; i < body.size(); ++i) {
    char c = body[i];
    if (c == q || c == '\n') return std::nullopt;
    if (c != '\\') {
      out += c;
      continue;
    }
    if (++i >= body.size()) return std::nullopt;
    char e = body[i];
    auto hex = [&](int n) -> std::optional<std::uint32_t> {
      std::uint32_t v = 0;
      for (int k = 0; k < n; ++k) {
        if (++i >= body.size()) return std::nullopt;
        char h = body[i];
        int d = is_digit(h)              ? h - '0'
                : (h >= 'a' && h <= 'f') ? h - 'a' + 10
                : (h >= 'A' && h <= 'F') ? h - 'A' + 10
                                         : -1;
        if (d < 0) return std::nullopt;
        v = v * 16 + unsigned(d);
      }
      return v;
    };
    switch (e) {
      case 'a':
        out += '\a';
        break;
      case 'b':
        out += '\b';
        break;
      case 'f':
        out += '\f';
        break;
      case 'n':
        out += '\n';
        break;
      case 'r':
        out += '\r';
        break;
      case 't':
        out += '\t';
        break;
      case 'v':
        out += '\v';
        break;
      case '\\':
        out += '\\';
        break;
      case '\'':
      case '"':
        if (e != q) return std::nullopt;
        out += e;
        break;
      case 'x': {
        auto v = hex(2);
        if (!v) return std::nullopt;
        out += char(*v);
        break;
      }
      case 'u':
      case 'U': {
        auto v = hex(e == 'u' ? 4 : 8);
        if (!v || *v > 0x10FFFF || (*v >= 0xD800 && *v < 0xE000)) return std::nullopt;
        append_utf8(out, *v);
        break;
      }
      default: {
        if (e < '0' || e > '7') return std::nullopt;
        std::uint32_t v = unsigned(e - '0');
        for (int k = 0; k < 2; ++k) {
          if (++i >= body.size() || body[i] < '0' || body[i] > '7') return std::nullopt;
          v = v * 8 + unsigned(body[i] - '0');
        }
        if (v > 255) return std::nullopt;
        out += char(v);
      }
    }
  }
  return out;
}

std::string go_quote(std::string_view s) {
  std::string out = "\"";
  for (std::size_t i = 0; i < s.size();) {
    unsigned char c = s[i];
    if (c < 0x80) {
      switch (c) {
        case '"':
          out += "\\\"";
          break;
        case '\\':
          out += "\\\\";
          break;
        case '\a':
          out += "\\a";
          break;
        case '\b':
          out += "\\b";
          break;
        case '\f':
          out += "\\f";
          break;
        case '\n':
          out += "\\n";
          break;
        case '\r':
          out += "\\r";
          break;
        case '\t':
          out += "\\t";
          break;
        case '\v':
          out += "\\v";
          break;
        default:
          if (c < 0x20 || c == 0x7f) {
            out += fmt::format("\\x{:02x}", c);
          } else {
            out += char(c);
          }
      }
      ++i;
      continue;
    }
    std::size_t n = (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
    bool valid = n > 0 && i + n <= s.size();
    for (std::size_t k = 1; valid && k < n; ++k)
      valid = (static_cast<unsigned char>(s[i + k]) & 0xC0) == 0x80;
    if (!valid) {
      out += fmt::format("\\x{:02x}", c);
      ++i;
      continue;
    }
    out.append(s.substr(i, n));
    i += n;
  }
  out += '"';
  return out;
}

}  // namespace sonde::rules::promql
