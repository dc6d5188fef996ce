#include "remote/labels.hpp"

#include "core/series_text.hpp"

namespace sonde::remote {
std::optional<core::LabelSet> parse_series_text(std::string_view text) {
  auto parsed = core::parse_series_text(text);
  if (!parsed) return std::nullopt;
  core::LabelSet out;
  for (auto& [name, value] : *parsed) out.emplace(std::move(name), std::move(value));
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
