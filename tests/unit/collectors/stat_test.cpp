#include "collectors/stat.hpp"

#include "collector_test_util.hpp"

namespace sonde::collectors {
namespace {

using test::host;
using test::RecordingSink;

constexpr const char* kComplete =
    "btime 1\nctxt 2\nprocesses 3\nintr 4 0 0\nprocs_running 5\nprocs_blocked 6\n";

TEST_CASE("parse_stat reads the single-value lines", "[collectors][stat]") {
  const ProcStat s = parse_stat(std::string("cpu0 1 2 3 4\npage 1 2\n") + kComplete);
  CHECK(s.errors == 0);
  CHECK(s.boot_time == 1u);
  CHECK(s.context_switches == 2u);
  CHECK(s.forks == 3u);
  CHECK(s.interrupts == 4u);
  CHECK(s.procs_running == 5u);
  CHECK(s.procs_blocked == 6u);
  CHECK_FALSE(s.softirq_seen);
}

TEST_CASE("parse_stat counts malformed, duplicate and missing lines", "[collectors][stat]") {
  struct Case {
    const char* name;
    const char* extra;  // appended to (or, with replace, standing for) a complete file
    bool replace;
    std::size_t errors;
  };
  const Case cases[] = {
      {"nothing wrong", "", false, 0},
      {"duplicate ctxt keeps the first", "ctxt 99\n", false, 1},
      {"all six missing", "", true, 6},
      {"garbage value", "btime x\nctxt 2\nprocesses 3\nintr 4\nprocs_running 5\nprocs_blocked 6\n",
       true, 1},
      {"empty intr", "btime 1\nctxt 2\nprocesses 3\nintr\nprocs_running 5\nprocs_blocked 6\n", true,
       1},
      {"softirq without numbers", "softirq\n", false, 1},
      {"softirq with garbage", "softirq 10 1 x 3\n", false, 1},
      {"softirq twice", "softirq 3 1 2\nsoftirq 3 1 2\n", false, 1},
  };
  for (const Case& c : cases) {
    SECTION(c.name) {
      const std::string text = c.replace ? c.extra : std::string(kComplete) + c.extra;
      CHECK(parse_stat(text).errors == c.errors);
    }
  }
}

TEST_CASE("parse_stat splits softirq into vectors", "[collectors][stat]") {
  SECTION("all ten, the total left out") {
    const ProcStat s = parse_stat("softirq 55 1 2 3 4 5 6 7 8 9 10\n");
    REQUIRE(s.has_softirq);
    CHECK(s.softirqs == std::vector<std::uint64_t>{1, 2, 3, 4, 5, 6, 7, 8, 9, 10});
  }
  SECTION("a vector newer than node_exporter's names is left out") {
    const ProcStat s = parse_stat("softirq 66 1 2 3 4 5 6 7 8 9 10 11\n");
    CHECK(s.softirqs.size() == 10);
  }
  SECTION("an older kernel with fewer vectors") {
    const ProcStat s = parse_stat("softirq 6 1 2 3\n");
    CHECK(s.softirqs == std::vector<std::uint64_t>{1, 2, 3});
  }
}

TEST_CASE("stat collector matches node_exporter 1.5.0", "[collectors][stat]") {
  const auto is_stat = [](const std::string& f) {
    return f == "node_boot_time_seconds" || f == "node_context_switches_total" ||
           f == "node_forks_total" || f == "node_intr_total" || f == "node_procs_running" ||
           f == "node_procs_blocked" || f == "node_softirqs_total";
  };
  SECTION("its fixture") {
    StatCollector c{core::HostPaths::under(test::ne_fixture()), /*softirq=*/true};
    RecordingSink sink;
    REQUIRE(c.collect(sink).ok());
    CHECK(sink.errors == 0);
    CHECK(sink.value("node_intr_total") == 8885917.0);
    CHECK(sink.value("node_boot_time_seconds") == 1418183276.0);
    CHECK(sink.value(R"(node_softirqs_total{vector="block_iopoll"})") == 0.0);
    CHECK(sink.value(R"(node_softirqs_total{vector="rcu"})") == 508444.0);
    const auto out = test::collect_text(c);
    REQUIRE(out.status.ok());
    test::require_same_families(out.text, test::ne_e2e_output(), is_stat);
  }
  SECTION("a captured host") {
    StatCollector c{core::HostPaths::under(host("debian12-capture")), true};
    const auto out = test::collect_text(c);
    REQUIRE(out.status.ok());
    CHECK(out.parse_errors == 0);
    test::require_same_families(out.text, test::capture_output(), is_stat);
  }
}

TEST_CASE("stat collector leaves softirqs out by default", "[collectors][stat]") {
  StatCollector c{core::HostPaths::under(test::ne_fixture()), /*softirq=*/false};
  RecordingSink sink;
  REQUIRE(c.collect(sink).ok());
  CHECK(sink.count_family("node_softirqs_total") == 0);
  CHECK(sink.samples.size() == 6);
}

TEST_CASE("stat collector skips and counts damaged lines", "[collectors][stat]") {
  StatCollector c{core::HostPaths::under(host("truncated")), true};
  RecordingSink sink;
  REQUIRE(c.collect(sink).ok());
  // intr without a number, processes abc, no procs_blocked.
  CHECK(sink.errors == 3);
  CHECK(sink.value("node_context_switches_total") == 18446744073709551615.0);
  CHECK(sink.value("node_boot_time_seconds") == 1700000000.0);
  CHECK(sink.value("node_procs_running") == 3.0);
  CHECK_FALSE(sink.has("node_intr_total"));
  CHECK_FALSE(sink.has("node_forks_total"));
  CHECK_FALSE(sink.has("node_procs_blocked"));
  CHECK(sink.value(R"(node_softirqs_total{vector="net_tx"})") == 3.0);
  CHECK(sink.count_family("node_softirqs_total") == 3);
}

TEST_CASE("stat collector counts a missing softirq line only when softirqs are wanted",
          "[collectors][stat]") {
  for (const bool softirq : {false, true}) {
    StatCollector c{core::HostPaths::under(host("self-process")), softirq};
    RecordingSink sink;
    REQUIRE(c.collect(sink).ok());
    CHECK(sink.errors == (softirq ? 1u : 0u));
  }
}

TEST_CASE("stat collector fails without /proc/stat", "[collectors][stat]") {
  StatCollector c{core::HostPaths::under(host("empty")), true};
  RecordingSink sink;
  CHECK_FALSE(c.collect(sink).ok());
  CHECK(sink.samples.empty());
}

}  // namespace
}  // namespace sonde::collectors
