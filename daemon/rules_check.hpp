// `sonde rules check [--lint=all|duplicate-rules|none] [--lint-fatal] FILE...`: checks rule files
// as `promtool check rules` 2.42 does, with its output and exit codes (0 valid, 1 errors, 3 lint
// problems with --lint-fatal).
#pragma once

#include <string>
#include <vector>

namespace sonde::daemon {

/// A command-line error as promtool (kingpin) prints it ("sonde: error: ..., try --help"): 1.
int command_error(const std::string& message);
/// kingpin's checks of promtool's file arguments (`arg` names them): none given, a path that
/// does not exist or is a directory is a command-line error (its exit code); 0 when all is well.
int check_file_args(const std::vector<std::string>& files, const std::string& arg);

/// `args` are the arguments after "rules check".
int rules_check(const std::vector<std::string>& args);

}  // namespace sonde::daemon
