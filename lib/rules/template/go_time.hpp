// Go's time.Time formatting in UTC, for template values of kind time.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace sonde::rules::tmpl {

/// time.Time.String() of ns since the epoch, in UTC: "2006-01-02 15:04:05.999999999 +0000 UTC".
std::string time_string(std::int64_t ns);
/// time.Time.Format(layout) in UTC, with Go's reference-time layout elements.
std::string time_format(std::int64_t ns, std::string_view layout);

/// The methods of *time.Time a template may call.
bool is_time_method(std::string_view name);
/// The integer-valued ones (Unix, UnixMilli, UnixMicro, UnixNano, Nanosecond, Year, Day, Hour,
/// Minute, Second) of a time ns since the epoch, in UTC; nullopt for any other name.
std::optional<std::int64_t> time_int_method(std::int64_t ns, std::string_view name);

}  // namespace sonde::rules::tmpl
