// The label set each sample is sent with: the series text sonde's board holds (`name{a="1"}`)
// parsed back into labels, global.series_labels attached as a Prometheus scrape attaches target
// labels (a clashing label of the series becomes exported_<name>), global.external_labels added
// where the series lacks them (as Prometheus's remote write does), then write_relabel_configs.
#pragma once

#include <optional>
#include <string_view>
#include <vector>

#include "core/relabel.hpp"
#include "remote/write_request.hpp"

namespace sonde::remote {

struct LabelRules {
  Labels series_labels;
  Labels external_labels;
  std::vector<core::RelabelConfig> relabel;
  bool operator==(const LabelRules&) const = default;
};

/// `name` or `name{a="x",b="y\"z"}` (the exposition's escapes: \\, \", \n) as labels with
/// __name__; nullopt for anything else (a label given twice included).
std::optional<core::LabelSet> parse_series_text(std::string_view text);

/// The labels to send for series `text`, sorted, without empty values; nullopt when the text does
/// not parse or write_relabel_configs drop the series (`dropped` says which).
std::optional<Labels> labels_to_send(std::string_view text, const LabelRules& rules, bool& dropped);

}  // namespace sonde::remote
