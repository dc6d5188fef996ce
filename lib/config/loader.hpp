// Loading sonde's YAML configuration into config::Config, strictly: unknown keys, wrong types,
// out-of-range values, bad regexes and bad durations are all errors with file:line:column, and
// one pass reports every error.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/config.hpp"
#include "core/duration.hpp"
#include "core/result.hpp"

namespace sonde::config {

struct LoadResult {
  Config config;        // meaningful only when errors is empty
  core::Errors errors;  // in document order; at most core::Errors::kMax, then a count
  bool ok() const { return errors.empty(); }
};

/// Config files larger than this are refused: a config is a few KiB, and a mistaken path (a log,
/// /dev/zero) must not be read without bound.
inline constexpr std::size_t kMaxConfigBytes = 4u << 20;
/// Documents with more YAML nodes than this are refused before their tree is built (the tree
/// costs about 400 bytes a node): sonde.yaml has about 150, a large mapping file a few thousand.
inline constexpr std::size_t kMaxYamlNodes = 100'000;

/// Loads a file; relative `rules.files` become absolute against the file's directory. A missing or
/// unreadable file, or one that is not a regular file (checked before it is opened, so a FIFO
/// cannot block; /dev/null reads as empty), is one error naming the file. Never throws.
LoadResult load_file(const std::filesystem::path& path);
/// Loads YAML text; `name` is used as the file in error messages. An empty document (or one with
/// only comments) gives the defaults. Errors are sorted by position; relative `rules.files` stay
/// relative. Never throws.
LoadResult load_string(std::string_view yaml, std::string_view name = "<string>");

/// Every key the loader accepts, as dotted paths ("web.listen_address", "collectors.cpu.guest"),
/// sections included ("collectors", "collectors.cpu").
std::vector<std::string> accepted_keys();

/// Prometheus durations (core/duration.hpp), as the loader reads them.
using core::DurationError;
using core::format_duration;
using core::parse_duration;

}  // namespace sonde::config
