// Parsers for the value types the config uses: Prometheus and Go durations, log names, listen
// addresses, label names.
// Pure functions with no YAML in them, so the HTTP module and tests can use them too.
#include <arpa/inet.h>

#include <array>
#include <charconv>
#include <cstdint>
#include <limits>

#include "config/loader.hpp"
#include "config/reader.hpp"

namespace sonde::config {
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

DurationParse parse_duration_checked(std::string_view text, core::Millis& out) {
  if (text.empty()) return DurationParse::bad_syntax;
  if (text == "0") {  // Prometheus' one unit-less spelling
    out = core::Millis{0};
    return DurationParse::ok;
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
    if (i == digits_begin) return DurationParse::bad_syntax;
    // "ms" before "m": the longest unit name wins, as in the Prometheus regex.
    std::size_t unit = kUnits.size();
    for (std::size_t u = kUnits.size(); u-- > 0;) {
      if (text.substr(i, kUnits[u].name.size()) == kUnits[u].name &&
          (unit == kUnits.size() || kUnits[u].name.size() > kUnits[unit].name.size())) {
        unit = u;
      }
    }
    if (unit == kUnits.size() || unit < next_unit) return DurationParse::bad_syntax;
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
  if (overflow) return DurationParse::overflow;
  out = core::Millis{total};
  return DurationParse::ok;
}

bool parse_duration(std::string_view text, core::Millis& out) {
  return parse_duration_checked(text, out) == DurationParse::ok;
}

std::string format_duration(core::Millis d) {
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

std::optional<core::LogLevel> parse_log_level(std::string_view text) {
  if (text == "debug") return core::LogLevel::debug;
  if (text == "info") return core::LogLevel::info;
  if (text == "warn") return core::LogLevel::warn;
  if (text == "error") return core::LogLevel::error;
  return std::nullopt;
}

std::string_view to_string(core::LogLevel level) {
  switch (level) {
    case core::LogLevel::debug:
      return "debug";
    case core::LogLevel::info:
      return "info";
    case core::LogLevel::warn:
      return "warn";
    case core::LogLevel::error:
      return "error";
  }
  return "unknown";
}

std::optional<core::LogFormat> parse_log_format(std::string_view text) {
  if (text == "text") return core::LogFormat::text;
  if (text == "json") return core::LogFormat::json;
  return std::nullopt;
}

std::string_view to_string(core::LogFormat format) {
  switch (format) {
    case core::LogFormat::text:
      return "text";
    case core::LogFormat::json:
      return "json";
  }
  return "unknown";
}

namespace {

constexpr std::string_view kListenForms = "expected HOST:PORT, [IPv6]:PORT or :PORT";

// RFC 1123 host name: dot-separated labels of letters, digits and inner hyphens, 1..63 each.
bool is_host_name(std::string_view host) {
  if (host.size() > 253) return false;
  std::size_t label = 0;
  for (std::size_t i = 0; i <= host.size(); ++i) {
    if (i == host.size() || host[i] == '.') {
      if (label == 0 || label > 63) return false;
      if (host[i - 1] == '-' || host[i - label] == '-') return false;
      label = 0;
      continue;
    }
    const char c = host[i];
    const bool ok = is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '-';
    if (!ok) return false;
    ++label;
  }
  return true;
}

bool is_ipv6(std::string_view text) {
  std::string addr(text);
  if (const auto pct = addr.find('%'); pct != std::string::npos) {
    const std::string_view zone = text.substr(pct + 1);
    if (zone.empty()) return false;
    for (const char c : zone) {
      if (!(is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
            c == '-' || c == '.')) {
        return false;
      }
    }
    addr.resize(pct);
  }
  in6_addr out{};
  return inet_pton(AF_INET6, addr.c_str(), &out) == 1;
}

}  // namespace

core::Result<ListenAddress> parse_listen_address(std::string_view text) {
  ListenAddress out;
  std::string_view port;
  if (!text.empty() && text.front() == '[') {
    const auto close = text.find(']');
    if (close == std::string_view::npos) return core::error("missing \"]\" after the IPv6 address");
    const std::string_view host = text.substr(1, close - 1);
    if (!is_ipv6(host)) return core::error(quote(host) + " is not an IPv6 address");
    if (close + 1 >= text.size() || text[close + 1] != ':') {
      return core::error("missing port; " + std::string(kListenForms));
    }
    out.host = std::string(host);
    port = text.substr(close + 2);
  } else {
    const auto colon = text.rfind(':');
    if (colon == std::string_view::npos)
      return core::error("missing port; " + std::string(kListenForms));
    const std::string_view host = text.substr(0, colon);
    if (host.find(':') != std::string_view::npos) {
      return core::error("an IPv6 address needs brackets, as in [::1]:9477");
    }
    bool numeric = !host.empty();
    for (const char c : host) numeric = numeric && (is_digit(c) || c == '.');
    if (numeric) {
      in_addr v4{};
      if (inet_pton(AF_INET, std::string(host).c_str(), &v4) != 1) {
        return core::error(quote(host) + " is not an IPv4 address");
      }
    } else if (!host.empty() && !is_host_name(host)) {
      return core::error(quote(host) + " is not a valid host name");
    }
    out.host = std::string(host);
    port = text.substr(colon + 1);
  }
  unsigned value = 0;
  const auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
  const bool all_digits = !port.empty() && port.size() <= 5 && is_digit(port.front());
  if (!all_digits || ec != std::errc{} || end != port.data() + port.size() || value > 65535) {
    return core::error("port must be a number from 0 to 65535");
  }
  out.port = static_cast<std::uint16_t>(value);
  return out;
}

std::optional<core::Millis> parse_go_duration(std::string_view s) {
  if (s == "0") return core::Millis(0);
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
  return core::Millis(static_cast<core::Millis::rep>(total_ms));
}

bool is_label_name(std::string_view s) {
  if (s.empty()) return false;
  for (std::size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    const bool letter = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
    if (!letter && !(i > 0 && is_digit(c))) return false;
  }
  return true;
}

}  // namespace sonde::config
