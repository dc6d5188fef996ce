// The one spelling of log levels and formats, for the config file (log.level, log.format) and the
// command line (--log.level, --log.format): debug|info|warn|error and text|json.
#pragma once

#include <array>
#include <optional>
#include <string_view>
#include <utility>

#include "core/options.hpp"

namespace sonde::core {

inline constexpr std::array<std::pair<std::string_view, LogLevel>, 4> kLogLevelNames{{
    {"debug", LogLevel::debug},
    {"info", LogLevel::info},
    {"warn", LogLevel::warn},
    {"error", LogLevel::error},
}};

inline constexpr std::array<std::pair<std::string_view, LogFormat>, 2> kLogFormatNames{{
    {"text", LogFormat::text},
    {"json", LogFormat::json},
}};

/// The value named `text` (exactly, case-sensitive), or nothing.
std::optional<LogLevel> parse_log_level(std::string_view text);
std::optional<LogFormat> parse_log_format(std::string_view text);

std::string_view to_string(LogLevel level);
std::string_view to_string(LogFormat format);

/// "debug, info, warn, error" / "text, json", for usage and error messages.
std::string_view log_level_list();
std::string_view log_format_list();

}  // namespace sonde::core
