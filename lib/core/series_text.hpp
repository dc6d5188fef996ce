// sonde's series text (`name` or `name{a="1",b="x\"y"}`, as the exposition writes a sample's
// series) parsed back into its name and labels: what remote write sends and what the rules'
// history stores.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace sonde::core {

/// The labels of series `text` in its order, __name__ first, values unescaped (\\, \", \n;
/// empty values kept); nullopt for anything else: no metric name, a label name that is not
/// [a-zA-Z_][a-zA-Z0-9_]*, an unclosed quote or brace, text after the brace, a label given twice.
/// A trailing comma before the brace is allowed, as the exposition format allows it.
std::optional<std::vector<std::pair<std::string, std::string>>> parse_series_text(
    std::string_view text);

}  // namespace sonde::core
