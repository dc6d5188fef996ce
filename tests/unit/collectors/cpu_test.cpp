#include "collectors/cpu.hpp"

#include "collector_test_util.hpp"

namespace sonde::collectors {
namespace {

using test::host;
using test::RecordingSink;

TEST_CASE("parse_cpu reads cpuN lines and counts the bad ones", "[collectors][cpu]") {
  struct Case {
    const char* name;
    const char* text;
    std::size_t cpus;
    std::size_t fields_of_first;
    std::size_t errors;
  };
  const Case cases[] = {
      {"modern kernel", "cpu0 1 2 3 4 5 6 7 8 9 10\n", 1, 10, 0},
      {"aggregate line ignored", "cpu  1 2 3 4 5 6 7 8 9 10\ncpu0 1 2 3 4\n", 1, 4, 0},
      {"2.6.11: no guest columns", "cpu3 1 2 3 4 5 6 7 8\n", 1, 8, 0},
      {"2.4: four columns", "cpu0 1 2 3 4\n", 1, 4, 0},
      {"extra future columns ignored", "cpu0 1 2 3 4 5 6 7 8 9 10 11 12\n", 1, 10, 0},
      {"no newline at end", "cpu0 1 2 3 4", 1, 4, 0},
      {"cut short", "cpu0 1 2 3\n", 0, 0, 1},
      {"garbage column", "cpu0 1 2 x 4\n", 0, 0, 1},
      {"negative", "cpu0 1 -2 3 4\n", 0, 0, 1},
      {"overflow past 2^64-1", "cpu0 18446744073709551616 0 0 0\n", 0, 0, 1},
      {"bad cpu number", "cpuX 1 2 3 4\n", 0, 0, 1},
      {"duplicate cpu keeps the first", "cpu0 1 2 3 4\ncpu0 5 6 7 8\n", 1, 4, 1},
      {"other lines ignored", "intr 1 2\nctxt 3\nbtime 4\n", 0, 0, 0},
      {"empty", "", 0, 0, 0},
  };
  for (const Case& c : cases) {
    SECTION(c.name) {
      const CpuStat s = parse_cpu(c.text);
      CHECK(s.cpus.size() == c.cpus);
      CHECK(s.errors == c.errors);
      if (!s.cpus.empty()) CHECK(s.cpus[0].fields == c.fields_of_first);
    }
  }
}

TEST_CASE("parse_cpu keeps counters up to 2^64-1", "[collectors][cpu]") {
  const CpuStat s = parse_cpu("cpu7 18446744073709551615 0 0 5\n");
  REQUIRE(s.cpus.size() == 1);
  CHECK(s.cpus[0].cpu == 7);
  CHECK(s.cpus[0].at(CpuField::user) == 18446744073709551615ULL);
  CHECK(s.cpus[0].at(CpuField::idle) == 5);
  CHECK_FALSE(s.cpus[0].has(CpuField::iowait));
}

TEST_CASE("cpu collector matches node_exporter 1.5.0 on its fixture", "[collectors][cpu]") {
  CpuCollector c{core::HostPaths::under(test::ne_fixture()), /*guest=*/true};
  RecordingSink sink;
  REQUIRE(c.collect(sink).ok());
  CHECK(sink.errors == 0);
  CHECK(sink.value(R"(node_cpu_seconds_total{cpu="0",mode="idle"})") == 10870.69);
  CHECK(sink.value(R"(node_cpu_guest_seconds_total{cpu="7",mode="nice"})") == 0.08);
  CHECK(sink.count_family("node_cpu_seconds_total") == 64);
  CHECK(sink.samples.at(R"(node_cpu_seconds_total{cpu="0",mode="idle"})").type ==
        core::MetricType::counter);

  CpuCollector again{core::HostPaths::under(test::ne_fixture()), true};
  const auto out = test::collect_text(again);
  REQUIRE(out.status.ok());
  test::require_same_families(out.text, test::ne_e2e_output(), [](const std::string& f) {
    return f == "node_cpu_seconds_total" || f == "node_cpu_guest_seconds_total";
  });
}

TEST_CASE("cpu collector leaves out guest seconds when told to", "[collectors][cpu]") {
  CpuCollector c{core::HostPaths::under(test::ne_fixture()), /*guest=*/false};
  RecordingSink sink;
  REQUIRE(c.collect(sink).ok());
  CHECK(sink.count_family("node_cpu_guest_seconds_total") == 0);
  CHECK(sink.count_family("node_cpu_seconds_total") == 64);
}

TEST_CASE("cpu collector matches node_exporter 1.5.0 on a captured host", "[collectors][cpu]") {
  CpuCollector c{core::HostPaths::under(host("debian12-capture")), true};
  const auto out = test::collect_text(c);
  REQUIRE(out.status.ok());
  CHECK(out.parse_errors == 0);
  test::require_same_families(out.text, test::capture_output(), [](const std::string& f) {
    return f == "node_cpu_seconds_total" || f == "node_cpu_guest_seconds_total";
  });
}

TEST_CASE("cpu collector skips and counts damaged lines", "[collectors][cpu]") {
  CpuCollector c{core::HostPaths::under(host("truncated")), true};
  RecordingSink sink;
  REQUIRE(c.collect(sink).ok());
  // cpu2 (garbage), cpu3 (cut short), cpu5 (overflow), second cpu0, cpuX.
  CHECK(sink.errors == 5);
  CHECK(sink.value(R"(node_cpu_seconds_total{cpu="0",mode="user"})") == 1.0);
  CHECK(sink.value(R"(node_cpu_guest_seconds_total{cpu="0",mode="nice"})") == 10.0);
  CHECK(sink.value(R"(node_cpu_seconds_total{cpu="1",mode="user"})") ==
        18446744073709551615.0 / 100);
  for (const char* absent : {"2", "3", "5"}) {
    CHECK_FALSE(
        sink.has(std::string(R"(node_cpu_seconds_total{cpu=")") + absent + R"(",mode="user"})"));
  }
  // cpu6 has 7 columns, like a 2.6.0 kernel: up to softirq, no steal, no guest.
  CHECK(sink.value(R"(node_cpu_seconds_total{cpu="6",mode="softirq"})") == 0.07);
  CHECK_FALSE(sink.has(R"(node_cpu_seconds_total{cpu="6",mode="steal"})"));
  CHECK_FALSE(sink.has(R"(node_cpu_guest_seconds_total{cpu="6",mode="user"})"));
}

TEST_CASE("cpu collector fails without /proc/stat", "[collectors][cpu]") {
  CpuCollector c{core::HostPaths::under(host("empty")), true};
  RecordingSink sink;
  const core::Status s = c.collect(sink);
  REQUIRE_FALSE(s.ok());
  CHECK_THAT(s.message(), Catch::Contains("proc/stat"));
  CHECK(sink.samples.empty());
}

TEST_CASE("cpu collector: an offline CPU has no series", "[collectors][cpu]") {
  SECTION("a gap in /proc/stat") {
    CpuCollector c{core::HostPaths::under(host("cpu-offline")), true};
    RecordingSink sink;
    REQUIRE(c.collect(sink).ok());
    CHECK(sink.errors == 0);
    CHECK(sink.has(R"(node_cpu_seconds_total{cpu="0",mode="idle"})"));
    CHECK_FALSE(sink.has(R"(node_cpu_seconds_total{cpu="1",mode="idle"})"));
    CHECK(sink.value(R"(node_cpu_seconds_total{cpu="2",mode="system"})") == 5.4);
    CHECK(sink.count_family("node_cpu_seconds_total") == 3 * 8);
  }
  SECTION("a CPU going offline between two collects") {
    test::ScratchRoot root;
    CpuCollector c{root.paths(), true};
    root.load(host("cpu-offline/before"), "stat");
    RecordingSink first;
    REQUIRE(c.collect(first).ok());
    CHECK(first.count_family("node_cpu_seconds_total") == 4 * 8);
    CHECK(first.has(R"(node_cpu_guest_seconds_total{cpu="1",mode="user"})"));

    root.load(host("cpu-offline"), "stat");
    RecordingSink second;
    REQUIRE(c.collect(second).ok());
    CHECK(second.count_family("node_cpu_seconds_total") == 3 * 8);
    CHECK_FALSE(second.has(R"(node_cpu_seconds_total{cpu="1",mode="idle"})"));
    CHECK_FALSE(second.has(R"(node_cpu_guest_seconds_total{cpu="1",mode="user"})"));
    CHECK(second.value(R"(node_cpu_seconds_total{cpu="0",mode="idle"})") == 1002.0);

    // Back online with lower counters (a hotplugged CPU restarts from zero): taken as read,
    // since nothing about cpu1 was kept while it was away.
    root.load(host("cpu-backwards/1"), "stat");
    RecordingSink third;
    REQUIRE(c.collect(third).ok());
    CHECK(third.value(R"(node_cpu_seconds_total{cpu="1",mode="idle"})") == 800.0);
  }
}

TEST_CASE("cpu collector holds counters that jump backwards, as node_exporter 1.5",
          "[collectors][cpu]") {
  test::ScratchRoot root;
  CpuCollector c{root.paths(), true};
  const auto v = [](const RecordingSink& s, const char* cpu, const char* mode) {
    return s.value(std::string(R"(node_cpu_seconds_total{cpu=")") + cpu + R"(",mode=")" + mode +
                   R"("})");
  };

  root.load(host("cpu-backwards/1"), "stat");
  RecordingSink s1;
  REQUIRE(c.collect(s1).ok());
  CHECK(v(s1, "0", "user") == 10.0);
  CHECK(v(s1, "0", "idle") == 500.0);

  root.load(host("cpu-backwards/2"), "stat");
  RecordingSink s2;
  REQUIRE(c.collect(s2).ok());
  // cpu0: user and idle went back (idle by 1 s): both keep their previous values.
  CHECK(v(s2, "0", "user") == 10.0);
  CHECK(v(s2, "0", "idle") == 500.0);
  CHECK(v(s2, "0", "system") == 5.1);
  // cpu1: idle went back 4 s: a reset, every new value is taken, even the lower user.
  CHECK(v(s2, "1", "user") == 15.0);
  CHECK(v(s2, "1", "idle") == 796.0);
  // cpu2: exactly 3 s back is a reset too (node_exporter tests `>= 3`).
  CHECK(v(s2, "2", "user") == 5.0);
  CHECK(v(s2, "2", "idle") == 297.0);
  // cpu3: 2.99 s back is not: idle and the guest counter that dropped keep their values.
  CHECK(v(s2, "3", "idle") == 800.0);
  CHECK(v(s2, "3", "system") == 6.1);
  CHECK(s2.value(R"(node_cpu_guest_seconds_total{cpu="3",mode="user"})") == 0.04);

  root.load(host("cpu-backwards/3"), "stat");
  RecordingSink s3;
  REQUIRE(c.collect(s3).ok());
  CHECK(v(s3, "0", "user") == 10.05);
  CHECK(v(s3, "0", "idle") == 500.1);
  // cpu3's idle is still 2 s below the value held, so it is still held.
  CHECK(v(s3, "3", "idle") == 800.0);
  CHECK(s3.value(R"(node_cpu_guest_seconds_total{cpu="3",mode="user"})") == 0.04);
}

}  // namespace
}  // namespace sonde::collectors
