// `sonde rules check [--lint=all|duplicate-rules|none] [--lint-fatal] FILE...`: checks rule files
// as `promtool check rules` 2.42 does, with its output and exit codes (0 valid, 1 errors, 3 lint
// problems with --lint-fatal).
#pragma once

#include <string>
#include <vector>

namespace sonde::daemon {

/// `args` are the arguments after "rules check".
int rules_check(const std::vector<std::string>& args);

}  // namespace sonde::daemon
