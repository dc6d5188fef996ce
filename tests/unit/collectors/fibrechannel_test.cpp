#include "collectors/fibrechannel.hpp"

#include "sysfs_tree.hpp"

namespace sonde::collectors {
namespace {

void write_host(const test::SysTree& t) {
  const std::string h = "class/fc_host/host0/";
  t.file(h + "speed", "16 Gbit\n");
  t.file(h + "port_state", "Online\n");
  t.file(h + "port_type", "Point-To-Point (direct nport connection)\n");
  t.file(h + "node_name", "0x2000e0071bce95f2\n");
  t.file(h + "port_id", "0x000002\n");
  t.file(h + "port_name", "0x1000e0071bce95f2\n");
  t.file(h + "fabric_name", "0x0\n");
  t.file(h + "dev_loss_tmo", "30\n");
  t.file(h + "symbolic_name", "Emulex SN1100E2P\n");
  t.file(h + "supported_classes", "Class 3\n");
  t.file(h + "supported_speeds", "4 Gbit, 8 Gbit, 16 Gbit\n");
  t.file(h + "statistics/dumped_frames", "0xffffffffffffffff\n");  // not available
  t.file(h + "statistics/error_frames", "0x0\n");
  t.file(h + "statistics/rx_frames", "0x3\n");
  t.file(h + "statistics/reset_statistics", "");
  t.file(h + "statistics/lip_count", "not read\n");
}

TEST_CASE("fibrechannel collector publishes node_exporter's families",
          "[collectors][fibrechannel]") {
  test::SysTree t;
  write_host(t);
  FibrechannelCollector c{t.paths()};
  const auto out = test::collect_text(c);
  REQUIRE(out.status.ok());
  const auto parsed = test::parse_exposition(out.text);
  CHECK(
      test::sample(parsed,
                   "node_fibrechannel_info{dev_loss_tmo=\"30\",fabric_name=\"0\",fc_host=\"host0\","
                   "port_id=\"000002\",port_name=\"1000e0071bce95f2\",port_state=\"Online\","
                   "port_type=\"Point-To-Point (direct nport connection)\",speed=\"16 Gbit\","
                   "supported_classes=\"Class 3\",supported_speeds=\"4 Gbit, 8 Gbit, 16 Gbit\","
                   "symbolic_name=\"Emulex SN1100E2P\"}") == 1);
  CHECK(test::sample(parsed, "node_fibrechannel_rx_frames_total{fc_host=\"host0\"}") == 3);
  // Absent files read as 0 and are published; UINT64_MAX ("not available") is left out.
  CHECK(test::sample(parsed, "node_fibrechannel_nos_total{fc_host=\"host0\"}") == 0);
  CHECK(!test::has_sample(parsed, "node_fibrechannel_dumped_frames_total{fc_host=\"host0\"}"));
  CHECK(parsed.samples.size() == 1 + 13);
}

TEST_CASE("fibrechannel collector on broken trees", "[collectors][fibrechannel]") {
  test::SysTree t;
  const auto run = [&] {
    FibrechannelCollector c{t.paths()};
    return test::collect_text(c);
  };
  SECTION("no /sys/class/fc_host, or a host without statistics: nothing, success") {
    CHECK(run().text.empty());
    write_host(t);
    t.remove("class/fc_host/host0/statistics");
    const auto out = run();
    CHECK(out.status.ok());
    CHECK(out.text.empty());
  }
  write_host(t);
  SECTION("a missing attribute fails the attempt, as in node_exporter") {
    t.remove("class/fc_host/host0/speed");
    CHECK_FALSE(run().status.ok());
  }
  SECTION("a counter that is no number fails (node_exporter 1.5 crashes)") {
    t.file("class/fc_host/host0/statistics/tx_words", "lots\n");
    CHECK_FALSE(run().status.ok());
  }
  SECTION("a dangling counter link is no regular file: skipped") {
    t.link("class/fc_host/host0/statistics/tx_words", "/nonexistent");
    CHECK(run().status.ok());
  }
  SECTION("an unreadable counter fails the attempt") {
    t.file("class/fc_host/host0/statistics/rx_frames", "1\n", 0);
    CHECK(test::as_unprivileged([&] { return run().status.ok() ? 0 : 1; }) == 1);
  }
}

}  // namespace
}  // namespace sonde::collectors
