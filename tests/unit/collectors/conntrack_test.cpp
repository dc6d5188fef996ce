#include "collectors/conntrack.hpp"

#include "collector_test_util.hpp"

namespace sonde::collectors {
namespace {

using test::host;
using test::RecordingSink;

constexpr const char* kHeader =
    "entries  searched found new invalid ignore delete delete_list insert insert_failed drop "
    "early_drop icmp_error  expect_new expect_create expect_delete search_restart\n";

TEST_CASE("parse_conntrack_stat sums the CPUs' hexadecimal columns", "[collectors][conntrack]") {
  const std::string text =
      std::string(kHeader) +
      "00000021  00000000 00000001 00000000 00000003 0000588a 00000000 00000000 0000000a "
      "00000001 00000002 00000003 00000000  00000000 00000000 00000000 00000004\n"
      "00000021  00000000 00000001 00000000 00000003 00000010 00000000 00000000 0000000a "
      "00000001 00000002 00000003 00000000  00000000 00000000 00000000 0000000F\n";
  const auto s = parse_conntrack_stat(text);
  REQUIRE(s.ok());
  CHECK(s->found == 2);
  CHECK(s->invalid == 6);
  CHECK(s->ignore == 0x588a + 0x10);
  CHECK(s->insert == 20);
  CHECK(s->insert_failed == 2);
  CHECK(s->drop == 4);
  CHECK(s->early_drop == 6);
  CHECK(s->search_restart == 19);

  CHECK(parse_conntrack_stat(kHeader).ok());
  CHECK(parse_conntrack_stat("").ok());
  CHECK_FALSE(parse_conntrack_stat(std::string(kHeader) + "00000001 00000002\n").ok());
  CHECK_FALSE(parse_conntrack_stat(std::string(kHeader) + "\n").ok());
  std::string bad = text;
  bad[bad.size() - 2] = 'g';
  CHECK_FALSE(parse_conntrack_stat(bad).ok());
  CHECK_FALSE(parse_conntrack_stat(text + "0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0\n").ok());
}

TEST_CASE("conntrack collector matches node_exporter 1.5.0", "[collectors][conntrack]") {
  ConntrackCollector c{core::HostPaths::under(test::ne_fixture())};
  const auto out = test::collect_text(c);
  REQUIRE(out.status.ok());
  test::require_same_families(out.text, test::ne_e2e_output(), [](const std::string& f) {
    return test::starts_with(f, "node_nf_conntrack_");
  });
  SECTION("a live kernel (18 columns in 6.x's header, 17 values)") {
    ConntrackCollector live{core::HostPaths::under(host("debian12-net"))};
    RecordingSink sink;
    REQUIRE(live.collect(sink).ok());
    CHECK(sink.samples.size() == 10);
  }
  SECTION("without nf_conntrack: nothing, and success") {
    ConntrackCollector none{core::HostPaths::under(host("empty"))};
    RecordingSink sink;
    CHECK(none.collect(sink).ok());
    CHECK(sink.samples.empty());
  }
}

}  // namespace
}  // namespace sonde::collectors
