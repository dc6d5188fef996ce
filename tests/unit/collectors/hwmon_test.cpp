#include "collectors/hwmon.hpp"

#include <future>
#include <memory>

#include "sysfs_test_util.hpp"

namespace sonde::collectors {
namespace {

TEST_CASE("hwmon matches node_exporter 1.5.0 on its fixture", "[collectors][hwmon]") {
  HwmonCollector c{core::HostPaths::under(test::ne_sys_root()), nullptr};
  const auto out = test::collect_text(c);
  REQUIRE(out.status.ok());
  test::require_same_families(out.text, test::ne_e2e_output(), [](const std::string& f) {
    return test::starts_with(f, "node_hwmon_");
  });
}

TEST_CASE("explode_sensor_filename splits as node_exporter's regex", "[collectors][hwmon]") {
  struct Case {
    std::string_view in;
    bool ok;
    std::string_view type;
    long long num;
    std::string_view property;
  };
  const Case cases[] = {
      {"temp1_input", true, "temp", 1, "input"},
      {"pwm1_auto_point1_pwm", true, "pwm", 1, "auto_point1_pwm"},
      {"beep_enable", true, "beep_enable", 0, ""},
      {"in10", true, "in", 10, ""},
      {"temp_x1y", true, "temp", 0, "x1y"},  // the regex backtracks to the shorter type
      {"temp1_", false, "", 0, ""},
      {"in0x", false, "", 0, ""},
      {"1temp", false, "", 0, ""},
      {"", false, "", 0, ""},
      {"fan99999999999999999999_input", false, "", 0, ""},  // Atoi overflows
  };
  for (const Case& c : cases) {
    INFO(c.in);
    const SensorName s = explode_sensor_filename(c.in);
    CHECK(s.ok == c.ok);
    if (!c.ok) continue;
    CHECK(s.type == c.type);
    CHECK(s.num == c.num);
    CHECK(s.property == c.property);
  }
  CHECK(clean_metric_name("Platform.applesmc-768\n") == "platform_applesmc_768");
  CHECK(clean_metric_name("__") == "");
}

TEST_CASE("hwmon names chips and publishes units as node_exporter", "[collectors][hwmon]") {
  HwmonChip chip;
  chip.chip = "platform_coretemp_0";
  chip.chip_name = "coretemp";
  chip.files = {
      {"temp1_input", "42000"},  {"temp1_label", "Core 0\xff"}, {"in0_input", "1200"},
      {"fan1_input", "900"},     {"power1_average", "5000000"}, {"energy1_input", "2000000"},
      {"curr1_max", "x"},        {"temp2_input", "1000"},       {"temp2", "2000"},
      {"update_interval", "500"}};
  test::RecordingSink s;
  publish_hwmon(chip, s);
  const std::string l = R"({chip="platform_coretemp_0",sensor=")";
  CHECK(s.value("node_hwmon_temp_celsius" + l + "temp1\"}") == Approx(42));
  CHECK(s.has("node_hwmon_sensor_label" + l + "temp1\",label=\"Core 0\xEF\xBF\xBD\"}"));
  CHECK(s.value("node_hwmon_in_volts" + l + "in0\"}") == Approx(1.2));
  CHECK(s.value("node_hwmon_fan_rpm" + l + "fan1\"}") == 900);
  CHECK(s.value("node_hwmon_power_average_watt" + l + "power1\"}") == 5);
  CHECK(s.samples.at("node_hwmon_energy_joule_total" + l + "energy1\"}").type ==
        core::MetricType::counter);
  CHECK(s.count_family("node_hwmon_curr_max_amps") == 0);  // not a number
  // Both temp2 and temp2_input: the input gets its own name.
  CHECK(s.value("node_hwmon_temp_input_celsius" + l + "temp2\"}") == 1);
  CHECK(s.value("node_hwmon_temp_celsius" + l + "temp2\"}") == 2);
  CHECK(s.value("node_hwmon_update_interval_seconds" + l + "update_interval0\"}") == 0.5);
  CHECK(s.has(R"(node_hwmon_chip_names{chip="platform_coretemp_0",chip_name="coretemp"})"));
  CHECK(s.errors == 0);

