#include "collectors/time.hpp"

#include <stdlib.h>
#include <time.h>

#include <optional>

#include "collector_test_util.hpp"
#include "core/read_file.hpp"

namespace sonde::collectors {
namespace {

using test::host;
using test::RecordingSink;

// Sets TZ for one test and restores it afterwards. POSIX TZ strings need no tzdata:
// "XYZ-3" is a zone called XYZ, 3 hours east of UTC.
class ScopedTz {
 public:
  explicit ScopedTz(const char* tz) {
    if (const char* old = ::getenv("TZ")) old_ = old;
    ::setenv("TZ", tz, 1);
    ::tzset();
  }
  ~ScopedTz() {
    if (old_) {
      ::setenv("TZ", old_->c_str(), 1);
    } else {
      ::unsetenv("TZ");
    }
    ::tzset();
  }
  ScopedTz(const ScopedTz&) = delete;
  ScopedTz& operator=(const ScopedTz&) = delete;

 private:
  std::optional<std::string> old_;
};

const std::chrono::system_clock::time_point kT0{std::chrono::seconds(1700000000)};

TEST_CASE("parse_clocksources splits the sysfs attributes", "[collectors][time]") {
  const Clocksources cs = parse_clocksources("tsc hpet acpi_pm \n", "tsc\n");
  CHECK(cs.available == std::vector<std::string_view>{"tsc", "hpet", "acpi_pm"});
  CHECK(cs.current == "tsc");
  const Clocksources none = parse_clocksources("", "");
  CHECK(none.available.empty());
  CHECK(none.current.empty());
}

TEST_CASE("node_time_seconds is computed when a reader asks", "[collectors][time]") {
  core::FakeClock clock{kT0};
  TimeCollector c{core::HostPaths::under(test::ne_fixture()), clock};
  const auto live = c.live_source();
  REQUIRE(live);
  {
    core::SnapshotBuilder b;
    live(b);
    const core::Snapshot s = b.take();
    REQUIRE(s.families.size() == 1);
    CHECK(s.families[0].name == "node_time_seconds");
    CHECK(s.families[0].help == "System time in seconds since epoch (1970).");
    CHECK(s.families[0].type == core::MetricType::gauge);
    CHECK(s.families[0].samples.at(0).value == 1700000000.0);
  }
  clock.advance(std::chrono::milliseconds(2500));
  core::SnapshotBuilder b;
  live(b);
  CHECK(b.take().families.at(0).samples.at(0).value == 1700000002.5);

  // collect() does not publish it: a value from the collector's timer would be stale.
  RecordingSink sink;
  REQUIRE(c.collect(sink).ok());
  CHECK_FALSE(sink.has("node_time_seconds"));
}

TEST_CASE("time collector reports the local zone", "[collectors][time]") {
  core::FakeClock clock{kT0};
  TimeCollector c{core::HostPaths::under(test::host("empty")), clock};
  SECTION("east of UTC") {
    ScopedTz tz{"XYZ-3"};
    RecordingSink sink;
    REQUIRE(c.collect(sink).ok());
    CHECK(sink.value(R"(node_time_zone_offset_seconds{time_zone="XYZ"})") == 10800.0);
    CHECK(sink.samples.at(R"(node_time_zone_offset_seconds{time_zone="XYZ"})").help ==
          "System time zone offset in seconds.");
  }
  SECTION("UTC") {
    ScopedTz tz{"UTC0"};
    RecordingSink sink;
    REQUIRE(c.collect(sink).ok());
    CHECK(sink.value(R"(node_time_zone_offset_seconds{time_zone="UTC"})") == 0.0);
  }
  SECTION("daylight saving time follows the clock") {
    ScopedTz tz{"EST5EDT,M3.2.0,M11.1.0"};
    core::FakeClock july{std::chrono::system_clock::time_point{std::chrono::seconds(1689000000)}};
    TimeCollector summer{core::HostPaths::under(test::host("empty")), july};
    RecordingSink sink;
    REQUIRE(summer.collect(sink).ok());
    CHECK(sink.value(R"(node_time_zone_offset_seconds{time_zone="EDT"})") == -14400.0);
  }
}

TEST_CASE("time collector clocksources match node_exporter 1.5.0", "[collectors][time]") {
  core::FakeClock clock{kT0};
  const auto is_clocksource = [](const std::string& f) {
    return test::starts_with(f, "node_time_clocksource_");
  };
  // The zone offset depends on the machine's TZ; node_exporter's outputs omit its sample.
  const auto without_zone = [](std::string text) {
    std::string out;
    core::for_each_line(text, [&](std::string_view line) {
      if (line.find("node_time_zone_offset_seconds") == std::string_view::npos) {
        out.append(line).append("\n");
      }
    });
    return out;
  };
  SECTION("its fixture") {
    TimeCollector c{core::HostPaths::under(test::ne_fixture()), clock};
    RecordingSink sink;
    REQUIRE(c.collect(sink).ok());
    CHECK(sink.errors == 0);
    CHECK(sink.has(R"(node_time_clocksource_available_info{clocksource="hpet",device="0"})"));
    CHECK(sink.value(R"(node_time_clocksource_current_info{clocksource="tsc",device="0"})") == 1.0);
    const auto out = test::collect_text(c);
    REQUIRE(out.status.ok());
    test::require_same_families(without_zone(out.text), test::ne_e2e_output(), is_clocksource);
  }
  SECTION("a captured host") {
    TimeCollector c{core::HostPaths::under(host("debian12-capture")), clock};
    const auto out = test::collect_text(c);
    REQUIRE(out.status.ok());
    test::require_same_families(without_zone(out.text), test::capture_output(), is_clocksource);
  }
}

TEST_CASE("time collector does without clocksource files", "[collectors][time]") {
  core::FakeClock clock{kT0};
  SECTION("current_clocksource missing") {
    TimeCollector c{core::HostPaths::under(host("truncated")), clock};
    RecordingSink sink;
    REQUIRE(c.collect(sink).ok());
    CHECK(sink.errors == 0);
    CHECK(sink.has(R"(node_time_clocksource_available_info{clocksource="tsc",device="0"})"));
    CHECK(sink.count_family("node_time_clocksource_current_info") == 0);
  }
  SECTION("no sys at all") {
    TimeCollector c{core::HostPaths::under(host("empty")), clock};
    RecordingSink sink;
    REQUIRE(c.collect(sink).ok());
    CHECK(sink.errors == 0);
    CHECK(sink.samples.size() == 1);  // the zone offset only
  }
}

}  // namespace
}  // namespace sonde::collectors
