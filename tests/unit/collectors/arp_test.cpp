#include "collectors/arp.hpp"

#include "collector_test_util.hpp"

namespace sonde::collectors {
namespace {

using test::host;
using test::RecordingSink;

constexpr const char* kHeader =
    "IP address       HW type     Flags       HW address            Mask     Device\n";

TEST_CASE("parse_arp counts entries per device", "[collectors][arp]") {
  const std::string text =
      std::string(kHeader) +
      "192.168.1.1    0x1         0x2         cc:aa:dd:ee:aa:bb     *        eth0\n"
      "192.168.1.4    0x1         0x2         dd:ee:ff:aa:bb:cc     *        eth1\n"
      "192.168.1.2    0x1         0x0         00:00:00:00:00:00     *        eth0\n";
  const auto a = parse_arp(text);
  REQUIRE(a.ok());
  REQUIRE(a->size() == 2);
  CHECK((*a)[0].device == "eth0");
  CHECK((*a)[0].entries == 2);
  CHECK((*a)[1].entries == 1);
  CHECK(parse_arp(kHeader)->empty());
  CHECK(parse_arp("")->empty());
  CHECK_FALSE(parse_arp(std::string(kHeader) + "192.168.1.1 0x1 0x2 *\n").ok());
  CHECK_FALSE(parse_arp(std::string(kHeader) + "\n").ok());
}

TEST_CASE("arp collector matches node_exporter 1.5.0 with its e2e filter", "[collectors][arp]") {
  collectors::ArpOptions options;
  options.device_exclude = "nope";
  ArpCollector c{core::HostPaths::under(test::ne_fixture()), options};
  const auto out = test::collect_text(c);
  REQUIRE(out.status.ok());
  test::require_same_families(out.text, test::ne_e2e_output(),
                              [](const std::string& f) { return f == "node_arp_entries"; });
  SECTION("no filter: every device") {
    ArpCollector all{core::HostPaths::under(test::ne_fixture()), collectors::ArpOptions{}};
    RecordingSink sink;
    REQUIRE(all.collect(sink).ok());
    CHECK(sink.value("node_arp_entries{device=\"nope\"}") == 1);
  }
  SECTION("include") {
    options.device_exclude.clear();
    options.device_include = "1$";
    ArpCollector inc{core::HostPaths::under(test::ne_fixture()), options};
    RecordingSink sink;
    REQUIRE(inc.collect(sink).ok());
    CHECK(sink.samples.size() == 1);
    CHECK(sink.value("node_arp_entries{device=\"eth1\"}") == 3);
  }
}

}  // namespace
}  // namespace sonde::collectors
