// sonde-loadgen: a DogStatsD/StatsD load generator (docs/loadgen.md).
#include <cstdio>
#include <string>
#include <vector>

#include "loadgen/cli.hpp"

int main(int argc, char** argv) {
  const std::vector<std::string> args(argv + 1, argv + argc);
  auto command = sonde::loadgen::parse_command_line(args);
  if (!command) {
    std::fprintf(stderr, "sonde-loadgen: %s (see --help)\n", command.message().c_str());
    return 2;
  }
  if (const auto* help = std::get_if<sonde::loadgen::Help>(&*command)) {
    std::fputs(help->text.c_str(), stdout);
    return 0;
  }
  if (const auto* sink = std::get_if<sonde::loadgen::SinkOptions>(&*command)) {
    return sonde::loadgen::run_sink(*sink);
  }
  return sonde::loadgen::run(std::get<sonde::loadgen::RunOptions>(*command));
}
