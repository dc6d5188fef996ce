// systemd's service watchdog (WatchdogSec=, sd_watchdog_enabled(3)): when the service manager
// sets $WATCHDOG_USEC (and $WATCHDOG_PID names this process, or is unset), sonde must send
// "WATCHDOG=1" more often than that; a loop that stops doing so is killed and restarted.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <optional>

#include "core/result.hpp"
#include "daemon/directories.hpp"

namespace sonde::daemon {

struct Watchdog {
  std::chrono::microseconds timeout;   // $WATCHDOG_USEC
  std::chrono::microseconds interval;  // how often to ping: half the timeout, as systemd advises
};

/// Pure: from `env` and this process's id. Nothing when $WATCHDOG_USEC is unset or empty, or
/// $WATCHDOG_PID names another process (the variables were inherited, not meant for us); an
/// error when either is not a positive decimal number.
core::Result<std::optional<Watchdog>> resolve_watchdog(const EnvLookup& env, pid_t self);

/// resolve_watchdog over the process's environment and getpid().
core::Result<std::optional<Watchdog>> process_watchdog();

}  // namespace sonde::daemon
