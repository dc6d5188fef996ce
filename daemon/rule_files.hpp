// The rule files a configuration names: `rules.files` globs expanded (glob(3), sorted, each file
// once), each read by lib/config and checked by lib/rules. Used by `sonde config check`, at start
// and on every SIGHUP.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "rules/options.hpp"
#include "rules/rule_file_spec.hpp"

namespace sonde::daemon {

struct LoadedRuleFile {
  std::string path;
  std::optional<rules::RuleFileSpec> spec;  // set when the file loaded without errors
  std::vector<std::string> errors;          // as promtool words them, each "FILE: ..."
};

/// Expands every pattern (a pattern without glob characters names one file, which must exist; a
/// glob matching nothing is no error, as in Prometheus), then reads and validates each file.
std::vector<LoadedRuleFile> load_rule_files(const rules::RulesOptions& options);

}  // namespace sonde::daemon
