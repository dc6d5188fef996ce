// Rule unit tests as `promtool test rules` 2.42 runs them (cmd/promtool/unittest.go, written
// anew): each test group loads its input series (the expanding notation) into a rule history,
// evaluates the rule groups (compiled by the same code as the daemon's, in group_eval_order) at
// every evaluation_interval from time 0 up to the latest eval_time with an explicit clock, checks
// the firing alerts of each alert_rule_test after the evaluation at or just before its eval_time,
// and then each promql_expr_test's instant query, comparing values exactly as promtool does.
// Failures are worded and laid out as promtool prints them.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "rules/rule_file_spec.hpp"
#include "rules/unit_test_spec.hpp"

namespace sonde::rules {

/// Loads one rule file as the daemon does (lib/config reads it, lib/rules validates it): the
/// spec, or nullopt with the errors as promtool prints them ("FILE: 7:15: group ...").
using RuleFileLoader =
    std::function<std::optional<RuleFileSpec>(const std::string& path, std::vector<std::string>&)>;

/// Runs every test group of a test file. `rule_files` are the file's `rule_files` resolved
/// (joined to the test file's directory and globbed). Returns the failures as promtool prints
/// them, in its order; empty when every test passed.
std::vector<std::string> run_unit_tests(const UnitTestFileSpec& spec,
                                        const std::vector<std::string>& rule_files,
                                        const RuleFileLoader& load);

/// Prints one file's outcome as promtool does: "  SUCCESS" then an empty line on `out`, or
/// "  FAILED:" and each error on `err`, each followed by an empty line on `out`, then an empty
/// line. (The file's "Unit Testing:  FILE" line comes before, when the file is started.)
void print_unit_test_result(const std::vector<std::string>& errors, std::ostream& out,
                            std::ostream& err);

/// Go's time.Duration.String() of whole milliseconds ("0s", "1m0s", "1h0m0.5s", "250ms").
std::string go_duration_string(std::int64_t ms);

}  // namespace sonde::rules
