#include "collectors/netclass.hpp"

#include "sysfs_test_util.hpp"

namespace sonde::collectors {
namespace {

bool netclass_family(const std::string& f) {
  if (!test::starts_with(f, "node_network_")) return false;
  // netdev's (from /proc/net/dev or netlink); transmit_queue_length is netclass's.
  const bool netdev = (test::starts_with(f, "node_network_receive_") ||
                       test::starts_with(f, "node_network_transmit_")) &&
                      f != "node_network_transmit_queue_length";
  return !netdev;
}

NetclassOptions e2e_options() {
  NetclassOptions o;
  o.device_exclude = "^(dmz|int)$";
  o.ignore_invalid_speed = true;
  return o;
}

TEST_CASE("netclass matches node_exporter 1.5.0 on its fixture", "[collectors][netclass]") {
  NetclassCollector c{core::HostPaths::under(test::ne_sys_root()), e2e_options()};
  const auto out = test::collect_text(c);
  REQUIRE(out.status.ok());
  CHECK(out.parse_errors == 0);
  test::require_same_families(out.text, test::ne_e2e_output(), netclass_family);
}

TEST_CASE("netclass options: excluded devices and invalid speeds", "[collectors][netclass]") {
  test::TempTree t;
  t.write("sys/class/net/eth0/speed", "-1\n");
  t.write("sys/class/net/eth0/operstate", "down\n");
  t.write("sys/class/net/dmz/mtu", "1500\n");
  t.write("sys/class/net/bonding_masters", "bond0\n");  // a regular file: not a device
  NetclassOptions o;
  {
    NetclassCollector c{t.paths(), o};
    test::RecordingSink sink;
    REQUIRE(c.collect(sink).ok());
    CHECK(sink.value(R"(node_network_speed_bytes{device="eth0"})") == -125000);
    CHECK(sink.value(R"(node_network_up{device="eth0"})") == 0);
    CHECK(sink.value(R"(node_network_mtu_bytes{device="dmz"})") == 1500);
    CHECK(sink.count_family("node_network_up") == 2);
  }
  o = e2e_options();
  NetclassCollector c{t.paths(), o};
  test::RecordingSink sink;
  REQUIRE(c.collect(sink).ok());
  CHECK(sink.count_family("node_network_speed_bytes") == 0);
  CHECK(sink.count_family("node_network_mtu_bytes") == 0);
  CHECK(sink.count_family("node_network_up") == 1);
}

TEST_CASE("parse_netclass_iface reads numbers as strconv.ParseInt(s, 0, 64)",
          "[collectors][netclass]") {
  const AttrText attrs[] = {{"flags", "0x1003"},    {"mtu", "9000"},  {"ifindex", "010"},
                            {"carrier", "up"},      {"speed", "-1"},  {"address", "aa:bb"},
                            {"unknown", "garbage"}, {"dev_id", "0x"}, {"type", "+1"}};
  const NetClassIface i = parse_netclass_iface("eth0", attrs);
  CHECK(i.flags == 0x1003);
  CHECK(i.mtu == 9000);
  CHECK(i.ifindex == 8);  // a leading 0 is octal
  CHECK_FALSE(i.carrier.has_value());
  CHECK_FALSE(i.dev_id.has_value());
  CHECK(i.speed == -1);
  CHECK(i.type == 1);
  CHECK(i.address == "aa:bb");
  CHECK(i.errors == 2);  // carrier and dev_id
}

TEST_CASE("netclass on broken trees", "[collectors][netclass]") {
  SECTION("no /sys/class/net: nothing, and success") {
    test::TempTree t;
    NetclassCollector c{t.paths(), NetclassOptions{}};
    test::check_quiet_without_source(c);
  }
  SECTION("a dangling device link, a garbage number, a directory attribute") {
    test::TempTree t;
    t.link("sys/class/net/gone", "../../devices/virtual/net/gone");
    t.write("sys/class/net/eth0/mtu", "lots\n");
    t.write("sys/class/net/eth0/carrier", "1\n");
    t.mkdir("sys/class/net/eth0/statistics");
    NetclassCollector c{t.paths(), NetclassOptions{}};
    test::RecordingSink sink;
    REQUIRE(c.collect(sink).ok());
    CHECK(sink.errors == 1);  // the mtu
    CHECK(sink.count_family("node_network_up") == 1);
    CHECK(sink.value(R"(node_network_carrier{device="eth0"})") == 1);
    CHECK(sink.count_family("node_network_mtu_bytes") == 0);
  }
  SECTION("attributes that give no series are not read") {
    // procfs reads every regular file of a device's directory. /proc/self as a "device" has
    // regular files whose read fails with an error that counts (mem: EIO at offset 0) and none
    // that netclass uses: nothing of it may be read, so nothing is counted.
    test::TempTree t;
    t.link("sys/class/net/eth0", "/proc/self");
    NetclassCollector c{t.paths(), NetclassOptions{}};
    test::RecordingSink sink;
    REQUIRE(c.collect(sink).ok());
    CHECK(sink.errors == 0);
    CHECK(sink.count_family("node_network_mtu_bytes") == 0);
  }
  SECTION("an attribute only root may read is skipped quietly") {
    test::TempTree t;
    t.write("sys/class/net/eth0/mtu", "1500\n");
    t.write("sys/class/net/eth0/carrier", "1\n", 0000);
    const int r = test::run_unprivileged([&] {
      NetclassCollector c{t.paths(), NetclassOptions{}};
      test::RecordingSink sink;
      if (!c.collect(sink).ok()) return 1;
      if (sink.errors != 0) return 2;
      if (sink.count_family("node_network_carrier") != 0) return 3;
      return sink.value(R"(node_network_mtu_bytes{device="eth0"})") == 1500 ? 0 : 4;
    });
    CHECK(r == 0);
  }
}

}  // namespace
}  // namespace sonde::collectors
