// sonde-loadgen's command line: `sonde-loadgen MODE [--option VALUE]...` into RunOptions or
// SinkOptions, every value checked (docs/loadgen.md lists them).
#pragma once

#include <string>
#include <variant>
#include <vector>

#include "core/result.hpp"
#include "loadgen/run.hpp"
#include "loadgen/sink.hpp"

namespace sonde::loadgen {

struct Help {
  std::string text;
};

using Command = std::variant<RunOptions, SinkOptions, Help>;

/// `args` without the program name. The error names the option and what is wrong.
core::Result<Command> parse_command_line(const std::vector<std::string>& args);

}  // namespace sonde::loadgen
