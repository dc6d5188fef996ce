#include "daemon/watchdog.hpp"

#include <unistd.h>

#include <charconv>
#include <cstdint>
#include <string>

namespace sonde::daemon {
namespace {

// A positive decimal number, digits only (no sign, no spaces), as systemd writes it.
std::optional<std::uint64_t> positive(const std::string& text) {
  std::uint64_t v = 0;
  const char* end = text.data() + text.size();
  const auto [p, ec] = std::from_chars(text.data(), end, v);
  if (text.empty() || ec != std::errc() || p != end || v == 0) return std::nullopt;
  return v;
}

}  // namespace

core::Result<std::optional<Watchdog>> resolve_watchdog(const EnvLookup& env, pid_t self) {
  const auto usec = env("WATCHDOG_USEC");
  if (!usec || usec->empty()) return std::optional<Watchdog>();
  if (const auto pid = env("WATCHDOG_PID"); pid && !pid->empty()) {
    const auto n = positive(*pid);
    if (!n) return core::error("WATCHDOG_PID '" + *pid + "' is not a process id");
    if (*n != static_cast<std::uint64_t>(self)) return std::optional<Watchdog>();
  }
  const auto n = positive(*usec);
  // Beyond a year the value is a mistake, and microseconds would overflow in arithmetic.
  constexpr std::uint64_t kMaxUsec = 365ull * 24 * 3600 * 1000000;
  if (!n || *n > kMaxUsec) {
    return core::error("WATCHDOG_USEC '" + *usec +
                       "' is not a number of microseconds between 1 and one year");
  }
  const std::chrono::microseconds timeout(static_cast<std::int64_t>(*n));
  return std::optional<Watchdog>(Watchdog{timeout, timeout / 2});
}

core::Result<std::optional<Watchdog>> process_watchdog() {
  return resolve_watchdog(process_environment(), ::getpid());
}

}  // namespace sonde::daemon
