// Durations as Prometheus and Go spell them (duration.cpp).
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "core/options.hpp"
#include "core/result.hpp"

namespace sonde::core {

/// Parses a Prometheus duration ("15s", "1m", "1h30m", "500ms", "1d", "2w", "1y"; "0" is 0).
/// Fails on bad syntax or overflow (which one: DurationError). Units must appear in the order y w d
/// h m s ms, each at most once; y = 365d, w = 7d. The largest accepted duration is the one that
/// still fits in std::chrono::nanoseconds (about 292 years, as Prometheus's time.Duration), so
/// every consumer can convert it for its timers.
enum class DurationError { bad_syntax, overflow };
Result<Millis, DurationError> parse_duration(std::string_view text);
/// Formats a duration the way Prometheus prints it ("1h30m", "5s", "250ms", "0s"); years and
/// weeks only when they divide the duration exactly ("90d", not "12w6d").
std::string format_duration(Millis d);
/// Go's time.ParseDuration ("1.5h", "300ms", "2h45m", "1us"), to whole milliseconds; nullopt on
/// bad syntax or beyond 1e15 ms.
std::optional<Millis> parse_go_duration(std::string_view s);

}  // namespace sonde::core
