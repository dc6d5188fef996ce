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

/// Parses a Prometheus duration ("15s", "1m", "1h30m", "500ms", "1d", "2w", "1y"; "0" is 0).
/// Fails on bad syntax or overflow (which one: DurationError). Units must appear in the order y w d
/// h m s ms, each at most once; y = 365d, w = 7d. The largest accepted duration is the one that
/// still fits in std::chrono::nanoseconds (about 292 years), so every consumer can convert it for
/// its timers.
enum class DurationError { bad_syntax, overflow };
core::Result<core::Millis, DurationError> parse_duration(std::string_view text);
/// Formats a duration the way Prometheus prints it ("1h30m", "5s", "250ms", "0s"); years and
/// weeks only when they divide the duration exactly ("90d", not "12w6d").
std::string format_duration(core::Millis d);

}  // namespace sonde::config