  // Two files that clean to one name: one series, the other counted.
  HwmonChip broken;
  broken.chip = "x";
  broken.files = {{"temp1_crit", "1000"}, {"temp1_CRIT", "2000"}};
  test::RecordingSink b;
  publish_hwmon(broken, b);
  CHECK(b.count_family("node_hwmon_temp_crit_celsius") == 1);
  CHECK(b.errors == 1);
}

TEST_CASE("hwmon on broken trees", "[collectors][hwmon]") {
  SECTION("no /sys/class/hwmon: nothing, and success") {
    test::TempTree t;
    HwmonCollector c{t.paths(), nullptr};
    test::check_quiet_without_source(c);
  }
  SECTION("a dangling chip link, a chip without a name, unreadable sensors") {
    test::TempTree t;
    t.link("sys/class/hwmon/hwmon9", "../../devices/gone/hwmon/hwmon9");
    t.write("sys/devices/virtual/hwmon/hwmon0/temp1_input", "not a number\n");
    t.write("sys/devices/virtual/hwmon/hwmon0/temp2_input", "30000\n");
    t.write("sys/devices/virtual/hwmon/hwmon0/temp3_input", "31000\n", 0200);  // write-only
    t.link("sys/class/hwmon/hwmon0", "../../devices/virtual/hwmon/hwmon0");
    HwmonCollector c{t.paths(), nullptr};
    test::RecordingSink sink;
    REQUIRE(c.collect(sink).ok());
    // No device link and no name file: named after its directory.
    CHECK(sink.value(R"(node_hwmon_temp_celsius{chip="hwmon0",sensor="temp2"})") == 30);
    CHECK(sink.count_family("node_hwmon_temp_celsius") == (::geteuid() == 0 ? 2 : 1));
    CHECK(sink.count_family("node_hwmon_chip_names") == 0);
    CHECK(sink.errors == 0);
  }
  SECTION("a root-only sensor file is skipped quietly") {
    test::TempTree t;
    t.write("sys/class/hwmon/hwmon0/name", "acpitz\n");
    t.write("sys/class/hwmon/hwmon0/temp1_input", "25000\n");
    t.write("sys/class/hwmon/hwmon0/temp2_input", "26000\n", 0000);
    const int r = test::run_unprivileged([&] {
      HwmonCollector c{t.paths(), nullptr};
      test::RecordingSink sink;
      if (!c.collect(sink).ok() || sink.errors != 0) return 1;
      if (sink.count_family("node_hwmon_temp_celsius") != 1) return 2;
      return sink.value(R"(node_hwmon_temp_celsius{chip="acpitz",sensor="temp1"})") == 25 ? 0 : 3;
    });
    CHECK(r == 0);
  }
}

TEST_CASE("a hwmon chip that does not answer costs only its own series", "[collectors][hwmon]") {
  // hwmon1's driver hangs (a chip on a bus that does not answer) until the test ends.
  test::TempTree t;
  t.write("sys/class/hwmon/hwmon0/name", "fast\n");
  t.write("sys/class/hwmon/hwmon0/temp1_input", "25000\n");
  t.write("sys/class/hwmon/hwmon1/name", "stuck\n");
  t.write("sys/class/hwmon/hwmon1/temp1_input", "30000\n");
  auto release = std::make_shared<std::promise<void>>();
  std::shared_future<void> released = release->get_future().share();
  const auto reader = [released](const std::filesystem::path& dir) {
    if (dir.filename() == "hwmon1") released.wait();
    return read_hwmon_chip(dir);
  };
  auto pool = std::make_shared<core::BlockingPool>(4);
  HwmonCollector c{t.paths(), pool, reader};
  for (int round = 0; round < 2; ++round) {
    test::RecordingSink sink;
    REQUIRE(c.collect(sink).ok());
    CHECK(sink.value(R"(node_hwmon_temp_celsius{chip="fast",sensor="temp1"})") == 25);
    CHECK(sink.count_family("node_hwmon_chip_names") == 1);
    CHECK(sink.count_family("node_hwmon_temp_celsius") == 1);
  }
  CHECK(pool->stuck() == 1);  // the second collect did not start another read of hwmon1
  release->set_value();
}

}  // namespace
}  // namespace sonde::collectors
