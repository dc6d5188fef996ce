#include "core/series_text.hpp"

namespace sonde::core {
namespace {

bool name_byte(char c, bool first, bool metric) {
  const bool letter = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
  return letter || (metric && c == ':') || (!first && c >= '0' && c <= '9');
}

/// Reads `"value"` at text[i] (i at the opening quote), unescaping; advances i past it.
std::optional<std::string> quoted(std::string_view text, std::size_t& i) {
  if (i >= text.size() || text[i] != '"') return std::nullopt;
  std::string v;
  for (++i; i < text.size(); ++i) {
    char c = text[i];
    if (c == '"') {
      ++i;
      return v;
    }
    if (c == '\\') {
      if (++i == text.size()) break;
      c = text[i] == 'n' ? '\n' : text[i];  // \\ and \" stand for themselves
    }
    v.push_back(c);
  }
  return std::nullopt;
}

}  // namespace

std::optional<std::vector<std::pair<std::string, std::string>>> parse_series_text(
    std::string_view text) {
  std::size_t i = 0;
  while (i < text.size() && name_byte(text[i], i == 0, true)) ++i;
  if (i == 0) return std::nullopt;
  std::vector<std::pair<std::string, std::string>> out;
  out.emplace_back("__name__", std::string(text.substr(0, i)));
  if (i == text.size()) return out;
  if (text[i++] != '{' || text.back() != '}') return std::nullopt;
  const std::size_t end = text.size() - 1;
  while (i < end) {
    const std::size_t start = i;
    while (i < end && name_byte(text[i], i == start, false)) ++i;
    if (i == start || i >= end || text[i] != '=') return std::nullopt;
    std::string name(text.substr(start, i - start));
    ++i;
    auto value = quoted(text, i);
    if (!value || i > end) return std::nullopt;
    for (const auto& [seen, v] : out) {
      if (seen == name) return std::nullopt;  // a label given twice
    }
    out.emplace_back(std::move(name), std::move(*value));
    if (i < end) {
      if (text[i] != ',') return std::nullopt;
      ++i;
    }
  }
  return out;
}

}  // namespace sonde::core
