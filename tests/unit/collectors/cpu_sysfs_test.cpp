#include "collectors/cpu_sysfs.hpp"

#include "sysfs_test_util.hpp"

namespace sonde::collectors {
namespace {

TEST_CASE("the cpu collector's sysfs part matches node_exporter 1.5.0", "[collectors][cpu]") {
  test::RecordingSink sink;
  publish_cpu_sysfs(test::ne_sys_root() / "sys", sink);
  CHECK(sink.errors == 0);
  core::SnapshotBuilder b;
  publish_cpu_sysfs(test::ne_sys_root() / "sys", b);
  std::string text;
  const std::vector<core::SnapshotPtr> snaps{std::make_shared<const core::Snapshot>(b.take())};
  core::write_text(snaps, text);
  test::require_same_families(text, test::ne_e2e_output(), [](const std::string& f) {
    return f == "node_cpu_core_throttles_total" || f == "node_cpu_package_throttles_total" ||
           f == "node_cpu_isolated";
  });
}

TEST_CASE("parse_isolated_cpus reads the isolcpus list as procfs", "[collectors][cpu]") {
  CHECK(parse_isolated_cpus("1,3-5,9\n") == std::vector<std::uint16_t>{1, 3, 4, 5, 9});
  CHECK(parse_isolated_cpus("\n") == std::vector<std::uint16_t>{});
  CHECK(parse_isolated_cpus("") == std::vector<std::uint16_t>{});
  CHECK(parse_isolated_cpus("2,2,1") == std::vector<std::uint16_t>{1, 2});
  CHECK(parse_isolated_cpus("1,,2") == std::vector<std::uint16_t>{1, 2});
  CHECK_FALSE(parse_isolated_cpus("1-2-3"));
  CHECK_FALSE(parse_isolated_cpus("a"));
  CHECK_FALSE(parse_isolated_cpus("1 ,2"));
  CHECK_FALSE(parse_isolated_cpus("0-70000"));
  CHECK_FALSE(parse_isolated_cpus("-1"));
  CHECK(parse_isolated_cpus("5-3") == std::vector<std::uint16_t>{});  // an empty range
}

TEST_CASE("the cpu collector's sysfs part on broken trees", "[collectors][cpu]") {
  test::TempTree t;
  t.write("sys/devices/system/cpu/isolated", "garbage\n");
  t.write("sys/devices/system/cpu/cpu0/topology/physical_package_id", "0\n");
  t.write("sys/devices/system/cpu/cpu0/topology/core_id", "0\n");
  t.write("sys/devices/system/cpu/cpu0/thermal_throttle/core_throttle_count", "7\n");
  t.write("sys/devices/system/cpu/cpu1/topology/physical_package_id", "x\n");  // skipped
  test::RecordingSink sink;
  publish_cpu_sysfs(t.root() / "sys", sink);
  CHECK(sink.errors == 1);  // the isolated list
  CHECK(sink.value(R"(node_cpu_core_throttles_total{package="0",core="0"})") == 7);
  CHECK(sink.count_family("node_cpu_package_throttles_total") == 0);
  CHECK(sink.count_family("node_cpu_isolated") == 0);
}

}  // namespace
}  // namespace sonde::collectors
