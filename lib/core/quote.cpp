#include "core/quote.hpp"

#include <cstddef>

namespace sonde::core {

std::string quote(std::string_view s, std::size_t max_shown) {
  std::string out = "\"";
  std::size_t shown = 0;
  for (const char ch : s) {
    if (shown++ == max_shown) {
      out += "...";
      break;
    }
    const auto c = static_cast<unsigned char>(ch);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += ch;
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\t') {
      out += "\\t";
    } else if (c == '\r') {
      out += "\\r";
    } else if (c < 0x20 || c == 0x7f) {
      constexpr char kHex[] = "0123456789abcdef";
      out += "\\x";
      out += kHex[c >> 4];
      out += kHex[c & 0xf];
    } else {
      out += ch;
    }
  }
  out += '"';
  return out;
}

}  // namespace sonde::core
