#include "collectors/netstat.hpp"

#include "collector_test_util.hpp"

namespace sonde::collectors {
namespace {

using test::host;
using test::RecordingSink;

const auto is_netstat = [](const std::string& f) { return test::starts_with(f, "node_netstat_"); };

TEST_CASE("parse_netstat reads header/value line pairs", "[collectors][netstat]") {
  struct Case {
    const char* name;
    const char* text;
    bool ok;
    std::size_t protocols;
  };
  const Case cases[] = {
      {"two protocols", "Tcp: A B\nTcp: 1 -1\nUdp: C\nUdp: 3\n", true, 2},
      {"no final newline", "Tcp: A\nTcp: 1", true, 1},
      {"empty", "", true, 0},
      {"count mismatch", "Tcp: A B\nTcp: 1\n", false, 0},
      {"header without values", "Tcp: A\n", false, 0},
      {"not a number", "Tcp: A\nTcp: x\n", false, 0},
      {"empty line", "\nTcp: 1\n", false, 0},
      {"double spaces make an empty field", "Tcp:  A\nTcp: 1 2\n", true, 1},
  };
  for (const Case& c : cases) {
    INFO(c.name);
    const auto p = parse_netstat(c.text);
    REQUIRE(p.ok() == c.ok);
    if (c.ok) CHECK(p->size() == c.protocols);
  }
  const auto p = parse_netstat("Tcp: A B\nTcp: 1 -1\nTcp: C\nTcp: 7\n");
  REQUIRE(p.ok());
  REQUIRE(p->size() == 1);  // the second Tcp block replaces the first, as Go's map does
  REQUIRE((*p)[0].values.size() == 1);
  CHECK((*p)[0].values[0].name == "C");
  CHECK((*p)[0].values[0].value == 7);

  // A repeated name keeps its first position and its last value (a Go map's assignment).
  const auto repeated = parse_netstat("Tcp: A B A C B A\nTcp: 1 2 3 4 5 6\n");
  REQUIRE(repeated.ok());
  REQUIRE(repeated->size() == 1);
  const auto& values = (*repeated)[0].values;
  REQUIRE(values.size() == 3);
  CHECK(values[0].name == "A");
  CHECK(values[0].value == 6);
  CHECK(values[1].name == "B");
  CHECK(values[1].value == 5);
  CHECK(values[2].name == "C");
  CHECK(values[2].value == 4);
}

TEST_CASE("parse_snmp6 splits names at their first 6", "[collectors][netstat]") {
  const auto p = parse_snmp6(
      "Ip6InReceives   \t 10\nIcmp6InMsgs 2\nUdpLite6InErrors 3\nnosix 4\nlonely\n"
      "Ip6InReceives 11\n");
  REQUIRE(p.ok());
  REQUIRE(p->size() == 3);
  CHECK((*p)[0].protocol == "Ip6");
  REQUIRE((*p)[0].values.size() == 1);
  CHECK((*p)[0].values[0].value == 11);  // a repeated name keeps its last value
  CHECK((*p)[2].protocol == "UdpLite6");
  CHECK((*p)[2].values[0].name == "InErrors");
  CHECK_FALSE(parse_snmp6("Ip6InReceives x\n").ok());
}

TEST_CASE("netstat collector matches node_exporter 1.5.0", "[collectors][netstat]") {
  collectors::NetstatOptions options;
  SECTION("its fixture, default fields") {
    NetstatCollector c{core::HostPaths::under(test::ne_fixture()), options};
    const auto out = test::collect_text(c);
    REQUIRE(out.status.ok());
    CHECK(out.parse_errors == 0);
    test::require_same_families(out.text, test::ne_e2e_output(), is_netstat);
  }
  SECTION("a field pattern of its own") {
    options.fields = "^Tcp_(InSegs|MaxConn)$";
    NetstatCollector c{core::HostPaths::under(host("debian12-net")), options};
    RecordingSink sink;
    REQUIRE(c.collect(sink).ok());
    CHECK(sink.samples.size() == 2);
    CHECK(sink.value("node_netstat_Tcp_MaxConn") == -1);
    CHECK(sink.samples.at("node_netstat_Tcp_InSegs").help == "Statistic TcpInSegs.");
    CHECK(sink.samples.at("node_netstat_Tcp_InSegs").type == core::MetricType::untyped);
  }
  SECTION("every field of a live kernel's files") {
    options.fields = ".*";
    NetstatCollector c{core::HostPaths::under(host("debian12-net")), options};
    RecordingSink sink;
    REQUIRE(c.collect(sink).ok());
    CHECK(sink.errors == 0);
    CHECK(sink.has("node_netstat_TcpExt_TCPTimeouts"));
    CHECK(sink.has("node_netstat_Ip6_InOctets"));
    CHECK(sink.has("node_netstat_Udp6_InDatagrams"));
  }
  SECTION("absent files publish nothing and succeed") {
    NetstatCollector c{core::HostPaths::under(host("empty")), options};
    RecordingSink sink;
    CHECK(c.collect(sink).ok());
    CHECK(sink.samples.empty());
  }
  SECTION("a pattern RE2 rejects fails every collect") {
    options.fields = "(?<=x)";
    NetstatCollector c{core::HostPaths::under(test::ne_fixture()), options};
    RecordingSink sink;
    CHECK_FALSE(c.collect(sink).ok());
  }
}

}  // namespace
}  // namespace sonde::collectors
