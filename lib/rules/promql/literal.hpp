// PromQL's string literals (literal.cpp).
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace sonde::rules::promql {

/// A quoted literal ('..', "..", `..`) as Prometheus unquotes it.
std::optional<std::string> unquote_literal(std::string_view s);
/// Go's strconv.Quote for a label value or string literal.
std::string go_quote(std::string_view s);

}  // namespace sonde::rules::promql
