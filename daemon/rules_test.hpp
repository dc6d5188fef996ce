// `sonde rules test FILE...`: runs rule unit-test files as `promtool test rules` 2.42 does, with
// its output and exit codes (0 every test passed, 1 any failure).
#pragma once

#include <string>
#include <vector>

namespace sonde::daemon {

/// `args` are the arguments after "rules test".
int rules_test(const std::vector<std::string>& args);

}  // namespace sonde::daemon
