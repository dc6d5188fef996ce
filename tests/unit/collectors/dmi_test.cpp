#include "collectors/dmi.hpp"

#include "sysfs_test_util.hpp"

namespace sonde::collectors {
namespace {

TEST_CASE("dmi matches node_exporter 1.5.0 on its fixture", "[collectors][dmi]") {
  DmiCollector c{core::HostPaths::under(test::ne_sys_root())};
  const auto out = test::collect_text(c);
  REQUIRE(out.status.ok());
  CHECK(out.parse_errors == 0);
  test::require_same_families(out.text, test::ne_e2e_output(),
                              [](const std::string& f) { return f == "node_dmi_info"; });
}

TEST_CASE("dmi leaves out root-only serials quietly and is quiet without DMI",
          "[collectors][dmi]") {
  test::TempTree t;
  {
    DmiCollector c{t.paths()};
    test::check_quiet_without_source(c);
  }
  t.write("sys/class/dmi/id/sys_vendor", "QEMU\n");
  t.write("sys/class/dmi/id/product_serial", "S3CR3T\n", 0000);
  t.write("sys/class/dmi/id/product_uuid", "0000\n", 0000);
  t.write("sys/class/dmi/id/modalias", "dmi:bvnSeaBIOS\n");
  t.write("sys/class/dmi/id/chassis_type", "1\n");  // read by procfs, not a label
  t.link("sys/class/dmi/id/subsystem", "../../../../class/dmi");
  const int r = test::run_unprivileged([&] {
    DmiCollector c{t.paths()};
    test::RecordingSink sink;
    if (!c.collect(sink).ok() || sink.errors != 0) return 1;
    if (sink.samples.size() != 1) return 2;
    return sink.has(R"(node_dmi_info{system_vendor="QEMU"})") ? 0 : 3;
  });
  CHECK(r == 0);
}

TEST_CASE("dmi_labels: label names, order and invalid UTF-8", "[collectors][dmi]") {
  const auto labels = dmi_labels({{"sys_vendor", "Dell"},
                                  {"bios_date", "01/01/2020"},
                                  {"product_version", "\xff[\xfe"},
                                  {"uevent", "x"}});
  REQUIRE(labels.size() == 3);
  CHECK(labels[0] == std::pair<std::string, std::string>{"bios_date", "01/01/2020"});
  CHECK(labels[1].second == "\xEF\xBF\xBD[\xEF\xBF\xBD");
  CHECK(labels[2].first == "system_vendor");
}

}  // namespace
}  // namespace sonde::collectors
