#include "core/rate_limit.hpp"

#include <spdlog/spdlog.h>

#include <catch2/catch.hpp>

#include "support/captured_log.hpp"

using namespace sonde;

using test::CapturedLog;

TEST_CASE("with_suppressed has one wording for the count", "[core][rate_limit]") {
  CHECK(core::with_suppressed("bad line", 0) == "bad line");
  CHECK(core::with_suppressed("bad line", 1) == "bad line (1 similar line suppressed)");
  CHECK(core::with_suppressed("bad line", 12) == "bad line (12 similar lines suppressed)");
}

TEST_CASE("RateLimitedLog warns a burst per key, then prints the suppressed count",
          "[core][rate_limit]") {
  CapturedLog log;
  core::RateLimitedLog limited(std::chrono::seconds(10), 2);
  const auto t0 = std::chrono::steady_clock::time_point{};
  CHECK(limited.warn("a", "first", t0));
  CHECK(limited.warn("a", std::string("second"), t0));
  int calls = 0;
  auto lazy = [&] {
    ++calls;
    return std::string("third");
  };
  CHECK_FALSE(limited.warn("a", lazy, t0));
  CHECK_FALSE(limited.warn("a", lazy, t0));
  CHECK(calls == 0);  // suppressed lines are never formatted
  CHECK(limited.warn("b", "other key", t0));
  CHECK(limited.warn("a", lazy, t0 + std::chrono::seconds(11)));
  CHECK(calls == 1);
  CHECK(log.text() ==
        "warning first\n"
        "warning second\n"
        "warning other key\n"
        "warning third (2 similar lines suppressed)\n");
}
