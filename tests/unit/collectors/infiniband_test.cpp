#include "collectors/infiniband.hpp"

#include "sysfs_tree.hpp"

namespace sonde::collectors {
namespace {

void write_hca(const test::SysTree& t) {
  const std::string d = "class/infiniband/mlx4_0/";
  t.file(d + "board_id", "SM_1141000001000\n");
  t.file(d + "fw_ver", "2.31.5050\n");
  t.file(d + "hca_type", "MT4099\n");
  const std::string p = d + "ports/1/";
  t.file(p + "state", "4: ACTIVE\n");
  t.file(p + "phys_state", "5: LinkUp\n");
  t.file(p + "rate", "40 Gb/sec (4X QDR)\n");
  t.file(p + "counters/port_rcv_data", "2221223609\n");
  t.file(p + "counters/link_downed", "0x10\n");  // base 0, as procfs's ValueParser
  t.file(p + "counters/VL15_dropped", "N/A (no PMA)\n");
  t.file(p + "counters/unknown_counter", "not read\n");
  t.file(p + "counters_ext/port_xmit_data_64", "10\n");
}

TEST_CASE("infiniband state and rate parsers", "[collectors][infiniband]") {
  CHECK(parse_infiniband_state("4: ACTIVE\n") == 4u);
  CHECK(parse_infiniband_state(" 5 : LinkUp") == 5u);
  CHECK_FALSE(parse_infiniband_state("ACTIVE"));
  CHECK_FALSE(parse_infiniband_state("4: A: B"));
  CHECK_FALSE(parse_infiniband_state("x: ACTIVE"));
  CHECK_FALSE(parse_infiniband_state("4294967296: ACTIVE"));
  CHECK(parse_infiniband_rate("40 Gb/sec (4X QDR)\n") == 5000000000u);
  CHECK(parse_infiniband_rate("10 Gb/sec (1X QDR)") == 1250000000u);
  CHECK(parse_infiniband_rate("2.5 Gb/sec (1X SDR)") == 312500000u);
  // ParseFloat(s, 32): 14.0625 is exact in float32; 0.1 is not (0.100000001490116...).
  CHECK(parse_infiniband_rate("0.1 Gb/sec") == 12500000u);
  CHECK_FALSE(parse_infiniband_rate("40"));  // no space
  CHECK_FALSE(parse_infiniband_rate("fast Gb/sec"));
  CHECK_FALSE(parse_infiniband_rate("1e60 Gb/sec"));  // out of float32's range
}

TEST_CASE("infiniband collector publishes node_exporter's families", "[collectors][infiniband]") {
  test::SysTree t;
  write_hca(t);
  InfinibandCollector c{t.paths()};
  const auto out = test::collect_text(c);
  REQUIRE(out.status.ok());
  const auto parsed = test::parse_exposition(out.text);
  const std::string port = "{device=\"mlx4_0\",port=\"1\"}";
  CHECK(test::sample(parsed,
                     "node_infiniband_info{board_id=\"SM_1141000001000\",device=\"mlx4_0\","
                     "firmware_version=\"2.31.5050\",hca_type=\"MT4099\"}") == 1);
  CHECK(test::sample(parsed, "node_infiniband_state_id" + port) == 4);
  CHECK(test::sample(parsed, "node_infiniband_physical_state_id" + port) == 5);
  CHECK(test::sample(parsed, "node_infiniband_rate_bytes_per_second" + port) == 5e9);
  CHECK(test::sample(parsed, "node_infiniband_port_data_received_bytes_total" + port) ==
        4.0 * 2221223609);
  CHECK(test::sample(parsed, "node_infiniband_link_downed_total" + port) == 16);
  CHECK(test::sample(parsed, "node_infiniband_legacy_data_transmitted_bytes_total" + port) == 40);
  CHECK(!test::has_sample(parsed, "node_infiniband_vl15_dropped_total" + port));  // no PMA
  CHECK(!test::has_sample(parsed, "node_infiniband_symbol_error_total" + port));  // no file
  CHECK(parsed.types.at("node_infiniband_link_downed_total") == "counter");
}

TEST_CASE("infiniband collector on broken trees", "[collectors][infiniband]") {
  test::SysTree t;
  const auto run = [&] {
    InfinibandCollector c{t.paths()};
    return test::collect_text(c);
  };
  SECTION("no /sys/class/infiniband: nothing, success") {
    const auto out = run();
    CHECK(out.status.ok());
    CHECK(out.text.empty());
  }
  write_hca(t);
  const std::string p = "class/infiniband/mlx4_0/ports/1/";
  SECTION("no hca_type: empty; no counters_ext: no legacy counters") {
    t.remove("class/infiniband/mlx4_0/hca_type");
    t.remove(p + "counters_ext");
    const auto out = run();
    REQUIRE(out.status.ok());
    CHECK_THAT(out.text, Catch::Contains("hca_type=\"\""));
    CHECK_THAT(out.text, !Catch::Contains("legacy"));
  }
  SECTION("a missing state, rate or counters directory: nothing (node_exporter's ErrNoData)") {
    t.remove(p + "rate");
    const auto out = run();
    CHECK(out.status.ok());
    CHECK(out.text.empty());
  }
  SECTION("a counter that is no number fails; a dangling counter link is skipped") {
    t.link(p + "counters/symbol_error", "/nonexistent");
    CHECK(run().status.ok());
    t.file(p + "counters/port_rcv_errors", "many\n");
    CHECK_FALSE(run().status.ok());
  }
  SECTION("a port that is no number, or a bad state, fails the attempt") {
    t.file(p + "state", "ACTIVE\n");
    CHECK_FALSE(run().status.ok());
    t.file(p + "state", "4: ACTIVE\n");
    t.dir("class/infiniband/mlx4_0/ports/first");
    CHECK_FALSE(run().status.ok());
  }
  SECTION("an unreadable counter is skipped; an unreadable board_id fails") {
    t.file(p + "counters/port_rcv_data", "1\n", 0);
    CHECK(test::as_unprivileged([&] {
            const auto out = run();
            return out.status.ok() && out.text.find("port_data_received") == std::string::npos;
          }) == 1);
    t.file("class/infiniband/mlx4_0/board_id", "x\n", 0);
    CHECK(test::as_unprivileged([&] { return run().status.ok() ? 0 : 1; }) == 1);
  }
}

}  // namespace
}  // namespace sonde::collectors
