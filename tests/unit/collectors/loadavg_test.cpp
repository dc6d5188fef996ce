#include "collectors/loadavg.hpp"

#include "collector_test_util.hpp"

namespace sonde::collectors {
namespace {

using test::host;
using test::RecordingSink;

TEST_CASE("parse_loadavg needs three numbers", "[collectors][loadavg]") {
  struct Case {
    const char* name;
    const char* text;
    bool ok;
    double one, five, fifteen;
  };
  const Case cases[] = {
      {"kernel line", "0.21 0.37 0.39 1/719 19737\n", true, 0.21, 0.37, 0.39},
      {"three numbers only", "1 2 3", true, 1, 2, 3},
      {"tabs and spaces", " 1.5\t2.5  3.5\n", true, 1.5, 2.5, 3.5},
      {"two numbers", "0.50 1.20\n", false, 0, 0, 0},
      {"garbage in the middle", "0.5 x 0.3 1/2 3\n", false, 0, 0, 0},
      {"nan is not a load", "nan 1 2\n", false, 0, 0, 0},
      {"empty", "", false, 0, 0, 0},
  };
  for (const Case& c : cases) {
    SECTION(c.name) {
      const auto r = parse_loadavg(c.text);
      REQUIRE(r.ok() == c.ok);
      if (c.ok) {
        CHECK(r->one == c.one);
        CHECK(r->five == c.five);
        CHECK(r->fifteen == c.fifteen);
      } else {
        CHECK_THAT(r.message(), Catch::Contains("loadavg"));
      }
    }
  }
}

TEST_CASE("loadavg collector matches node_exporter 1.5.0", "[collectors][loadavg]") {
  const auto is_load = [](const std::string& f) { return test::starts_with(f, "node_load"); };
  SECTION("its fixture") {
    LoadavgCollector c{core::HostPaths::under(test::ne_fixture())};
    RecordingSink sink;
    REQUIRE(c.collect(sink).ok());
    CHECK(sink.value("node_load5") == 0.37);
    const auto out = test::collect_text(c);
    REQUIRE(out.status.ok());
    test::require_same_families(out.text, test::ne_e2e_output(), is_load);
  }
  SECTION("a captured host") {
    LoadavgCollector c{core::HostPaths::under(host("debian12-capture"))};
    const auto out = test::collect_text(c);
    REQUIRE(out.status.ok());
    test::require_same_families(out.text, test::capture_output(), is_load);
  }
}

TEST_CASE("loadavg collector fails on a short or missing file", "[collectors][loadavg]") {
  for (const char* tree : {"truncated", "empty"}) {
    SECTION(tree) {
      LoadavgCollector c{core::HostPaths::under(host(tree))};
      RecordingSink sink;
      CHECK_FALSE(c.collect(sink).ok());
      CHECK(sink.samples.empty());
    }
  }
}

}  // namespace
}  // namespace sonde::collectors
