#include "collectors/softnet.hpp"

#include "collector_test_util.hpp"

namespace sonde::collectors {
namespace {

using test::host;
using test::RecordingSink;

TEST_CASE("parse_softnet reads the first three hexadecimal columns", "[collectors][softnet]") {
  const auto s = parse_softnet(
      "00049279 00000000 00000001 00000000 00000000 00000000 00000000 00000000 00000000\n"
      "000dfb82 00000029 0000000a 00000000 00000000 00000000 00000000 00000000 00000000 "
      "00000000 00000001\n");
  REQUIRE(s.ok());
  REQUIRE(s->size() == 2);
  CHECK((*s)[0].processed == 0x49279);
  CHECK((*s)[1].dropped == 0x29);
  CHECK((*s)[1].time_squeezed == 10);
  CHECK(parse_softnet("").ok());
  for (const char* bad : {"1 2 3 4 5 6 7 8\n", "x 0 0 0 0 0 0 0 0\n", "100000000 0 0 0 0 0 0 0 0\n",
                          "0 0 0 0 0 0 0 0 0\n\n"}) {
    INFO(bad);
    CHECK_FALSE(parse_softnet(bad).ok());
  }
}

TEST_CASE("softnet collector matches node_exporter 1.5.0", "[collectors][softnet]") {
  SoftnetCollector c{core::HostPaths::under(test::ne_fixture())};
  const auto out = test::collect_text(c);
  REQUIRE(out.status.ok());
  test::require_same_families(out.text, test::ne_e2e_output(), [](const std::string& f) {
    return test::starts_with(f, "node_softnet_");
  });
  SoftnetCollector live{core::HostPaths::under(host("debian12-net"))};
  RecordingSink sink;
  REQUIRE(live.collect(sink).ok());
  CHECK(sink.value("node_softnet_processed_total{cpu=\"1\"}") == 0x1530);
}

}  // namespace
}  // namespace sonde::collectors
