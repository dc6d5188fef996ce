#include "collectors/sockstat.hpp"

#include <unistd.h>

#include "collector_test_util.hpp"

namespace sonde::collectors {
namespace {

using test::host;
using test::RecordingSink;

TEST_CASE("parse_sockstat reads key/value pairs per protocol", "[collectors][sockstat]") {
  const auto s = parse_sockstat(
      "sockets: used 229\nTCP: inuse 4 orphan 0 tw 4 alloc 17 mem 1\nUDP: inuse 0 mem 0\n"
      "FRAG: inuse 0 memory 0\n");
  REQUIRE(s.ok());
  CHECK(s->used == 229);
  REQUIRE(s->protocols.size() == 3);
  CHECK(s->protocols[0].protocol == "TCP");
  CHECK(s->protocols[0].tw == 4);
  CHECK(s->protocols[0].mem == 1);
  CHECK_FALSE(s->protocols[1].orphan.has_value());
  CHECK(s->protocols[2].memory == 0);

  struct Case {
    const char* name;
    const char* text;
    bool ok;
  };
  const Case cases[] = {
      {"empty file", "", true},
      {"two fields", "TCP: inuse\n", false},
      {"odd pairs", "TCP: inuse 1 tw\n", false},
      {"not a number", "TCP: inuse x\n", false},
      {"negative", "TCP: inuse -1\n", true},
      {"empty line", "sockets: used 1\n\nTCP: inuse 1\n", false},
      {"IPv6 file", "TCP6: inuse 17\nUDP6: inuse 9\n", true},
  };
  for (const Case& c : cases) {
    INFO(c.name);
    CHECK(parse_sockstat(c.text).ok() == c.ok);
  }
}

TEST_CASE("sockstat collector matches node_exporter 1.5.0", "[collectors][sockstat]") {
  SockstatCollector c{core::HostPaths::under(test::ne_fixture())};
  const auto out = test::collect_text(c);
  REQUIRE(out.status.ok());
  // mem_bytes is pages times this host's page size; node_exporter's run had 4 KiB pages.
  if (::sysconf(_SC_PAGESIZE) == 4096) {
    test::require_same_families(out.text, test::ne_e2e_output(), [](const std::string& f) {
      return test::starts_with(f, "node_sockstat_");
    });
  }
  SECTION("a live kernel's files") {
    SockstatCollector live{core::HostPaths::under(host("debian12-net"))};
    RecordingSink sink;
    REQUIRE(live.collect(sink).ok());
    CHECK(sink.has("node_sockstat_sockets_used"));
    CHECK(sink.has("node_sockstat_TCP6_inuse"));
    CHECK(*sink.value("node_sockstat_TCP_mem_bytes") ==
          *sink.value("node_sockstat_TCP_mem") * static_cast<double>(::sysconf(_SC_PAGESIZE)));
  }
  SECTION("no files: nothing, and success") {
    SockstatCollector none{core::HostPaths::under(host("empty"))};
    RecordingSink sink;
    CHECK(none.collect(sink).ok());
    CHECK(sink.samples.empty());
  }
}

}  // namespace
}  // namespace sonde::collectors
