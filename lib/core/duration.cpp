// Durations as Prometheus (prometheus/common model.ParseDuration, model.Duration.String) and Go
// (time.ParseDuration) spell them: one implementation for the config, PromQL and rule files.
#include "core/duration.hpp"

#include <array>
#include <charconv>
#include <cstdint>
#include <limits>

namespace sonde::core {
namespace {

struct Unit {
  std::string_view name;
  std::int64_t millis;
};

constexpr std::int64_t kSecond = 1000;
constexpr std::int64_t kMinute = 60 * kSecond;
constexpr std::int64_t kHour = 60 * kMinute;
constexpr std::int64_t kDay = 24 * kHour;

// In the order Prometheus requires them (prometheus/common model.ParseDuration).
constexpr std::array<Unit, 7> kUnits{{{"y", 365 * kDay},
                                      {"w", 7 * kDay},
                                      {"d", kDay},
                                      {"h", kHour},
                                      {"m", kMinute},
                                      {"s", kSecond},
                                      {"ms", 1}}};

// The largest Millis that still converts to std::chrono::nanoseconds without overflow.
constexpr std::int64_t kMaxDurationMillis = std::numeric_limits<std::int64_t>::max() / 1'000'000;

bool is_digit(char c) { return c >= '0' && c <= '9'; }

}  // namespace

Result<Millis, DurationError> parse_duration(std::string_view text) {
  if (text.empty()) return DurationError::bad_syntax;
  if (text == "0") {  // Prometheus' one unit-less spelling
    return Millis{0};
  }
  std::int64_t total = 0;
  bool overflow = false;
  std::size_t next_unit = 0;  // index into kUnits of the smallest unit still allowed
  std::size_t i = 0;
  while (i < text.size()) {
    const std::size_t digits_begin = i;
    std::int64_t value = 0;
    while (i < text.size() && is_digit(text[i])) {
      const int d = text[i] - '0';
      if (value > (std::numeric_limits<std::int64_t>::max() - d) / 10) {
        overflow = true;  // keep scanning: bad syntax later in the text is the better message
      } else {
        value = value * 10 + d;
      }
      ++i;
    }
    if (i == digits_begin) return DurationError::bad_syntax;
    // "ms" before "m": the longest unit name wins, as in the Prometheus regex.
    std::size_t unit = kUnits.size();
    for (std::size_t u = kUnits.size(); u-- > 0;) {
      if (text.substr(i, kUnits[u].name.size()) == kUnits[u].name &&
          (unit == kUnits.size() || kUnits[u].name.size() > kUnits[unit].name.size())) {
        unit = u;
      }
    }
    if (unit == kUnits.size() || unit < next_unit) return DurationError::bad_syntax;
    next_unit = unit + 1;
    i += kUnits[unit].name.size();
    if (overflow) continue;
    if (value > kMaxDurationMillis / kUnits[unit].millis) {
      overflow = true;
      continue;
    }
    total += value * kUnits[unit].millis;  // both terms <= kMaxDurationMillis: no int64 overflow
    if (total > kMaxDurationMillis) overflow = true;
  }
  if (overflow) return DurationError::overflow;
  return Millis{total};
}

std::string format_duration(Millis d) {
  if (d.count() == 0) return "0s";
  std::string out;
  // Unsigned magnitude, so that even the most negative value has one.
  std::uint64_t ms = static_cast<std::uint64_t>(d.count());
  if (d.count() < 0) {
    out = "-";
    ms = 0 - ms;
  }
  // Same algorithm as prometheus/common model.Duration.String.
  for (std::size_t u = 0; u < kUnits.size(); ++u) {
    const bool exact_only = u < 2;  // y and w only when exact: "90d" reads better than "12w6d"
    const auto mult = static_cast<std::uint64_t>(kUnits[u].millis);
    if (exact_only && ms % mult != 0) continue;
    if (const std::uint64_t v = ms / mult; v > 0) {
      out += std::to_string(v);
      out += kUnits[u].name;
      ms -= v * mult;
    }
  }
  return out;
}

std::optional<Millis> parse_go_duration(std::string_view s) {
  if (s == "0") return Millis(0);
  if (s.empty()) return std::nullopt;
  double total_ms = 0;
  while (!s.empty()) {
    std::size_t i = 0;
    while (i < s.size() && ((s[i] >= '0' && s[i] <= '9') || s[i] == '.')) ++i;
    if (i == 0) return std::nullopt;
    double v = 0;
    const auto [end, ec] = std::from_chars(s.data(), s.data() + i, v);
    if (ec != std::errc() || end != s.data() + i) return std::nullopt;
    s.remove_prefix(i);
    std::size_t u = 0;
    while (u < s.size() && !((s[u] >= '0' && s[u] <= '9') || s[u] == '.')) ++u;
    const std::string_view unit = s.substr(0, u);
    s.remove_prefix(u);
    double f = 0;
    if (unit == "ns") {
      f = 1e-6;
    } else if (unit == "us" || unit == "\xC2\xB5s") {
      f = 1e-3;
    } else if (unit == "ms") {
      f = 1;
    } else if (unit == "s") {
      f = 1e3;
    } else if (unit == "m") {
      f = 60e3;
    } else if (unit == "h") {
      f = 3600e3;
    } else {
      return std::nullopt;
    }
    total_ms += v * f;
  }
  if (total_ms > 1e15) return std::nullopt;
  return Millis(static_cast<Millis::rep>(total_ms));
}

}  // namespace sonde::core
