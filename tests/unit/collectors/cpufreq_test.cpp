#include "collectors/cpufreq.hpp"

#include "sysfs_test_util.hpp"

namespace sonde::collectors {
namespace {

TEST_CASE("cpufreq matches node_exporter 1.5.0 on its fixture", "[collectors][cpufreq]") {
  CpufreqCollector c{core::HostPaths::under(test::ne_sys_root())};
  const auto out = test::collect_text(c);
  REQUIRE(out.status.ok());
  CHECK(out.parse_errors == 0);
  test::require_same_families(out.text, test::ne_e2e_output(), [](const std::string& f) {
    return test::starts_with(f, "node_cpu_scaling_") || test::starts_with(f, "node_cpu_frequency_");
  });
}

TEST_CASE("cpufreq skips what it may not read and counts what is no number",
          "[collectors][cpufreq]") {
  test::TempTree t;
  t.write("sys/devices/system/cpu/cpu0/cpufreq/scaling_cur_freq", "800000\n");
  t.write("sys/devices/system/cpu/cpu0/cpufreq/scaling_max_freq", "fast\n");
  t.write("sys/devices/system/cpu/cpu0/cpufreq/cpuinfo_cur_freq", "810000\n", 0000);
  t.write("sys/devices/system/cpu/cpu1/online", "0\n");    // no cpufreq directory
  t.write("sys/devices/system/cpu/cpufreq/boost", "1\n");  // not cpu[0-9]*
  const int r = test::run_unprivileged([&] {
    CpufreqCollector c{t.paths()};
    test::RecordingSink sink;
    if (!c.collect(sink).ok()) return 1;
    if (sink.errors != 1) return 2;  // scaling_max_freq
    if (sink.samples.size() != 1) return 3;
    return sink.value(R"(node_cpu_scaling_frequency_hertz{cpu="0"})") == 8e8 ? 0 : 4;
  });
  CHECK(r == 0);
  CHECK(parse_cpufreq_value(" 1200000\n") == 1200000u);
  CHECK_FALSE(parse_cpufreq_value("-1"));
  CHECK_FALSE(parse_cpufreq_value("<unknown>"));
}

}  // namespace
}  // namespace sonde::collectors
