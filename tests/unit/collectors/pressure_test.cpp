#include "collectors/pressure.hpp"

#include "collector_test_util.hpp"

namespace sonde::collectors {
namespace {

using test::host;
using test::RecordingSink;

const auto is_pressure = [](const std::string& f) {
  return test::starts_with(f, "node_pressure_");
};

TEST_CASE("parse_pressure reads the totals", "[collectors][pressure]") {
  std::size_t errors = 99;
  auto p = parse_pressure(
      "some avg10=0.18 avg60=0.34 avg300=0.10 total=159886802\n"
      "full avg10=0.18 avg60=0.34 avg300=0.10 total=159229614\n",
      &errors);
  REQUIRE(p.ok());
  CHECK(errors == 0);
  CHECK(*p->some == 159886802u);
  CHECK(*p->full == 159229614u);

  p = parse_pressure("some avg10=0.00 avg60=0.00 avg300=0.00 total=14036781\n", &errors);
  REQUIRE(p.ok());
  CHECK_FALSE(p->full.has_value());
}

TEST_CASE("parse_pressure rejects text without a some line", "[collectors][pressure]") {
  std::size_t errors = 0;
  for (const char* text : {"", "full avg10=0 total=1\n", "some avg10=0.00 total=x\n",
                           "some avg10=0.00 avg60=0.00 avg300=0.00\n"}) {
    INFO(text);
    const auto p = parse_pressure(text, &errors);
    CHECK_FALSE(p.ok());
  }
  auto p = parse_pressure("some total=1\nweird total=2\nsome total=3\n", &errors);
  REQUIRE(p.ok());
  CHECK(*p->some == 1);
  CHECK(errors == 2);
}

TEST_CASE("pressure collector matches node_exporter 1.5.0", "[collectors][pressure]") {
  SECTION("its fixture") {
    PressureCollector c{core::HostPaths::under(test::ne_fixture())};
    RecordingSink sink;
    REQUIRE(c.collect(sink).ok());
    CHECK(sink.value("node_pressure_cpu_waiting_seconds_total") == 14.036781000000001);
    const auto out = test::collect_text(c);
    REQUIRE(out.status.ok());
    test::require_same_families(out.text, test::ne_e2e_output(), is_pressure);
  }
  SECTION("a captured host whose cpu file has a full line") {
    PressureCollector c{core::HostPaths::under(host("debian12-io"))};
    const auto out = test::collect_text(c);
    REQUIRE(out.status.ok());
    test::require_same_families(
        out.text, test::read_whole(host("debian12-io") / "node-exporter-1.5.0-output.txt"),
        is_pressure);
  }
}

TEST_CASE("pressure collector publishes nothing where /proc/pressure is absent",
          "[collectors][pressure]") {
  PressureCollector c{core::HostPaths::under(host("empty"))};
  for (int i = 0; i < 2; ++i) {
    RecordingSink sink;
    CHECK(c.collect(sink).ok());
    CHECK(sink.samples.empty());
  }
}

TEST_CASE("pressure collector fails on a garbled file", "[collectors][pressure]") {
  test::ScratchRoot root;
  std::filesystem::create_directories(root.root() / "proc" / "pressure");
  for (const char* f : {"cpu", "io", "memory"}) {
    std::filesystem::copy_file(test::ne_fixture() / "proc" / "pressure" / f,
                               root.root() / "proc" / "pressure" / f);
  }
  {
    std::ofstream io(root.root() / "proc" / "pressure" / "io", std::ios::trunc);
    io << "some avg10=0.18 avg60=0.34 avg300=0.10 total=159886802\n";  // no full line
  }
  PressureCollector c{root.paths()};
  RecordingSink sink;
  const auto st = c.collect(sink);
  REQUIRE_FALSE(st.ok());
  CHECK_THAT(st.message(), Catch::Contains("full"));
}

}  // namespace
}  // namespace sonde::collectors
