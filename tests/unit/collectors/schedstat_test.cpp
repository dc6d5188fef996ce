#include "collectors/schedstat.hpp"

#include "collector_test_util.hpp"

namespace sonde::collectors {
namespace {

using test::host;
using test::RecordingSink;

TEST_CASE("parse_schedstat keeps the lines procfs's cpu regex matches", "[collectors][schedstat]") {
  const auto s = parse_schedstat(
      "version 15\ntimestamp 15819019232\n"
      "cpu0 498494191 0 3533438552 2553969831 3853684107 2465731542 2045936778163039 "
      "343796328169361 4767485306\n"
      "domain0 00000000,00000003 212499247 210112015 1861015\n"
      "cpu1 1 2 3 4 5 6 7 8\n"                       // too few numbers
      "cpu2 1 2 3 4 5 6 7 8 99999999999999999999\n"  // overflows: skipped
      "xcpu3 1 2 3 4 5 6 7 8 9 trailing\n"           // unanchored, as Go
      "cpu4  1 2 3 4 5 6 7 8 9\n"                    // two spaces: no match
      "cpu 5 cpu5 1 2 3 4 5 6 7 8 9\n");             // a later match on the line
  REQUIRE(s.ok());
  REQUIRE(s->size() == 3);
  CHECK((*s)[0].cpu == "0");
  CHECK((*s)[0].running_ns == 2045936778163039u);
  CHECK((*s)[0].waiting_ns == 343796328169361u);
  CHECK((*s)[0].timeslices == 4767485306u);
  CHECK((*s)[1].cpu == "3");
  CHECK((*s)[1].timeslices == 9);
  CHECK((*s)[2].cpu == "5");
}

TEST_CASE("schedstat collector matches node_exporter 1.5.0", "[collectors][schedstat]") {
  SchedstatCollector c{core::HostPaths::under(test::ne_fixture())};
  const auto out = test::collect_text(c);
  REQUIRE(out.status.ok());
  test::require_same_families(out.text, test::ne_e2e_output(), [](const std::string& f) {
    return test::starts_with(f, "node_schedstat_");
  });
  // This host's kernel has no CONFIG_SCHEDSTATS: no file, nothing published, success.
  SchedstatCollector none{core::HostPaths::under(host("debian12-net"))};
  RecordingSink sink;
  CHECK(none.collect(sink).ok());
  CHECK(sink.samples.empty());
}

}  // namespace
}  // namespace sonde::collectors
