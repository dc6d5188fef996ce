#include "collectors/netdev.hpp"

#include <unistd.h>

#include "collector_test_util.hpp"

namespace sonde::collectors {
namespace {

using test::host;
using test::RecordingSink;

constexpr const char* kHeader =
    "Inter-|   Receive                                                |  Transmit\n"
    " face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs "
    "drop fifo colls carrier compressed\n";

TEST_CASE("parse_netdev reads every column", "[collectors][netdev]") {
  const std::string text = std::string(kHeader) +
                           "    lo: 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16\n"
                           "eth0:100 0 0 0 0 0 0 0 200 0 0 0 0 0 0 18446744073709551615\n";
  const Netdev n = parse_netdev(text);
  CHECK(n.errors == 0);
  REQUIRE(n.devices.size() == 2);
  CHECK(n.devices[0].name == "lo");
  CHECK(n.devices[0].fields[0] == 1);
  CHECK(n.devices[0].fields[15] == 16);
  CHECK(n.devices[1].name == "eth0");  // no blank after the colon: counters can be that wide
  CHECK(n.devices[1].fields[0] == 100);
  CHECK(n.devices[1].fields[15] == 18446744073709551615u);
}

TEST_CASE("parse_netdev skips and counts malformed lines", "[collectors][netdev]") {
  const char* bad[] = {
      "eth1 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16\n",      // no colon
      ": 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16\n",         // no name
      "eth1: 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15\n",        // 15 columns
      "eth1: 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17\n",  // 17 columns
      "eth1: 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 -1\n",     // negative
      "lo: 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16\n",       // repeats lo
  };
  for (const char* line : bad) {
    INFO(line);
    const std::string text =
        std::string(kHeader) + "lo: 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16\n" + line;
    const Netdev n = parse_netdev(text);
    CHECK(n.errors == 1);
    REQUIRE(n.devices.size() == 1);
    CHECK(n.devices[0].name == "lo");
  }
}

TEST_CASE("netdev collector matches node_exporter 1.5.0 on a captured host",
          "[collectors][netdev]") {
  NetdevCollector c{core::HostPaths::under(host("debian12-io")), collectors::NetdevOptions{}};
  const auto out = test::collect_text(c);
  REQUIRE(out.status.ok());
  CHECK(out.parse_errors == 0);
  test::require_same_families(
      out.text, test::read_whole(host("debian12-io") / "node-exporter-1.5.0-output.txt"),
      [](const std::string& f) { return test::starts_with(f, "node_network_"); });
}

TEST_CASE("netdev device filters", "[collectors][netdev]") {
  collectors::NetdevOptions opts;
  SECTION("exclude") {
    opts.device_exclude = "^(lo|ifb\\d+)$";
    NetdevCollector c{core::HostPaths::under(host("debian12-io")), opts};
    RecordingSink sink;
    REQUIRE(c.collect(sink).ok());
    CHECK(sink.count_family("node_network_receive_bytes_total") == 1);
    CHECK(sink.has(R"(node_network_receive_bytes_total{device="eth0"})"));
  }
  SECTION("include") {
    opts.device_include = "^ifb";
    NetdevCollector c{core::HostPaths::under(host("debian12-io")), opts};
    RecordingSink sink;
    REQUIRE(c.collect(sink).ok());
    CHECK(sink.count_family("node_network_transmit_packets_total") == 2);
    CHECK_FALSE(sink.has(R"(node_network_receive_bytes_total{device="eth0"})"));
  }
}

TEST_CASE("netdev receive_nohandler comes from sysfs", "[collectors][netdev]") {
  const auto root =
      std::filesystem::temp_directory_path() / ("sonde-netdev-test-" + std::to_string(::getpid()));
  const auto stats = [&](const char* dev) {
    const auto dir = root / "sys" / "class" / "net" / dev / "statistics";
    std::filesystem::create_directories(dir);
    return dir / "rx_nohandler";
  };
  std::filesystem::create_directories(root / "proc" / "net");
  std::ofstream(root / "proc" / "net" / "dev")
      << kHeader << "    lo: 1 2 0 0 0 0 0 0 1 2 0 0 0 0 0 0\n"
      << "  eth0: 3 4 0 0 0 0 0 0 3 4 0 0 0 0 0 0\n"
      << "  ifb0: 5 6 0 0 0 0 0 0 5 6 0 0 0 0 0 0\n"
      << "    ..: 5 6 0 0 0 0 0 0 5 6 0 0 0 0 0 0\n";
  std::ofstream(stats("eth0")) << "17\n";
  std::ofstream(stats("lo")) << "lots\n";
  std::ofstream(root / "sys" / "class" / "net" / "rx_nohandler") << "99\n";  // not a device's
  NetdevCollector c{core::HostPaths::under(root), collectors::NetdevOptions{}};
  RecordingSink sink;
  REQUIRE(c.collect(sink).ok());
  std::filesystem::remove_all(root);
  CHECK(sink.value(R"(node_network_receive_nohandler_total{device="eth0"})") == 17);
  CHECK(sink.samples.at(R"(node_network_receive_nohandler_total{device="eth0"})").type ==
        core::MetricType::counter);
  CHECK(sink.count_family("node_network_receive_nohandler_total") == 1);  // ifb0: no file
  CHECK(sink.errors == 1);                                                // lo: not a number
  CHECK(sink.has(R"(node_network_receive_bytes_total{device=".."})"));    // /proc/net/dev's
}

TEST_CASE("netdev collector fails on a missing file", "[collectors][netdev]") {
  NetdevCollector c{core::HostPaths::under(host("empty")), collectors::NetdevOptions{}};
  RecordingSink sink;
  CHECK_FALSE(c.collect(sink).ok());
  CHECK(sink.samples.empty());
}

}  // namespace
}  // namespace sonde::collectors
