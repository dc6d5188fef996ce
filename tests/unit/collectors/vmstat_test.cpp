#include "collectors/vmstat.hpp"

#include "collector_test_util.hpp"

namespace sonde::collectors {
namespace {

using test::host;
using test::RecordingSink;

TEST_CASE("parse_vmstat reads name/value pairs", "[collectors][vmstat]") {
  struct Case {
    const char* name;
    const char* text;
    std::size_t fields;
    std::size_t errors;
  };
  const Case cases[] = {
      {"two fields", "nr_free_pages 977769\npgfault 2320168809\n", 2, 0},
      {"no newline at end", "pgfault 1", 1, 0},
      {"2^64-1", "pgfault 18446744073709551615\n", 1, 0},
      {"garbage value", "pgmajfault x\n", 0, 1},
      {"missing value", "pswpin\n", 0, 1},
      {"extra column", "pgpgin 1 2\n", 0, 1},
      {"invalid name", "bad-name 3\n", 0, 1},
      {"duplicate keeps the first", "pgfault 1\npgfault 2\n", 1, 1},
      {"empty line", "\n\n", 0, 0},
  };
  for (const Case& c : cases) {
    SECTION(c.name) {
      const Vmstat v = parse_vmstat(c.text);
      CHECK(v.fields.size() == c.fields);
      CHECK(v.errors == c.errors);
    }
  }
  const Vmstat v = parse_vmstat("pgfault 1\npgfault 2\n");
  CHECK(v.fields[0].value == 1.0);
}

TEST_CASE("vmstat collector matches node_exporter 1.5.0 with the default fields",
          "[collectors][vmstat]") {
  const auto is_vmstat = [](const std::string& f) { return test::starts_with(f, "node_vmstat_"); };
  SECTION("its fixture") {
    VmstatCollector c{core::HostPaths::under(test::ne_fixture()), collectors::kVmstatDefaultFields};
    RecordingSink sink;
    REQUIRE(c.collect(sink).ok());
    CHECK(sink.errors == 0);
    CHECK(sink.value("node_vmstat_pgfault") == 2320168809.0);
    CHECK(sink.samples.at("node_vmstat_pgfault").type == core::MetricType::untyped);
    CHECK(sink.samples.at("node_vmstat_pgfault").help == "/proc/vmstat information field pgfault.");
    const auto out = test::collect_text(c);
    REQUIRE(out.status.ok());
    test::require_same_families(out.text, test::ne_e2e_output(), is_vmstat);
  }
  SECTION("a captured host") {
    VmstatCollector c{core::HostPaths::under(host("debian12-capture")),
                      collectors::kVmstatDefaultFields};
    const auto out = test::collect_text(c);
    REQUIRE(out.status.ok());
    CHECK(out.parse_errors == 0);
    test::require_same_families(out.text, test::capture_output(), is_vmstat);
  }
}

TEST_CASE("vmstat collector selects fields by an unanchored regex", "[collectors][vmstat]") {
  VmstatCollector c{core::HostPaths::under(test::ne_fixture()), "free_pages"};
  RecordingSink sink;
  REQUIRE(c.collect(sink).ok());
  CHECK(sink.value("node_vmstat_nr_free_pages") == 977769.0);
  CHECK(sink.samples.size() == 1);
}

TEST_CASE("vmstat collector reports a bad regex at collect time", "[collectors][vmstat]") {
  VmstatCollector c{core::HostPaths::under(test::ne_fixture()), "(unclosed"};
  RecordingSink sink;
  const core::Status s = c.collect(sink);
  REQUIRE_FALSE(s.ok());
  CHECK_THAT(s.message(), Catch::Contains("(unclosed"));
}

TEST_CASE("vmstat collector skips and counts damaged lines", "[collectors][vmstat]") {
  VmstatCollector c{core::HostPaths::under(host("truncated")), ".*"};
  RecordingSink sink;
  REQUIRE(c.collect(sink).ok());
  // pgmajfault x, pswpin, second pgfault, bad-name, pgpgin 1 2.
  CHECK(sink.errors == 5);
  CHECK(sink.value("node_vmstat_pgfault") == 18446744073709551615.0);
  CHECK(sink.value("node_vmstat_oom_kill") == 7.0);
  CHECK(sink.value("node_vmstat_pgpgout") == 42.0);
  CHECK(sink.value("node_vmstat_nr_free_pages") == 100.0);
  CHECK(sink.samples.size() == 4);
}

TEST_CASE("vmstat collector's later cycles publish what a first cycle would",
          "[collectors][vmstat]") {
  test::ScratchRoot root;
  const auto write = [&](const std::string& text) {
    std::ofstream(root.root() / "proc" / "vmstat", std::ios::trunc) << text;
  };
  const char* fields = "^(pg|oom)";
  VmstatCollector c{root.paths(), fields};
  const auto fresh = [&] {
    VmstatCollector first{root.paths(), fields};
    return test::collect_text(first);
  };
  const auto same_as_fresh = [&] {
    const auto later = test::collect_text(c);
    const auto first = fresh();
    CHECK(later.status.ok() == first.status.ok());
    CHECK(later.parse_errors == first.parse_errors);
    CHECK(later.text == first.text);
    return later;
  };
  write("nr_free_pages 1\npgfault 2\npgfault 3\nbad-name 4\n\noom_kill 5\n");
  auto one = same_as_fresh();
  CHECK(one.parse_errors == 2);  // the second pgfault, bad-name
  CHECK(one.text.find("node_vmstat_pgfault 2\n") != std::string::npos);
  write("nr_free_pages 10\npgfault 20\npgfault 30\nbad-name 40\n\noom_kill 50\n");
  auto two = same_as_fresh();
  CHECK(two.text.find("node_vmstat_oom_kill 50\n") != std::string::npos);
  write("nr_free_pages 10\npgfault x\npgfault 30\nbad-name 40\noom_kill 50 60\n");
  auto broken = same_as_fresh();
  CHECK(broken.text.find("node_vmstat_pgfault 30\n") != std::string::npos);
  CHECK(broken.text.find("oom_kill") == std::string::npos);
  write("pgpgin 7\noom_kill -1\n");
  auto renamed = same_as_fresh();
  CHECK(renamed.parse_errors == 0);
  CHECK(renamed.text.find("node_vmstat_pgpgin 7\n") != std::string::npos);
  CHECK(renamed.text.find("node_vmstat_oom_kill -1\n") != std::string::npos);
}

TEST_CASE("vmstat collector fails without /proc/vmstat", "[collectors][vmstat]") {
  VmstatCollector c{core::HostPaths::under(host("empty")), collectors::kVmstatDefaultFields};
  RecordingSink sink;
  CHECK_FALSE(c.collect(sink).ok());
  CHECK(sink.samples.empty());
}

}  // namespace
}  // namespace sonde::collectors
