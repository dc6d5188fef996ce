#include "collectors/thermal_zone.hpp"

#include <cerrno>

#include "sysfs_test_util.hpp"

namespace sonde::collectors {
namespace {

TEST_CASE("thermal_zone matches node_exporter 1.5.0 on its fixture", "[collectors][thermal]") {
  ThermalZoneCollector c{core::HostPaths::under(test::ne_sys_root()), nullptr};
  const auto out = test::collect_text(c);
  REQUIRE(out.status.ok());
  CHECK(out.parse_errors == 0);
  test::require_same_families(out.text, test::ne_e2e_output(), [](const std::string& f) {
    return test::starts_with(f, "node_thermal_zone_") ||
           test::starts_with(f, "node_cooling_device_");
  });
}

TEST_CASE("parse_thermal_zone and parse_cooling_device follow procfs 0.8.0",
          "[collectors][thermal]") {
  ThermalZoneFiles z;
  z.zone = "1";
  z.type = {0, "acpitz"};
  z.policy = {0, "step_wise"};
  z.temp = {0, "-5500"};
  z.mode = {ENOENT, ""};
  z.passive = {EACCES, ""};
  auto r = parse_thermal_zone(z);
  REQUIRE(r.zone);
  CHECK(r.zone->celsius == -5.5);
  z.temp = {ENODATA, ""};  // a sensor that is not ready: skipped, not an error
  r = parse_thermal_zone(z);
  CHECK_FALSE(r.zone);
  CHECK_FALSE(r.error);
  z.temp = {0, "hot"};
  CHECK(parse_thermal_zone(z).error);
  z.temp = {0, "1000"};
  z.passive = {0, "-1"};  // passive is unsigned
  CHECK(parse_thermal_zone(z).error);
  z.passive = {0, "0"};
  z.mode = {EIO, ""};
  CHECK(parse_thermal_zone(z).error);

  CoolingDeviceFiles d{"0", {0, "intel_powerclamp"}, {0, "50"}, {0, "-1"}};
  const auto cd = parse_cooling_device(d);
  REQUIRE(cd);
  CHECK(cd->cur_state == -1);
  CHECK(cd->max_state == 50);
  d.max_state = {0, "0x10"};  // base 10 only
  CHECK_FALSE(parse_cooling_device(d));
  d.max_state = {ENOENT, ""};
  CHECK_FALSE(parse_cooling_device(d));
}

TEST_CASE("thermal_zone on broken trees", "[collectors][thermal]") {
  SECTION("no /sys/class/thermal: nothing, and success") {
    test::TempTree t;
    ThermalZoneCollector c{t.paths(), nullptr};
    test::check_quiet_without_source(c);
  }
  SECTION("a zone without temp and a dangling device link are left out, and counted") {
    test::TempTree t;
    t.write("sys/class/thermal/thermal_zone0/type", "x86_pkg_temp\n");
    t.write("sys/class/thermal/thermal_zone0/policy", "step_wise\n");
    t.write("sys/class/thermal/thermal_zone0/temp", "45000\n");
    t.write("sys/class/thermal/thermal_zone1/type", "acpitz\n");
    t.write("sys/class/thermal/thermal_zone1/policy", "step_wise\n");
    t.link("sys/class/thermal/cooling_device0", "../../devices/gone");
    t.write("sys/class/thermal/thermal_zoneX/type", "not a zone\n");
    ThermalZoneCollector c{t.paths(), nullptr};
    test::RecordingSink sink;
    REQUIRE(c.collect(sink).ok());
    CHECK(sink.value(R"(node_thermal_zone_temp{zone="0",type="x86_pkg_temp"})") == 45);
    CHECK(sink.count_family("node_thermal_zone_temp") == 1);
    CHECK(sink.count_family("node_cooling_device_cur_state") == 0);
    CHECK(sink.errors == 2);
  }
}

}  // namespace
}  // namespace sonde::collectors
