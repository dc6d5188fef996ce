#include "collectors/powersupplyclass.hpp"

#include <future>

#include "sysfs_test_util.hpp"

namespace sonde::collectors {
namespace {

TEST_CASE("powersupplyclass matches node_exporter 1.5.0 on its fixture",
          "[collectors][powersupplyclass]") {
  PowerSupplyClassCollector c{core::HostPaths::under(test::ne_sys_root()),
                              PowerSupplyClassOptions{}, nullptr};
  const auto out = test::collect_text(c);
  REQUIRE(out.status.ok());
  CHECK(out.parse_errors == 0);
  test::require_same_families(out.text, test::ne_e2e_output(), [](const std::string& f) {
    return test::starts_with(f, "node_power_supply_");
  });
}

TEST_CASE("parse_power_supply: units, names and info labels", "[collectors][powersupplyclass]") {
  const std::vector<std::pair<std::string, std::string>> attrs = {
      {"energy_now", "36580000"},
      {"voltage_now", "11660000"},
      {"temp", "285"},
      {"cycle_count", "0x10"},
      {"status", "Discharging"},
      {"model_name", "LNV\xff"},
      {"health", ""},
      {"capacity", "lots"},
      {"power_avg", "x"},
      {"uevent", "POWER_SUPPLY_NAME=BAT0"}};
  const PowerSupply ps = parse_power_supply("BAT0", attrs);
  test::RecordingSink s;
  publish_power_supply(ps, s);
  CHECK(s.value(R"(node_power_supply_energy_watthour{power_supply="BAT0"})") == Approx(36.58));
  CHECK(s.value(R"(node_power_supply_voltage_volt{power_supply="BAT0"})") == Approx(11.66));
  CHECK(s.value(R"(node_power_supply_temp_celsius{power_supply="BAT0"})") == Approx(28.5));
  CHECK(s.value(R"(node_power_supply_cyclecount{power_supply="BAT0"})") == 16);
  CHECK(s.samples.at(R"(node_power_supply_cyclecount{power_supply="BAT0"})").help ==
        "cyclecount value of /sys/class/power_supply/<power_supply>.");
  CHECK(
      s.has("node_power_supply_info{power_supply=\"BAT0\",status=\"Discharging\","
            "model_name=\"LNV\xEF\xBF\xBD\"}"));
  CHECK(ps.errors == 2);  // capacity, power_avg
  CHECK(s.count_family("node_power_supply_capacity") == 0);
}

TEST_CASE("powersupplyclass on broken trees", "[collectors][powersupplyclass]") {
  SECTION("no class directory: nothing, and success") {
    test::TempTree t;
    PowerSupplyClassCollector c{t.paths(), PowerSupplyClassOptions{}, nullptr};
    test::check_quiet_without_source(c);
  }
  SECTION("excluded, dangling and root-only supplies") {
    test::TempTree t;
    t.write("sys/class/power_supply/AC/online", "1\n");
    t.write("sys/class/power_supply/AC/type", "Mains\n");
    t.write("sys/class/power_supply/AC/serial_number", "123\n", 0000);
    t.write("sys/class/power_supply/hidpp_battery_0/capacity", "50\n");
    t.link("sys/class/power_supply/BAT1", "../../devices/gone");
    PowerSupplyClassOptions o;
    o.device_exclude = "^hidpp_";
    const int r = test::run_unprivileged([&] {
      PowerSupplyClassCollector c{t.paths(), o, nullptr};
      test::RecordingSink sink;
      if (!c.collect(sink).ok() || sink.errors != 0) return 1;
      if (sink.samples.size() != 2) return 2;
      return sink.has(R"(node_power_supply_info{power_supply="AC",type="Mains"})") ? 0 : 3;
    });
    CHECK(r == 0);
  }
}

TEST_CASE("a power supply that does not answer costs only its own series",
          "[collectors][powersupplyclass]") {
  // BAT0's driver hangs (an embedded controller that does not answer) until the test ends.
  test::TempTree t;
  t.write("sys/class/power_supply/AC/online", "1\n");
  t.write("sys/class/power_supply/BAT0/capacity", "50\n");
  auto release = std::make_shared<std::promise<void>>();
  std::shared_future<void> released = release->get_future().share();
  const auto reader = [released](const std::filesystem::path& dir) {
    if (dir.filename() == "BAT0") released.wait();
    return read_power_supply_dir(dir);
  };
  auto pool = std::make_shared<core::BlockingPool>(4);
  PowerSupplyClassCollector c{t.paths(), PowerSupplyClassOptions{}, pool, reader};
  for (int round = 0; round < 2; ++round) {
    test::RecordingSink sink;
    REQUIRE(c.collect(sink).ok());
    CHECK(sink.value(R"(node_power_supply_online{power_supply="AC"})") == 1);
    CHECK(sink.count_family("node_power_supply_info") == 1);
    CHECK(sink.count_family("node_power_supply_capacity") == 0);
  }
  CHECK(pool->stuck() == 1);  // the second collect did not start another read of BAT0
  release->set_value();
}

}  // namespace
}  // namespace sonde::collectors
