#include "remote/labels.hpp"

namespace sonde::remote {
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
      c = text[i] == 'n' ? '\n' : text[i];
    }
    v.push_back(c);
  }
  return std::nullopt;
}

}  // namespace

std::optional<core::LabelSet> parse_series_text(std::string_view text) {
  std::size_t i = 0;
  while (i < text.size() && name_byte(text[i], i == 0, true)) ++i;
  if (i == 0) return std::nullopt;
  core::LabelSet out{{"__name__", std::string(text.substr(0, i))}};
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
    if (!out.emplace(std::move(name), std::move(*value)).second) return std::nullopt;
    if (i < end) {
      if (text[i] != ',') return std::nullopt;
      ++i;
    }
  }
  return out;
}

std::optional<Labels> labels_to_send(std::string_view text, const LabelRules& rules,
                                     bool& dropped) {
  dropped = false;
  auto set = parse_series_text(text);
  if (!set) return std::nullopt;
  for (const auto& [name, value] : rules.series_labels) {
    if (auto it = set->find(name); it != set->end()) {
      set->insert_or_assign("exported_" + name, std::move(it->second));
    }
    set->insert_or_assign(name, value);
  }
  for (const auto& [name, value] : rules.external_labels) set->emplace(name, value);
  if (!rules.relabel.empty()) {
    auto relabelled = core::relabel(std::move(*set), rules.relabel);
    if (!relabelled) {
      dropped = true;
      return std::nullopt;
    }
    set = std::move(relabelled);
  }
  Labels out;
  out.reserve(set->size());
  for (auto& [name, value] : *set) {
    if (!value.empty()) out.emplace_back(name, std::move(value));
  }
  return out;
}

}  // namespace sonde::remote
