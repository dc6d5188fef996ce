#include "collectors/bonding.hpp"

#include "sysfs_tree.hpp"

namespace sonde::collectors {
namespace {

/// node_exporter 1.5.0's fixture: bond0 (2 slaves, 1 up), dmz (2 up), int (2, one via the
/// older slave_ prefix).
void write_bonds(const test::SysTree& t) {
  t.file("class/net/bonding_masters", "bond0 dmz int\n");
  t.file("class/net/bond0/bonding/slaves", "eth0 eth4\n");
  t.file("class/net/bond0/lower_eth0/bonding_slave/mii_status", "up\n");
  t.file("class/net/bond0/lower_eth4/bonding_slave/mii_status", "down\n");
  t.file("class/net/dmz/bonding/slaves", "eth0 eth4\n");
  t.file("class/net/dmz/lower_eth0/bonding_slave/mii_status", "up\n");
  t.file("class/net/dmz/lower_eth4/bonding_slave/mii_status", "up\n");
  t.file("class/net/int/bonding/slaves", "eth5 eth1\n");
  t.file("class/net/int/slave_eth5/bonding_slave/mii_status", "up\n");
  t.file("class/net/int/lower_eth1/bonding_slave/mii_status", "down\n");
}

TEST_CASE("bonding collector counts slaves and active slaves per master", "[collectors][bonding]") {
  test::SysTree t;
  write_bonds(t);
  BondingCollector c{t.paths()};
  const auto out = test::collect_text(c);
  REQUIRE(out.status.ok());
  CHECK_THAT(out.text, Catch::Contains("node_bonding_slaves{master=\"bond0\"} 2"));
  CHECK_THAT(out.text, Catch::Contains("node_bonding_active{master=\"bond0\"} 1"));
  CHECK_THAT(out.text, Catch::Contains("node_bonding_active{master=\"dmz\"} 2"));
  CHECK_THAT(out.text, Catch::Contains("node_bonding_active{master=\"int\"} 1"));
  CHECK_THAT(out.text, Catch::Contains("# TYPE node_bonding_slaves gauge"));
}

TEST_CASE("bonding collector on broken trees", "[collectors][bonding]") {
  test::SysTree t;
  const auto run = [&] {
    BondingCollector c{t.paths()};
    return test::collect_text(c);
  };
  SECTION("no bonding driver: nothing, success") {
    const auto out = run();
    CHECK(out.status.ok());
    CHECK(out.text.empty());
  }
  write_bonds(t);
  SECTION("a master listed twice is counted once") {
    t.file("class/net/bonding_masters", "bond0 bond0\n");
    const auto out = run();
    REQUIRE(out.status.ok());
    CHECK(test::parse_exposition(out.text).samples.size() == 2);
  }
  SECTION("a missing slaves file or mii_status: nothing (node_exporter's ErrNoData)") {
    t.remove("class/net/dmz/bonding/slaves");
    const auto out = run();
    CHECK(out.status.ok());
    CHECK(out.text.empty());
  }
  SECTION("a dangling link to a slave is a missing file") {
    t.remove("class/net/bond0/lower_eth4");
    t.link("class/net/bond0/lower_eth4", "../../devices/virtual/net/eth4-gone");
    const auto out = run();
    CHECK(out.status.ok());
    CHECK(out.text.empty());
  }
  SECTION("a state other than up is not active") {
    t.file("class/net/bond0/lower_eth0/bonding_slave/mii_status", "going back up\n");
    const auto out = run();
    REQUIRE(out.status.ok());
    CHECK_THAT(out.text, Catch::Contains("node_bonding_active{master=\"bond0\"} 0"));
  }
  SECTION("permission denied fails the attempt") {
    t.file("class/net/bonding_masters", "bond0\n", 0);
    CHECK(test::as_unprivileged([&] { return run().status.ok() ? 0 : 1; }) == 1);
  }
}

}  // namespace
}  // namespace sonde::collectors
