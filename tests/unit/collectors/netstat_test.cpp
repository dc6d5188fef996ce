#include "collectors/netstat.hpp"

#include "collector_test_util.hpp"
#include "collectors/text_fields.hpp"

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

TEST_CASE("is_decimal_integer takes what the kernel writes for a counter",
          "[collectors][netstat]") {
  for (const char* yes : {"0", "-1", "18446744073709551615", "00000000000000000001"}) {
    INFO(yes);
    CHECK(text::is_decimal_integer(yes));
    CHECK(text::parse_go_float(yes).has_value());
    CHECK(text::parse_double(yes).has_value());
  }
  for (const char* no : {"", "-", "+1", "1.5", "1e3", "NaN", " 1", "1 ", "123456789012345678901"}) {
    INFO(no);
    CHECK_FALSE(text::is_decimal_integer(no));
  }
}

TEST_CASE("shape_netstat and shape_snmp6 split what the parsers read", "[collectors][netstat]") {
  NetstatShape s;
  shape_netstat("Tcp: A B\nTcp: 1 -1\nUdp: C\nUdp: 3\n", s);
  CHECK(s.ok);
  CHECK(s.names == "Tcp: A B\nUdp: C\n");
  CHECK(s.values == std::vector<std::string_view>{"1", "-1", "3"});
  shape_netstat("Tcp: A B\nTcp: 1\n", s);
  CHECK_FALSE(s.ok);
  shape_netstat("Tcp: A\n", s);
  CHECK_FALSE(s.ok);
  shape_netstat("\nTcp: 1\n", s);
  CHECK_FALSE(s.ok);
  shape_snmp6("Ip6InReceives   \t 10\nlonely\n", s);
  CHECK(s.ok);
  CHECK(s.names == "Ip6InReceives\nlonely\n");
  CHECK(s.values == std::vector<std::string_view>{"10", ""});
}

// A cycle whose files have the names of the last one parses only the picked fields: what it
// publishes must be what a full parse publishes, whatever changed between the cycles.
TEST_CASE("netstat collector's later cycles publish what a first cycle would",
          "[collectors][netstat]") {
  test::ScratchRoot root;
  std::filesystem::create_directories(root.root() / "proc" / "net");
  const auto write = [&](const char* file, const std::string& text) {
    std::ofstream(root.root() / "proc" / "net" / file, std::ios::trunc) << text;
  };
  collectors::NetstatOptions options;
  options.fields = "^(Tcp_.*|TcpExt_Listen.*|Ip6_InOctets|Bad-_x)$";
  NetstatCollector c{root.paths(), options};
  const auto fresh = [&] {
    NetstatCollector first{root.paths(), options};
    return test::collect_text(first).text;
  };
  write("netstat", "TcpExt: ListenOverflows ListenDrops Other\nTcpExt: 1 2 3\n");
  write("snmp", "Tcp: InSegs MaxConn InSegs\nTcp: 10 -1 12\nBad-: x\nBad-: 1\n");
  write("snmp6", "Ip6InOctets 100\nIp6OutOctets 7\n");
  const auto one = test::collect_text(c);
  REQUIRE(one.status.ok());
  CHECK(one.parse_errors == 1);  // Bad-_x is not a metric name
  CHECK(one.text.find("node_netstat_Tcp_InSegs 12\n") != std::string::npos);
  CHECK(one.text == fresh());

  SECTION("new values, same names") {
    write("netstat", "TcpExt: ListenOverflows ListenDrops Other\nTcpExt: 5 6 7\n");
    write("snmp", "Tcp: InSegs MaxConn InSegs\nTcp: 20 -1 22\nBad-: x\nBad-: 2\n");
    write("snmp6", "Ip6InOctets 200\nIp6OutOctets 7\n");
    const auto two = test::collect_text(c);
    REQUIRE(two.status.ok());
    CHECK(two.parse_errors == 1);
    CHECK(two.text.find("node_netstat_Tcp_InSegs 22\n") != std::string::npos);
    CHECK(two.text.find("node_netstat_TcpExt_ListenDrops 6\n") != std::string::npos);
    CHECK(two.text.find("node_netstat_Ip6_InOctets 200\n") != std::string::npos);
    CHECK(two.text == fresh());
  }
  SECTION("new names") {
    write("netstat", "TcpExt: ListenDrops ListenOverflows\nTcpExt: 6 5\n");
    const auto two = test::collect_text(c);
    REQUIRE(two.status.ok());
    CHECK(two.text.find("node_netstat_TcpExt_ListenOverflows 5\n") != std::string::npos);
    CHECK(two.text == fresh());
  }
  SECTION("a file gone, then back") {
    std::filesystem::remove(root.root() / "proc" / "net" / "snmp6");
    const auto two = test::collect_text(c);
    REQUIRE(two.status.ok());
    CHECK(two.text.find("Ip6") == std::string::npos);
    CHECK(two.text == fresh());
    write("snmp6", "Ip6InOctets 300\nIp6OutOctets 7\n");
    const auto three = test::collect_text(c);
    CHECK(three.text.find("node_netstat_Ip6_InOctets 300\n") != std::string::npos);
  }
  SECTION("a value that is not an integer, picked or not") {
    write("snmp", "Tcp: InSegs MaxConn InSegs\nTcp: 1.5e1 -1 2e1\nBad-: x\nBad-: 1\n");
    const auto floats = test::collect_text(c);
    REQUIRE(floats.status.ok());
    CHECK(floats.text.find("node_netstat_Tcp_InSegs 20\n") != std::string::npos);
    write("netstat", "TcpExt: ListenOverflows ListenDrops Other\nTcpExt: 1 2 x\n");
    CHECK_FALSE(test::collect_text(c).status.ok());
  }
  SECTION("counts that stop matching") {
    write("snmp", "Tcp: InSegs MaxConn InSegs\nTcp: 20 -1\n");
    CHECK_FALSE(test::collect_text(c).status.ok());
  }
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
