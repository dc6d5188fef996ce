#include <catch2/catch.hpp>

#include "rules/template/go_time.hpp"

using namespace sonde::rules::tmpl;

namespace {
constexpr std::int64_t kNs = 1'000'000'000;
constexpr std::int64_t kT = 1614834367 * kNs;  // 2021-03-04 05:06:07 UTC
}  // namespace

TEST_CASE("template times print as Go's time.Time.String in UTC", "[rules][template]") {
  CHECK(time_string(0) == "1970-01-01 00:00:00 +0000 UTC");
  CHECK(time_string(kT) == "2021-03-04 05:06:07 +0000 UTC");
  CHECK(time_string(kT + kNs / 2) == "2021-03-04 05:06:07.5 +0000 UTC");
  CHECK(time_string(-1) == "1969-12-31 23:59:59.999999999 +0000 UTC");
  CHECK(time_format(kT, "2006-01-02 15:04:05") == "2021-03-04 05:06:07");
}

TEST_CASE("template time methods give Go's integers", "[rules][template]") {
  CHECK(time_int_method(kT, "Unix") == 1614834367);
  CHECK(time_int_method(kT + 123'456'789, "UnixMilli") == 1614834367123);
  CHECK(time_int_method(kT + 123'456'789, "UnixMicro") == 1614834367123456);
  CHECK(time_int_method(kT + 5, "UnixNano") == kT + 5);
  CHECK(time_int_method(kT + 5, "Nanosecond") == 5);
  CHECK(time_int_method(kT, "Year") == 2021);
  CHECK(time_int_method(kT, "Day") == 4);
  CHECK(time_int_method(kT, "Hour") == 5);
  CHECK(time_int_method(kT, "Minute") == 6);
  CHECK(time_int_method(kT, "Second") == 7);
  // Before the epoch, seconds round down as Go's do.
  CHECK(time_int_method(-1, "Unix") == -1);
  CHECK(time_int_method(-1, "Nanosecond") == 999'999'999);
  CHECK(time_int_method(kT, "Month") == std::nullopt);
  CHECK(is_time_method("Format"));
  CHECK_FALSE(is_time_method("Month"));
}
