#include <catch2/catch.hpp>

#include "core/duration.hpp"

using sonde::core::DurationError;
using sonde::core::format_duration;
using sonde::core::parse_duration;
using Millis = sonde::core::Millis;

namespace {

constexpr std::int64_t kS = 1000, kM = 60 * kS, kH = 60 * kM, kD = 24 * kH, kW = 7 * kD,
                       kY = 365 * kD;

}  // namespace

TEST_CASE("parse_duration accepts Prometheus durations", "[core][duration]") {
  struct Case {
    const char* text;
    std::int64_t ms;
  };
  const Case cases[] = {
      {"0", 0},
      {"0s", 0},
      {"0ms", 0},
      {"500ms", 500},
      {"1s", kS},
      {"15s", 15 * kS},
      {"1m", kM},
      {"1m30s", kM + 30 * kS},
      {"1h30m", kH + 30 * kM},
      {"1d", kD},
      {"2w", 2 * kW},
      {"1y", kY},
      {"1y2w3d4h5m6s7ms", kY + 2 * kW + 3 * kD + 4 * kH + 5 * kM + 6 * kS + 7},
      {"90m", 90 * kM},  // a unit need not be "normalised"
      {"5m5ms", 5 * kM + 5},
      {"01s", kS},
      {"292y", 292 * kY},  // just below the nanoseconds limit
  };
  for (const auto& c : cases) {
    INFO(c.text);
    const auto out = parse_duration(c.text);
    REQUIRE(out.ok());
    CHECK(out->count() == c.ms);
  }
}

TEST_CASE("parse_duration rejects bad syntax and overflow", "[core][duration]") {
  const char* const cases[] = {
      "",        // empty
      "5",       // no unit (only "0" may omit it)
      "00",      //
      "5x",      // unknown unit
      "1m1h",    // units out of order
      "1s1s",    // unit repeated
      "1ms1s",   //
      "-1s",     // negative
      "+1s",     //
      "1.5s",    // fractions are not Prometheus durations
      " 1s",     // whitespace
      "1s ",     //
      "1S",      // case matters
      "s",       // unit without a number
      "1h 30m",  //
      "1sm",     //
      "293y",    // beyond std::chrono::nanoseconds
      "9223372036854775807ms",
      "99999999999999999999999999y",  // beyond int64 while parsing digits
      "106751d23h47m16s855ms",        // the sum overflows by 1ms
  };
  for (const char* text : cases) {
    INFO('"' << text << '"');
    CHECK_FALSE(parse_duration(text).ok());
  }
  CHECK(parse_duration("106751d23h47m16s854ms").ok());  // the largest accepted duration
  CHECK(parse_duration("106751d23h47m16s855ms").error() == DurationError::overflow);
  CHECK(parse_duration("5x").error() == DurationError::bad_syntax);
}

TEST_CASE("format_duration prints the way Prometheus does", "[core][duration]") {
  struct Case {
    std::int64_t ms;
    const char* text;
  };
  const Case cases[] = {
      {0, "0s"},
      {1, "1ms"},
      {250, "250ms"},
      {kS, "1s"},
      {5 * kS, "5s"},
      {kM + 30 * kS, "1m30s"},
      {kH + 30 * kM, "1h30m"},
      {kD, "1d"},
      {kW, "1w"},
      {90 * kD, "90d"},  // not 12w6d: years and weeks only when exact
      {2 * kW, "2w"},
      {kY, "1y"},
      {kY + kD, "366d"},
      {kH + 1, "1h1ms"},
      {-5 * kS, "-5s"},
  };
  for (const auto& c : cases) {
    INFO(c.ms);
    CHECK(format_duration(Millis{c.ms}) == c.text);
  }
  // The most negative value must not overflow while being negated.
  CHECK(format_duration(Millis::min()).front() == '-');
}

TEST_CASE("format_duration output parses back to the same value", "[core][duration]") {
  const std::int64_t values[] = {0, 1, 999, kS, 61 * kS, 25 * kH, 8 * kD, kY, 3 * kY + 2 * kS + 7};
  for (const auto v : values) {
    INFO(v);
    const auto out = parse_duration(format_duration(Millis{v}));
    REQUIRE(out.ok());
    CHECK(out->count() == v);
  }
}

TEST_CASE("format_duration writes years and weeks only when exact, as model.Duration", "[core][duration]") {
  // PromQL's printer (ast.cpp) uses this too: `x[90d]` stays `[90d]`, not `[12w6d]`.
  CHECK(format_duration(Millis{90 * kD}) == "90d");
  CHECK(format_duration(Millis{14 * kD}) == "2w");
  CHECK(format_duration(Millis{365 * kD + kD}) == "366d");
}
