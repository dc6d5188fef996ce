// Builds sonde's components from a validated Config and runs them until SIGTERM/SIGINT; SIGHUP
// reloads the configuration.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "config/config.hpp"
#include "core/result.hpp"
#include "daemon/directories.hpp"
#include "http/security.hpp"
#include "ingest/mapper.hpp"

namespace sonde::daemon {

/// Exit codes, as sysexits.h names them where one fits.
inline constexpr int kExitOk = 0;
inline constexpr int kExitFailure = 1;  // run-time failure: cannot bind, ...
inline constexpr int kExitUsage = 2;    // bad command line
inline constexpr int kExitConfig = 78;  // EX_CONFIG: bad configuration at start

/// A whole configuration (the file, with the command-line overrides applied, and the mapping file
/// it names, compiled), or every reason it is invalid (one line each; then the rest is
/// meaningless).
struct LoadedConfig {
  config::Config config;
  std::shared_ptr<const ingest::Mapper> mapper;    // null: no mapping file
  std::shared_ptr<const http::Security> security;  // null: no web config file
  core::Errors errors;
  std::vector<std::string> warnings;
};
using ConfigSource = std::function<LoadedConfig()>;

/// Reads and compiles `out.config.ingest.mapping_file` (if one is set) into `out.mapper`; its
/// errors and warnings are added to `out`.
void load_mapping(LoadedConfig& out);

/// Reads `out.config.web.config_file` (if one is set) and loads the certificates it names into
/// `out.security`; its errors are added to `out`.
void load_web_config(LoadedConfig& out);

/// Runs the daemon on a valid `initial` configuration; returns the process exit code. `reload` is
/// called on SIGHUP; without one, SIGHUP re-applies `initial`. `dirs` were resolved once at start
/// (main.cpp).
int run(const LoadedConfig& initial, const Directories& dirs, ConfigSource reload = {});

}  // namespace sonde::daemon
