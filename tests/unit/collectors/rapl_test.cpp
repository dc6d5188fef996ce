#include "collectors/rapl.hpp"

#include "sysfs_test_util.hpp"

namespace sonde::collectors {
namespace {

/// The e2e output names paths as node_exporter saw them, under collector/fixtures/.
std::string as_fixture_paths(std::string text, const std::filesystem::path& root) {
  const std::string from = root.string() + "/";
  for (std::size_t p; (p = text.find(from)) != std::string::npos;) {
    text.replace(p, from.size(), "collector/fixtures/");
  }
  return text;
}

TEST_CASE("rapl matches node_exporter 1.5.0 on its fixture", "[collectors][rapl]") {
  RaplCollector c{core::HostPaths::under(test::ne_sys_root()), RaplOptions{}};
  const auto out = test::collect_text(c);
  REQUIRE(out.status.ok());
  CHECK(out.parse_errors == 0);
  test::require_same_families(
      as_fixture_paths(out.text, test::ne_sys_root()), test::ne_e2e_output(),
      [](const std::string& f) { return test::starts_with(f, "node_rapl_"); });
}

TEST_CASE("rapl with zone_label: one family", "[collectors][rapl]") {
  RaplOptions o;
  o.zone_label = true;
  RaplCollector c{core::HostPaths::under(test::ne_sys_root()), o};
  test::RecordingSink sink;
  REQUIRE(c.collect(sink).ok());
  const std::string path = (test::ne_sys_root() / "sys/class/powercap/intel-rapl:0").string();
  CHECK(sink.value(R"(node_rapl_joules_total{index="0",path=")" + path +
                   R"(",rapl_zone="package"})") == Approx(240422.366267));
  CHECK(sink.count_family("node_rapl_joules_total") == 2);
}

TEST_CASE("rapl zone names and indexes as procfs", "[collectors][rapl]") {
  std::map<std::string, int> uses;
  CHECK(rapl_index_and_name(uses, "package-0") == std::pair<int, std::string>{0, "package"});
  CHECK(rapl_index_and_name(uses, "dram") == std::pair<int, std::string>{0, "dram"});
  CHECK(rapl_index_and_name(uses, "dram") == std::pair<int, std::string>{1, "dram"});
  CHECK(rapl_index_and_name(uses, "package-1") == std::pair<int, std::string>{1, "package"});
  CHECK(rapl_index_and_name(uses, "package") == std::pair<int, std::string>{2, "package"});
  CHECK(rapl_index_and_name(uses, "a-b-1") == std::pair<int, std::string>{0, "a-b-1"});
  CHECK(sanitize_metric_name("psys") == "psys");
  CHECK(sanitize_metric_name("a-b") == "a_b");
  CHECK(sanitize_metric_name("a_-_b") == "a_b");
  CHECK(sanitize_metric_name("a__b") == "a__b");
  CHECK(sanitize_metric_name("-x-") == "_x_");
}

TEST_CASE("rapl skips root-only energy counters quietly", "[collectors][rapl]") {
  test::TempTree t;
  for (const char* z : {"intel-rapl:0", "intel-rapl:1"}) {
    const std::string d = std::string("sys/class/powercap/") + z;
    t.write(d + "/name", std::string(z) == "intel-rapl:0" ? "package-0\n" : "package-1\n");
    t.write(d + "/max_energy_range_uj", "262143328850\n");
  }
  t.write("sys/class/powercap/intel-rapl:0/energy_uj", "1000000\n");
  t.write("sys/class/powercap/intel-rapl:1/energy_uj", "2000000\n", 0000);
  t.write("sys/class/powercap/intel-rapl/enabled", "1\n");  // the control type: no name
  const int r = test::run_unprivileged([&] {
    RaplCollector c{t.paths(), RaplOptions{}};
    test::RecordingSink sink;
    if (!c.collect(sink).ok() || sink.errors != 0) return 1;
    return sink.count_family("node_rapl_package_joules_total") == 1 ? 0 : 2;
  });
  CHECK(r == 0);
  // A garbage counter is counted; no powercap at all is quiet.
  t.write("sys/class/powercap/intel-rapl:0/energy_uj", "many\n");
  RaplCollector c{t.paths(), RaplOptions{}};
  test::RecordingSink sink;
  REQUIRE(c.collect(sink).ok());
  CHECK(sink.errors == 1);
  test::TempTree empty;
  RaplCollector none{empty.paths(), RaplOptions{}};
  test::check_quiet_without_source(none);
}

}  // namespace
}  // namespace sonde::collectors
