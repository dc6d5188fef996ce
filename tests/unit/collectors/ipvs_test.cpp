#include "collectors/ipvs.hpp"

#include <fstream>

#include "collector_test_util.hpp"

namespace sonde::collectors {
namespace {

TEST_CASE("ipvs collector matches node_exporter 1.5.0 on its fixture", "[collectors][ipvs]") {
  // node_exporter's own expected outputs for --collector.ipvs.backend-labels unset (all six),
  // empty, local_port and local_address,local_port (collector/fixtures/ip_vs_result*.txt).
  const struct {
    const char* labels;
    const char* expected;
  } cases[] = {
      {kIpvsDefaultBackendLabels, "ip_vs_result.txt"},
      {"", "ip_vs_result_lbs_none.txt"},
      {"local_port", "ip_vs_result_lbs_local_port.txt"},
      // The option's order does not matter: the labels keep node_exporter's order.
      {"local_port,,local_address", "ip_vs_result_lbs_local_address_local_port.txt"},
  };
  for (const auto& t : cases) {
    INFO(t.labels);
    IpvsOptions options;
    options.backend_labels = t.labels;
    IpvsCollector c{core::HostPaths::under(test::ne_fixture()), options};
    const auto out = test::collect_text(c);
    REQUIRE(out.status.ok());
    CHECK(out.parse_errors == 0);
    test::require_same_families(
        out.text, test::read_whole(test::ne_fixture() / t.expected),
        [](const std::string& f) { return test::starts_with(f, "node_ipvs_"); });
  }
  IpvsCollector c{core::HostPaths::under(test::ne_fixture()), IpvsOptions{}};
  const auto out = test::collect_text(c);
  test::require_same_families(out.text, test::ne_e2e_output(), [](const std::string& f) {
    return test::starts_with(f, "node_ipvs_");
  });
}

TEST_CASE("parse_ipvs_backends follows procfs 0.8.0", "[collectors][ipvs]") {
  SECTION("IPv6 services and backends, SCTP services skipped, short backend lines skipped") {
    const auto r = parse_ipvs_backends(
        "IP Virtual Server version 1.2.1 (size=4096)\n"
        "Prot LocalAddress:Port Scheduler Flags\n"
        "  -> RemoteAddress:Port Forward Weight ActiveConn InActConn\n"
        "UDP  [2001:0db8:0000:0000:0000:0000:0000:0001]:0035 rr\n"
        "  -> [0000:0000:0000:0000:0000:ffff:c0a8:0001]:0035      Masq    1      2          3\n"
        "  -> [fe80:0000:0000:0001:0000:0000:0000:0000]:0035      Masq    1      2\n"
        "SCTP C0A80001:0050 rr\n"
        "  -> [0000:0000:0000:0000:0000:0000:0000:0001]:0050      Route   4      5          6\n");
    REQUIRE(r.ok());
    REQUIRE(r->size() == 2);
    CHECK((*r)[0].proto == "UDP");
    CHECK((*r)[0].local_address == "2001:db8::1");
    CHECK((*r)[0].local_port == 53);
    CHECK((*r)[0].remote_address == "192.168.0.1");  // IPv4-mapped, dotted as Go prints it
    CHECK((*r)[0].weight == 1);
    CHECK((*r)[0].active_conn == 2);
    CHECK((*r)[0].inact_conn == 3);
    // The SCTP service is skipped: its backend counts under the UDP service before it.
    CHECK((*r)[1].proto == "UDP");
    CHECK((*r)[1].remote_address == "::1");
    CHECK((*r)[1].remote_port == 80);
  }
  SECTION("bad addresses and numbers fail, saying why") {
    const struct {
      const char* text;
      const char* error;
    } cases[] = {
        {"TCP  C0A8001:0CEA wlc\n", "ip_vs: unexpected IP:Port: \"C0A8001:0CEA\""},
        {"TCP  C0A8001X:0CEA wlc\n", "ip_vs: bad IPv4 address in \"C0A8001X:0CEA\""},
        {"TCP  C0A80016:0CEX wlc\n", "ip_vs: bad port in \"C0A80016:0CEX\""},
        {"TCP  [2001:0db8:0000:0000:0000:0000:0000:000g]:0035 rr\n",
         "ip_vs: invalid IPv6 address: \"2001:0db8:0000:0000:0000:0000:0000:000g\""},
        {"  -> C0A85216:0CEA Tunnel 100 x 2\n",
         "ip_vs: \"x\" is not a uint64 in \"  -> C0A85216:0CEA Tunnel 100 x 2\""},
        {"TCP\n", "ip_vs: a line of one field: \"TCP\""},
    };
    for (const auto& b : cases) {
      INFO(b.text);
      const auto r = parse_ipvs_backends(b.text);
      REQUIRE_FALSE(r.ok());
      CHECK(r.message() == b.error);
    }
  }
}

TEST_CASE("go_ipv6_string parses and prints as Go's net.IP", "[collectors][ipvs]") {
  CHECK(go_ipv6_string("0000:0000:0000:0000:0000:0000:0000:0000") == "::");
  CHECK(go_ipv6_string("2001:0db8:0000:0001:0000:0000:0000:0001") == "2001:db8:0:1::1");
  CHECK(go_ipv6_string("2001:0db8:0000:0000:0001:0000:0000:0001") == "2001:db8::1:0:0:1");
  CHECK(go_ipv6_string("2001:0db8:0001:0000:0001:0001:0001:0001") == "2001:db8:1:0:1:1:1:1");
  CHECK(go_ipv6_string("0000:0000:0000:0000:0000:0000:0102:0304") == "::102:304");
  CHECK(go_ipv6_string("::ffff:10.0.0.1") == "10.0.0.1");
  CHECK(go_ipv6_string("FE80::00001") == "fe80::1");  // Go takes any number of digits to 0xFFFF
  CHECK_FALSE(go_ipv6_string("1:2:3:4:5:6:7:8:9"));
  CHECK_FALSE(go_ipv6_string("1::2::3"));
  CHECK_FALSE(go_ipv6_string("1:2:3:4:5:6:7::8"));  // "::" standing for no group
  CHECK_FALSE(go_ipv6_string("::1.2.3.04"));        // leading zero in the IPv4 part
  CHECK_FALSE(go_ipv6_string("10000::"));
}

TEST_CASE("parse_ipvs_stats follows procfs 0.8.0", "[collectors][ipvs]") {
  const auto ok = parse_ipvs_stats("h\nh\n 1 A ff 10 0\n");
  REQUIRE(ok.ok());
  CHECK(ok->incoming_packets == 10);
  CHECK(ok->outgoing_packets == 255);
  CHECK(parse_ipvs_stats("h\nh\n 1 A ff 10 0").message() == "ip_vs_stats corrupt: too short");
  CHECK(parse_ipvs_stats("h\nh\n 1 A ff 10\n").message() ==
        "ip_vs_stats corrupt: unexpected number of fields");
  CHECK(parse_ipvs_stats("h\nh\n 1 A ff 10 0 x\n").message() ==
        "ip_vs_stats corrupt: unexpected number of fields");
  CHECK(parse_ipvs_stats("h\nh\n 1 A fg 10 0\n").message() ==
        "ip_vs_stats: \"fg\" is not a hexadecimal uint64");
}

TEST_CASE("ipvs: sources absent or half there", "[collectors][ipvs]") {
  SECTION("no ip_vs_stats (ip_vs not loaded): nothing, success") {
    IpvsCollector c{core::HostPaths::under(test::fixture_root() / "hosts/empty"), IpvsOptions{}};
    test::RecordingSink sink;
    CHECK(c.collect(sink).ok());
    CHECK(sink.samples.empty());
  }
  SECTION("ip_vs_stats without ip_vs fails, as in node_exporter") {
    const test::ScratchRoot root;
    std::filesystem::create_directories(root.root() / "proc/net");
    std::filesystem::copy_file(test::ne_fixture() / "proc/net/ip_vs_stats",
                               root.root() / "proc/net/ip_vs_stats");
    IpvsCollector c{root.paths(), IpvsOptions{}};
    test::RecordingSink sink;
    const auto st = c.collect(sink);
    REQUIRE_FALSE(st.ok());
    CHECK(st.message().rfind("could not get backend status: ", 0) == 0);
  }
}

}  // namespace
}  // namespace sonde::collectors
