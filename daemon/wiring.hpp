// Builds sonde's components from a validated Config and runs them until SIGTERM/SIGINT.
#pragma once

#include "core/options.hpp"

namespace sonde::daemon {

/// Exit codes, as sysexits.h names them where one fits.
inline constexpr int kExitOk = 0;
inline constexpr int kExitFailure = 1;  // run-time failure: cannot bind, ...
inline constexpr int kExitUsage = 2;    // bad command line
inline constexpr int kExitConfig = 78;  // EX_CONFIG: bad configuration at start

/// Runs the daemon; returns the process exit code.
int run(const core::Config& config);

}  // namespace sonde::daemon
