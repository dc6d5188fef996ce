#include "collectors/udp_queues.hpp"

#include "collector_test_util.hpp"

namespace sonde::collectors {
namespace {

using test::host;
using test::RecordingSink;

constexpr const char* kHeader =
    "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout "
    "inode ref pointer drops\n";

TEST_CASE("parse_udp_summary sums the queues of every socket", "[collectors][udp_queues]") {
  const std::string v4 = std::string(kHeader) +
                         "   0: 00000000:0016 00000000:0000 0A 00000015:00000000 00:00000000 "
                         "00000000     0        0 2740 1 ffff88003d3af3c0 100 0 0 10 0\n"
                         "   1: 0100007F:0035 00000000:0000 07 00000001:00000100 00:00000000 "
                         "00000000   101        0 2741 2 ffff88003d3af3c0 0\n";
  auto s = parse_udp_summary(v4);
  REQUIRE(s.ok());
  CHECK(s->tx_queue == 0x16);
  CHECK(s->rx_queue == 0x100);
  CHECK(s->sockets == 2);
  const std::string v6 = std::string(kHeader) +
                         "  5: 00000000000000000000000000000000:0222 "
                         "00000000000000000000000000000000:0000 07 00000000:00000002 00:00000000 "
                         "00000000  0 0 123 2 0000000000000000 0\n";
  s = parse_udp_summary(v6);
  REQUIRE(s.ok());
  CHECK(s->rx_queue == 2);
  CHECK(parse_udp_summary(kHeader).ok());
  CHECK(parse_udp_summary("").ok());

  struct Case {
    const char* name;
    const char* line;
  };
  const Case bad[] = {
      {"nine columns", "0: 00000000:0016 00000000:0000 0A 0:0 00:0 0 0 0\n"},
      {"sl without colon", "0 00000000:0016 00000000:0000 0A 0:0 00:0 0 0 0 1\n"},
      {"short address", "0: 000000:0016 00000000:0000 0A 0:0 00:0 0 0 0 1\n"},
      {"bad port", "0: 00000000:zz 00000000:0000 0A 0:0 00:0 0 0 0 1\n"},
      {"queues without colon", "0: 00000000:0016 00000000:0000 0A 15 00:0 0 0 0 1\n"},
      {"bad uid", "0: 00000000:0016 00000000:0000 0A 0:0 00:0 0 x 0 1\n"},
      {"bad inode", "0: 00000000:0016 00000000:0000 0A 0:0 00:0 0 0 0 -1\n"},
      {"empty line", "\n"},
  };
  for (const Case& c : bad) {
    INFO(c.name);
    CHECK_FALSE(parse_udp_summary(std::string(kHeader) + c.line).ok());
  }
}

TEST_CASE("udp_queues collector matches node_exporter 1.5.0", "[collectors][udp_queues]") {
  UdpQueuesCollector c{core::HostPaths::under(test::ne_fixture())};
  const auto out = test::collect_text(c);
  REQUIRE(out.status.ok());
  test::require_same_families(out.text, test::ne_e2e_output(),
                              [](const std::string& f) { return f == "node_udp_queues"; });
  UdpQueuesCollector live{core::HostPaths::under(host("debian12-net"))};
  RecordingSink sink;
  REQUIRE(live.collect(sink).ok());
  CHECK(sink.samples.size() == 4);  // v4 and v6, no sockets
  UdpQueuesCollector none{core::HostPaths::under(host("empty"))};
  RecordingSink empty;
  CHECK(none.collect(empty).ok());
  CHECK(empty.samples.empty());
}

}  // namespace
}  // namespace sonde::collectors
