// Validation of rule files read by lib/config (rules/rule_file_spec.hpp) with the checks of
// Prometheus 2.42's rulefmt and `promtool check rules` (its duplicate-rule lint), and the output
// of `sonde rules check`, which prints what promtool 2.42 prints.
#pragma once

#include <cstddef>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"
#include "rules/rule_file_spec.hpp"

namespace sonde::rules {

/// One problem of a rule file, positioned as rulefmt positions it.
struct RuleProblem {
  bool has_pos = false;  // false: rulefmt gives no position (labels, annotations, templates)
  SpecPos pos;
  std::optional<SpecPos> alt;  // the second position of "only one of 'record' and 'alert'"
  bool in_rule = false;        // false: a group-level problem
  std::string group;
  int rule = 0;  // 1-based index of the rule in its group
  std::string rule_name;
  std::string message;  // "invalid label name: bad-name"
  /// As rulefmt's Error() prints it: `7:15: group "g", rule 1, "x": could not parse ...`.
  std::string to_string() const;
  /// As a core::Diagnostic for logs and APIs: path is `group "g", rule 1, "x"`.
  core::Diagnostic diagnostic(std::string_view file) const;
};

/// Checks every group and rule of a file that was read without YAML problems (rulefmt's
/// RuleGroups.Validate): group names (empty, repeated), record vs alert, expressions (the PromQL
/// parser), recording rules with annotations, `for` or `keep_firing_for`, metric, label and
/// annotation names, label values, and the templates of alerting rules. In file order.
std::vector<RuleProblem> validate(const RuleFileSpec& spec);

/// promtool's duplicate-rules lint: rules with the same name (alert or record) and labels. Each
/// duplicated (name, sorted labels) once, sorted.
struct DuplicateRule {
  std::string metric;
  std::vector<std::pair<std::string, std::string>> labels;  // sorted by name
};
std::vector<DuplicateRule> find_duplicates(const RuleFileSpec& spec);

/// The lint text promtool prints for duplicates ("lint error 1 duplicate rule(s) found.\n...").
std::string duplicates_message(const std::vector<DuplicateRule>& duplicates);

/// `promtool check rules` for one file, as data.
struct FileCheck {
  std::size_t rules = 0;            // meaningful when `errors` is empty
  std::vector<std::string> errors;  // each as promtool prints it, starting with "FILE: "
  std::optional<std::string> lint;  // the duplicate-rules lint, when it found duplicates
};

/// Validates what lib/config read from `file` (YAML problems first, as promtool reports them;
/// validation only when there are none; the lint only when valid and `lint_duplicates`).
FileCheck check_file(std::string_view file, const RuleFileRead& read, bool lint_duplicates);

/// Lint settings of `--lint` (all, duplicate-rules, none; comma-separated) and `--lint-fatal`.
struct LintOptions {
  bool duplicate_rules = true;
  bool fatal = false;
};

/// Prints one file's result as promtool does ("Checking FILE" and "  SUCCESS: N rules found" on
/// `out`, "  FAILED:" and the problems on `err`, then an empty line on `out`). Returns whether it
/// failed with errors other than the lint (`failed_errors`) and whether it failed at all.
struct PrintedCheck {
  bool failed = false;
  bool errors = false;
};
PrintedCheck print_check(std::string_view file, const FileCheck& check, std::ostream& out,
                         std::ostream& err);

/// promtool's exit code over all files: 1 when any file had errors, 3 when only lint problems
/// were found and `fatal`, else 0.
int exit_code(const std::vector<PrintedCheck>& files, bool fatal);

/// Whether `name` is a valid Prometheus metric name ([a-zA-Z_:][a-zA-Z0-9_:]*) and label name
/// ([a-zA-Z_][a-zA-Z0-9_]*), as model.IsValidMetricName and LabelName.IsValid in 2.42.
bool valid_metric_name(std::string_view name);
bool valid_label_name(std::string_view name);
/// Whether `s` is valid UTF-8 (model.LabelValue.IsValid).
bool valid_utf8(std::string_view s);

}  // namespace sonde::rules
