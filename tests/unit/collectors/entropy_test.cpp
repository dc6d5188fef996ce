#include "collectors/entropy.hpp"

#include "collector_test_util.hpp"

namespace sonde::collectors {
namespace {

using test::host;
using test::RecordingSink;

TEST_CASE("parse_proc_uint reads one trimmed unsigned number", "[collectors][entropy]") {
  CHECK(*parse_proc_uint("3943\n") == 3943u);
  CHECK(*parse_proc_uint(" 256 ") == 256u);
  CHECK(*parse_proc_uint("18446744073709551615") == 18446744073709551615u);
  for (const char* bad : {"", "\n", "-1", "1 2", "0x10", "18446744073709551616", "abc"}) {
    INFO(bad);
    CHECK_FALSE(parse_proc_uint(bad).ok());
  }
}

TEST_CASE("entropy collector matches node_exporter 1.5.0", "[collectors][entropy]") {
  EntropyCollector c{core::HostPaths::under(test::ne_fixture())};
  const auto out = test::collect_text(c);
  REQUIRE(out.status.ok());
  test::require_same_families(out.text, test::ne_e2e_output(), [](const std::string& f) {
    return test::starts_with(f, "node_entropy_");
  });
  EntropyCollector live{core::HostPaths::under(host("debian12-net"))};
  RecordingSink sink;
  REQUIRE(live.collect(sink).ok());
  CHECK(sink.value("node_entropy_pool_size_bits") == 256);
  EntropyCollector none{core::HostPaths::under(host("empty"))};
  RecordingSink empty;
  CHECK(none.collect(empty).ok());
  CHECK(empty.samples.empty());
}

}  // namespace
}  // namespace sonde::collectors
