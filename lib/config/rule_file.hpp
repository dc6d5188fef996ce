// Reading Prometheus rule files into lib/rules' plain structures (rules/rule_file_spec.hpp), with
// the problems worded and positioned as Prometheus 2.42 (rulefmt over yaml.v3) reports them, so
// `sonde rules check` can print what `promtool check rules` prints. Validation of the values
// (names, expressions, templates) is lib/rules' (rules/rule_file.hpp).
#pragma once

#include <cstddef>
#include <filesystem>
#include <string_view>

#include "core/result.hpp"
#include "rules/rule_file_spec.hpp"

namespace sonde::config {

/// Rule files larger than this are refused (promtool's own large test file is 1 MB).
inline constexpr std::size_t kMaxRuleFileBytes = 32u << 20;

/// Reads YAML text as rulefmt does: unknown keys, wrong types, duplicate keys and bad durations
/// are problems; only the first YAML document counts. Never throws.
rules::RuleFileRead read_rule_text(std::string_view yaml);

/// Reads a file; an unreadable or oversized file is an error naming it.
core::Result<rules::RuleFileRead> read_rule_file(const std::filesystem::path& path);

}  // namespace sonde::config
