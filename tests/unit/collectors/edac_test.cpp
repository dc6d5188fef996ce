#include "collectors/edac.hpp"

#include "sysfs_test_util.hpp"

namespace sonde::collectors {
namespace {

TEST_CASE("edac matches node_exporter 1.5.0 on its fixture", "[collectors][edac]") {
  EdacCollector c{core::HostPaths::under(test::ne_sys_root())};
  const auto out = test::collect_text(c);
  REQUIRE(out.status.ok());
  CHECK(out.parse_errors == 0);
  test::require_same_families(out.text, test::ne_e2e_output(), [](const std::string& f) {
    return test::starts_with(f, "node_edac_");
  });
}

TEST_CASE("edac on broken trees", "[collectors][edac]") {
  test::TempTree t;
  {
    EdacCollector c{t.paths()};
    test::check_quiet_without_source(c);
  }
  const std::string mc = "sys/devices/system/edac/mc/";
  for (const char* f : {"ce_count", "ce_noinfo_count", "ue_count", "ue_noinfo_count"}) {
    t.write(mc + "mc0/" + f, "1\n");
    t.write(mc + "mc1/" + f, "2\n");
  }
  t.write(mc + "mc1/ue_noinfo_count", "n/a\n");  // mc1 left out
  t.write(mc + "mc0/csrow0/ce_count", "3\n");
  t.write(mc + "mc0/csrow0/ue_count", "4\n");
  t.write(mc + "mc0/csrow1/ce_count", "5\n");  // no ue_count: left out
  t.write(mc + "mc0/power/control", "auto\n");
  EdacCollector c{t.paths()};
  test::RecordingSink sink;
  REQUIRE(c.collect(sink).ok());
  CHECK(sink.errors == 2);
  CHECK(sink.value(R"(node_edac_correctable_errors_total{controller="0"})") == 1);
  CHECK(sink.value(
            R"(node_edac_csrow_uncorrectable_errors_total{controller="0",csrow="unknown"})") == 1);
  CHECK(sink.value(R"(node_edac_csrow_correctable_errors_total{controller="0",csrow="0"})") == 3);
  CHECK(sink.count_family("node_edac_csrow_correctable_errors_total") == 2);
  CHECK(sink.count_family("node_edac_uncorrectable_errors_total") == 1);
  CHECK(edac_number("mc12", "mc") == "12");
  CHECK(edac_number("csrow3x", "csrow") == "3");
}

}  // namespace
}  // namespace sonde::collectors
