// Loading sonde's YAML configuration into core::Config, strictly: unknown keys, wrong types,
// out-of-range values, bad regexes and bad durations are all errors with file:line:column, and
// one pass reports every error.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "core/options.hpp"

namespace sonde::config {

struct ConfigError {
  std::string file;    // as given to the loader
  int line = 0;        // 1-based; 0 when unknown
  int column = 0;      // 1-based; 0 when unknown
  std::string path;    // dotted key path, e.g. "collectors.cpu.interval"; empty for syntax errors
  std::string message; // what was expected and what was found
  /// "file:line:column: path: message" (omitting parts that are unknown).
  std::string to_string() const;
};

struct LoadResult {
  core::Config config;  // meaningful only when errors is empty
  std::vector<ConfigError> errors;
  bool ok() const { return errors.empty(); }
};

/// Loads a file. A missing or unreadable file is one error naming the file.
LoadResult load_file(const std::filesystem::path& path);
/// Loads YAML text; `name` is used as the file in error messages.
LoadResult load_string(std::string_view yaml, std::string_view name = "<string>");

/// Parses a Prometheus duration ("15s", "1m", "1h30m", "500ms", "1d", "2w", "1y"; "0" is 0).
/// Returns false on bad syntax or overflow.
bool parse_duration(std::string_view text, core::Millis& out);
/// Formats a duration the way Prometheus prints it ("1h30m", "5s", "250ms", "0s").
std::string format_duration(core::Millis d);

}  // namespace sonde::config
