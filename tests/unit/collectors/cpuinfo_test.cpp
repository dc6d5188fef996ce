#include "collectors/cpuinfo.hpp"

#include "collector_test_util.hpp"
#include "collectors/cpu.hpp"

namespace sonde::collectors {
namespace {

using test::RecordingSink;

constexpr const char* kTwoCpus =
    "processor\t: 0\nvendor_id\t: GenuineIntel\ncpu family\t: 6\nmodel\t\t: 142\n"
    "model name\t: Intel(R) Core(TM) i7-8650U CPU @ 1.90GHz\nstepping\t: 10\nmicrocode\t: 0xb4\n"
    "cpu MHz\t\t: 799.998\ncache size\t: 8192 KB\nphysical id\t: 0\ncore id\t\t: 3\n"
    "flags\t\t: fpu aes avx avx2 aes\nbugs\t\t: cpu_meltdown mds\npower management:\n\n"
    "processor\t: 0x1\nvendor_id\t: AuthenticAMD\nflags\t\t: sse\n";

TEST_CASE("parse_cpuinfo reads x86 blocks as procfs does", "[collectors][cpuinfo]") {
  const auto c = parse_cpuinfo(kTwoCpus);
  REQUIRE(c.ok());
  REQUIRE(c->size() == 2);
  CHECK((*c)[0].model_name == "Intel(R) Core(TM) i7-8650U CPU @ 1.90GHz");
  CHECK((*c)[0].core_id == "3");
  CHECK((*c)[0].cache_size == "8192 KB");
  CHECK((*c)[0].flags.size() == 5);
  CHECK((*c)[0].bugs.size() == 2);
  CHECK((*c)[1].processor == 1);  // base 0: "0x1"
  CHECK((*c)[1].vendor == "AuthenticAMD");

  struct Case {
    const char* name;
    const char* text;
    bool ok;
  };
  const Case cases[] = {
      {"blank lines first", "\n  \nprocessor : 3\n", true},
      {"empty", "", false},
      {"no processor first", "vendor_id : x\nprocessor : 0\n", false},
      {"processor without ': '", "processor:0\n", false},
      {"bad processor", "processor : x\n", false},
      {"bad cpu MHz", "processor : 0\ncpu MHz : fast\n", false},
      {"bad siblings", "processor : 0\nsiblings : -1\n", false},
      {"bad later processor", "processor : 0\nprocessor : 4294967296\n", false},
      {"unknown keys and junk", "processor : 0\nwhatever : 1\nno colon here\nx:y\n", true},
  };
  for (const Case& k : cases) {
    INFO(k.name);
    CHECK(parse_cpuinfo(k.text).ok() == k.ok);
  }
}

TEST_CASE("publish_cpuinfo filters the first CPU's flags and bugs", "[collectors][cpuinfo]") {
  const auto c = parse_cpuinfo(kTwoCpus);
  REQUIRE(c.ok());
  const auto flags = core::Regex::compile("^(aes|avx.?)$", core::Regex::Anchor::none);
  REQUIRE(flags.ok());
  RecordingSink sink;
  publish_cpuinfo(sink, *c, &*flags, nullptr);
  // cpu 0 and cpu 1; aes, avx, avx2 (aes once more: counted); no bug family without a pattern.
  CHECK(sink.count_family("node_cpu_info") == 2);
  CHECK(sink.count_family("node_cpu_flag_info") == 3);
  CHECK(sink.count_family("node_cpu_bug_info") == 0);
  CHECK(sink.errors == 1);
  CHECK(sink.has("node_cpu_flag_info{flag=\"avx2\"}"));
}

TEST_CASE("cpu collector with info matches node_exporter 1.5.0's e2e run",
          "[collectors][cpuinfo]") {
  collectors::CpuOptions options;
  options.flags_include = "^(aes|avx.?|constant_tsc)$";
  options.bugs_include = "^(cpu_meltdown|spectre_.*|mds)$";
  SECTION("the patterns turn info on, as in node_exporter") {
    CpuCollector c{core::HostPaths::under(test::ne_fixture()), options};
    const auto out = test::collect_text(c);
    REQUIRE(out.status.ok());
    test::require_same_families(out.text, test::ne_e2e_output(), [](const std::string& f) {
      return f == "node_cpu_info" || f == "node_cpu_flag_info" || f == "node_cpu_bug_info";
    });
  }
  SECTION("off by default") {
    CpuCollector c{core::HostPaths::under(test::ne_fixture()), collectors::CpuOptions{}};
    RecordingSink sink;
    REQUIRE(c.collect(sink).ok());
    CHECK(sink.count_family("node_cpu_info") == 0);
    CHECK(sink.count_family("node_cpu_seconds_total") > 0);
  }
  SECTION("info alone: no flag or bug families") {
    collectors::CpuOptions info;
    info.info = true;
    CpuCollector c{core::HostPaths::under(test::ne_fixture()), info};
    RecordingSink sink;
    REQUIRE(c.collect(sink).ok());
    CHECK(sink.count_family("node_cpu_info") == 8);
    CHECK(sink.count_family("node_cpu_flag_info") == 0);
  }
  SECTION("a pattern RE2 rejects fails the collector") {
    options.bugs_include = "(";
    CpuCollector c{core::HostPaths::under(test::ne_fixture()), options};
    RecordingSink sink;
    CHECK_FALSE(c.collect(sink).ok());
  }
}

}  // namespace
}  // namespace sonde::collectors
