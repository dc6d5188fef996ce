#include "collectors/meminfo.hpp"

#include "collector_test_util.hpp"

namespace sonde::collectors {
namespace {

using test::host;
using test::RecordingSink;

TEST_CASE("parse_meminfo names and scales fields as node_exporter", "[collectors][meminfo]") {
  struct Case {
    const char* name;
    const char* text;
    const char* field;  // expected first field, or "" for none
    double value;
    std::size_t errors;
  };
  const Case cases[] = {
      {"kB field", "MemTotal:        3742148 kB\n", "MemTotal_bytes", 3742148.0 * 1024, 0},
      {"(anon) suffix", "Active(anon):    2020004 kB\n", "Active_anon_bytes", 2020004.0 * 1024, 0},
      {"(file) suffix", "Inactive(file):  1 kB\n", "Inactive_file_bytes", 1024, 0},
      {"unitless count", "HugePages_Total:       7\n", "HugePages_Total", 7, 0},
      {"no newline at end", "Shmem: 2 kB", "Shmem_bytes", 2048, 0},
      {"huge value", "VmallocTotal:   34359738367 kB\n", "VmallocTotal_bytes", 35184372087808.0, 0},
      {"empty line skipped silently", "\nBuffers: 1 kB\n", "Buffers_bytes", 1024, 0},
      {"no value", "Buffers:\n", "", 0, 1},
      {"garbage value", "Cached:  12x kB\n", "", 0, 1},
      {"negative value", "Cached:  -1 kB\n", "Cached_bytes", -1024, 0},
      {"unknown unit", "Weird:  10 MB\n", "", 0, 1},
      {"no colon", "NoColon 10 kB\n", "", 0, 1},
      {"extra column", "Too: 1 kB extra\n", "", 0, 1},
      {"invalid name", "Bad-Name: 1 kB\n", "", 0, 1},
      {"duplicate keeps the first", "MemFree: 1 kB\nMemFree: 2 kB\n", "MemFree_bytes", 1024, 1},
  };
  for (const Case& c : cases) {
    SECTION(c.name) {
      const Meminfo m = parse_meminfo(c.text);
      CHECK(m.errors == c.errors);
      if (std::string_view(c.field).empty()) {
        CHECK(m.fields.empty());
      } else {
        REQUIRE(m.fields.size() == 1);
        CHECK(m.fields[0].name == c.field);
        CHECK(m.fields[0].value == c.value);
      }
    }
  }
}

TEST_CASE("meminfo collector matches node_exporter 1.5.0 on its fixture", "[collectors][meminfo]") {
  MeminfoCollector c{core::HostPaths::under(test::ne_fixture())};
  const auto out = test::collect_text(c);
  REQUIRE(out.status.ok());
  CHECK(out.parse_errors == 0);
  // node_memory_numa_* come from node_exporter's meminfo_numa collector, not this one.
  test::require_same_families(out.text, test::ne_e2e_output(), [](const std::string& f) {
    return test::starts_with(f, "node_memory_") && !test::starts_with(f, "node_memory_numa_");
  });

  RecordingSink sink;
  REQUIRE(c.collect(sink).ok());
  CHECK(sink.value("node_memory_MemTotal_bytes") == 3831959552.0);
  CHECK(sink.value("node_memory_Active_anon_bytes") == 2068484096.0);
  CHECK(sink.value("node_memory_HugePages_Total") == 0.0);
  CHECK(sink.samples.at("node_memory_Hugepagesize_bytes").help ==
        "Memory information field Hugepagesize_bytes.");
  CHECK(sink.samples.at("node_memory_MemFree_bytes").type == core::MetricType::gauge);
}

TEST_CASE("meminfo collector matches node_exporter 1.5.0 on a captured host",
          "[collectors][meminfo]") {
  MeminfoCollector c{core::HostPaths::under(host("debian12-capture"))};
  const auto out = test::collect_text(c);
  REQUIRE(out.status.ok());
  CHECK(out.parse_errors == 0);
  test::require_same_families(out.text, test::capture_output(), [](const std::string& f) {
    return test::starts_with(f, "node_memory_");
  });
}

TEST_CASE("meminfo collector skips and counts damaged lines", "[collectors][meminfo]") {
  MeminfoCollector c{core::HostPaths::under(host("truncated"))};
  RecordingSink sink;
  REQUIRE(c.collect(sink).ok());
  // Buffers (no value), Cached (garbage), second MemTotal, Weird (MB), NoColon, Too (extra).
  CHECK(sink.errors == 6);
  CHECK(sink.value("node_memory_MemTotal_bytes") == 1000.0 * 1024);
  // Without a unit node_exporter takes the number as is and adds no _bytes suffix.
  CHECK(sink.value("node_memory_MemFree") == 500.0);
  CHECK(sink.value("node_memory_Active_anon_bytes") == 18014398509481983.0 * 1024);
  CHECK(sink.value("node_memory_HugePages_Total") == 4.0);
  CHECK(sink.value("node_memory_Shmem") == 99.0);
  CHECK(sink.samples.size() == 5);
}

TEST_CASE("meminfo collector fails without /proc/meminfo", "[collectors][meminfo]") {
  MeminfoCollector c{core::HostPaths::under(host("empty"))};
  RecordingSink sink;
  CHECK_FALSE(c.collect(sink).ok());
  CHECK(sink.samples.empty());
}

}  // namespace
}  // namespace sonde::collectors
