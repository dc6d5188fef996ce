// The options every module shares: log level and format (and, in core/host_paths.hpp, where the
// host's filesystems are). Each module's own options live in lib/<module>/options.hpp; the whole
// configuration is config::Config (lib/config/config.hpp).
#pragma once

#include <chrono>

#include "core/host_paths.hpp"

namespace sonde::core {

using Millis = std::chrono::milliseconds;

enum class LogLevel { debug, info, warn, error };
enum class LogFormat { text, json };

struct LogOptions {
  LogLevel level = LogLevel::info;
  LogFormat format = LogFormat::text;
  bool operator==(const LogOptions&) const = default;
};

}  // namespace sonde::core
