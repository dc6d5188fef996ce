// Builds sonde's components from a validated Config and runs them until SIGTERM/SIGINT; SIGHUP
// reloads the configuration.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "core/options.hpp"
#include "daemon/directories.hpp"

namespace sonde::daemon {

/// Exit codes, as sysexits.h names them where one fits.
inline constexpr int kExitOk = 0;
inline constexpr int kExitFailure = 1;  // run-time failure: cannot bind, ...
inline constexpr int kExitUsage = 2;    // bad command line
inline constexpr int kExitConfig = 78;  // EX_CONFIG: bad configuration at start

/// A whole configuration built again for a reload (the file, with the command-line overrides
/// applied), or every reason it is invalid (one line each; then `config` is meaningless).
struct LoadedConfig {
  core::Config config;
  std::vector<std::string> errors;
};
using ConfigSource = std::function<LoadedConfig()>;

/// Applies the log level and format to the default logger (at start and on reload).
void apply_log_options(const core::LogOptions& options);

/// Runs the daemon; returns the process exit code. `reload` is called on SIGHUP; without one,
/// SIGHUP re-applies `config`. `dirs` were resolved once at start (main.cpp).
int run(const core::Config& config, const Directories& dirs, ConfigSource reload = {});

}  // namespace sonde::daemon
