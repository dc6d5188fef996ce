#include "collectors/filefd.hpp"

#include "collector_test_util.hpp"

namespace sonde::collectors {
namespace {

using test::host;
using test::RecordingSink;

TEST_CASE("parse_filefd takes fields 1 and 3 of file-nr", "[collectors][filefd]") {
  struct Case {
    const char* name;
    const char* text;
    bool ok;
    double allocated, maximum;
  };
  const Case cases[] = {
      {"kernel text", "1024\t0\t1631329\n", true, 1024, 1631329},
      {"surrounding blanks", "  7\t0\t9  \n", true, 7, 9},
      {"more fields", "1\t2\t3\t4\n", true, 1, 3},
      {"spaces instead of tabs", "1 0 3\n", false, 0, 0},
      {"two fields", "1\t0\n", false, 0, 0},
      {"not a number", "1\t0\tmany\n", false, 0, 0},
      {"empty", "", false, 0, 0},
  };
  for (const Case& c : cases) {
    INFO(c.name);
    const auto fd = parse_filefd(c.text);
    REQUIRE(fd.ok() == c.ok);
    if (!c.ok) continue;
    CHECK(fd->allocated == c.allocated);
    CHECK(fd->maximum == c.maximum);
  }
}

TEST_CASE("filefd collector matches node_exporter 1.5.0", "[collectors][filefd]") {
  FilefdCollector c{core::HostPaths::under(test::ne_fixture())};
  const auto out = test::collect_text(c);
  REQUIRE(out.status.ok());
  test::require_same_families(out.text, test::ne_e2e_output(), [](const std::string& f) {
    return test::starts_with(f, "node_filefd_");
  });
  FilefdCollector none{core::HostPaths::under(host("empty"))};
  RecordingSink sink;
  CHECK(none.collect(sink).ok());
  CHECK(sink.samples.empty());
}

}  // namespace
}  // namespace sonde::collectors
