#include "rules/go_json.hpp"

namespace sonde::rules {

std::string go_json_dump(const nlohmann::ordered_json& j) {
  // Label values and errors may hold bytes that are not UTF-8; dump() would throw on them (Go
  // writes U+FFFD for them too).
  const std::string text = j.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
  // Go's encoder escapes <, > and & (and U+2028, U+2029) in strings; outside strings JSON has
  // none of them, so escaping every occurrence gives Prometheus's bytes.
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '<') {
      out += "\\u003c";
    } else if (c == '>') {
      out += "\\u003e";
    } else if (c == '&') {
      out += "\\u0026";
    } else if (c == '\xe2' && i + 2 < text.size() && text[i + 1] == '\x80' &&
               (text[i + 2] == '\xa8' || text[i + 2] == '\xa9')) {
      out += text[i + 2] == '\xa8' ? "\\u2028" : "\\u2029";
      i += 2;
    } else {
      out += c;
    }
  }
  return out;
}

}  // namespace sonde::rules
