#include "daemon/watchdog.hpp"

#include <catch2/catch.hpp>
#include <map>
#include <string>

#include "unit/daemon/env_of.hpp"

using sonde::daemon::EnvLookup;
using sonde::daemon::resolve_watchdog;
using namespace std::chrono_literals;

using sonde::daemon::test::env_of;

TEST_CASE("watchdog: WATCHDOG_USEC, pinged at half of it", "[daemon][watchdog]") {
  const auto wd = resolve_watchdog(env_of({{"WATCHDOG_USEC", "30000000"}}), 42);
  REQUIRE(wd.ok());
  REQUIRE(wd->has_value());
  CHECK((**wd).timeout == 30s);
  CHECK((**wd).interval == 15s);
}

TEST_CASE("watchdog: off without WATCHDOG_USEC or for another process", "[daemon][watchdog]") {
  const auto none = [](std::map<std::string, std::string, std::less<>> vars) {
    const auto wd = resolve_watchdog(env_of(std::move(vars)), 42);
    return wd.ok() && !wd->has_value();
  };
  CHECK(none({}));
  CHECK(none({{"WATCHDOG_USEC", ""}}));
  CHECK(none({{"WATCHDOG_USEC", "1000000"}, {"WATCHDOG_PID", "43"}}));
  const auto mine =
      resolve_watchdog(env_of({{"WATCHDOG_USEC", "1000000"}, {"WATCHDOG_PID", "42"}}), 42);
  REQUIRE(mine.ok());
  CHECK(mine->has_value());
}

TEST_CASE("watchdog: values that are not positive numbers are errors", "[daemon][watchdog]") {
  for (const char* bad : {"0", "-5", "abc", "10s", " 100", "99999999999999999999999"}) {
    const auto wd = resolve_watchdog(env_of({{"WATCHDOG_USEC", bad}}), 42);
    REQUIRE_FALSE(wd.ok());
    CHECK_THAT(wd.message(), Catch::Contains("WATCHDOG_USEC"));
  }
  const auto pid = resolve_watchdog(env_of({{"WATCHDOG_USEC", "1000"}, {"WATCHDOG_PID", "x"}}), 42);
  REQUIRE_FALSE(pid.ok());
  CHECK_THAT(pid.message(), Catch::Contains("WATCHDOG_PID"));
}
