#include "collectors/nfsd.hpp"

#include <fstream>

#include "collector_test_util.hpp"

namespace sonde::collectors {
namespace {

TEST_CASE("nfsd collector matches node_exporter 1.5.0 on its fixture", "[collectors][nfsd]") {
  NfsdCollector c{core::HostPaths::under(test::ne_fixture())};
  const auto out = test::collect_text(c);
  REQUIRE(out.status.ok());
  CHECK(out.parse_errors == 0);
  test::require_same_families(out.text, test::ne_e2e_output(), [](const std::string& f) {
    return test::starts_with(f, "node_nfsd_");
  });
}

TEST_CASE("parse_nfsd follows procfs 0.8.0", "[collectors][nfsd]") {
  SECTION("th reads two values and ignores the histogram; proc4 is checked") {
    const auto r = parse_nfsd("th 16 3 0.000 1.5\nproc4 2 1 5\nrc 1 2 3\n");
    REQUIRE(r.ok());
    CHECK(r->threads == 16);
    CHECK(r->rc_nocache == 3);
    CHECK(r->ra_cache_size == 0);
  }
  SECTION("bad files fail, saying why") {
    const struct {
      const char* text;
      const char* error;
    } cases[] = {
        {"th 8\n", "invalid NFSd th metric line \"th 8\""},
        {"th 8 x\n",
         "error parsing NFSd metric line \"th 8 x\": \"x\" is not an unsigned 64-bit number"},
        {"rc 1 2\n",
         "errors parsing NFSd metric line \"rc 1 2\": invalid ReplyCache line: 3 values expected"},
        {"fh 1 2 3 4\n",
         "errors parsing NFSd metric line \"fh 1 2 3 4\": invalid FileHandles line: 5 values "
         "expected"},
        {"ra 32 0\n",
         "errors parsing NFSd metric line \"ra 32 0\": invalid ReadAheadCache line: 12 values "
         "expected"},
        {"rpc 1 2 3 4\n",
         "errors parsing NFSd metric line \"rpc 1 2 3 4\": invalid RPC line: 5 values expected"},
        {"proc4 3 1 2 3\n",
         "errors parsing NFSd metric line \"proc4 3 1 2 3\": invalid V4Stats line"},
        {"proc4ops 2 1 2\n",
         "errors parsing NFSd metric line \"proc4ops 2 1 2\": invalid V4Ops line: its count is "
         "not the 39 or more values that follow"},
        {"wdeleg_getattr 1\n", "unknown NFSd metric line \"wdeleg_getattr\""},
    };
    for (const auto& b : cases) {
      INFO(b.text);
      const auto r = parse_nfsd(b.text);
      REQUIRE_FALSE(r.ok());
      CHECK(r.message() == b.error);
    }
  }
}

TEST_CASE("parse_nfsd puts every value of each line in its field", "[collectors][nfsd]") {
  std::string ops = "proc4ops 40";
  for (int i = 0; i < 40; ++i) ops += " " + std::to_string(100 + i);
  const auto r = parse_nfsd(
      "rc 1 2 3\nfh 4 0 0 0 0\nio 5 6\nth 7 0 0.0 0.0\n"
      "ra 8 0 0 0 0 0 0 0 0 0 0 9\nnet 10 11 12 13\nrpc 14 99 15 16 17\n" +
      ops + "\n");
  REQUIRE(r.ok());
  CHECK(r->rc_hits == 1);
  CHECK(r->rc_misses == 2);
  CHECK(r->rc_nocache == 3);
  CHECK(r->fh_stale == 4);
  CHECK(r->io_read == 5);
  CHECK(r->io_write == 6);
  CHECK(r->threads == 7);
  CHECK(r->ra_cache_size == 8);
  CHECK(r->ra_not_found == 9);
  CHECK(r->rpc_count == 14);
  CHECK(r->bad_fmt == 15);  // 99 (badcnt, the sum) is skipped
  CHECK(r->bad_auth == 16);
  CHECK(r->bad_cint == 17);
  CHECK(r->network.udp_count == 11);
  CHECK(r->network.tcp_connect == 13);
  // proc4ops keeps the 38 operations node_exporter names; later ones are newer kernels'
  REQUIRE(r->v4ops.size() == 38);
  CHECK(r->v4ops[0] == 100);
  CHECK(r->v4ops[37] == 137);
}

TEST_CASE("nfsd: a malformed file fails the attempt, naming the file", "[collectors][nfsd]") {
  const test::ScratchRoot root;
  std::filesystem::create_directories(root.root() / "proc/net/rpc");
  std::ofstream(root.root() / "proc/net/rpc/nfsd") << "rc 1 2 3\nrc 1 2\n";
  NfsdCollector c{root.paths()};
  test::RecordingSink sink;
  const auto st = c.collect(sink);
  REQUIRE_FALSE(st.ok());
  CHECK(
      st.message() ==
      "errors parsing NFSd metric line \"rc 1 2\": invalid ReplyCache line: 3 values expected in " +
          (root.root() / "proc/net/rpc/nfsd").string());
  CHECK(sink.samples.empty());
}

TEST_CASE("nfsd publishes the parsed values under node_exporter's names", "[collectors][nfsd]") {
  const test::ScratchRoot root;
  std::filesystem::create_directories(root.root() / "proc/net/rpc");
  std::ofstream(root.root() / "proc/net/rpc/nfsd")
      << "rc 1 2 3\nth 7 0\nnet 10 11 12 13\nrpc 14 99 15 16 17\n";
  NfsdCollector c{root.paths()};
  test::RecordingSink sink;
  REQUIRE(c.collect(sink).ok());
  CHECK(sink.value("node_nfsd_reply_cache_hits_total") == 1);
  CHECK(sink.value("node_nfsd_reply_cache_nocache_total") == 3);
  CHECK(sink.value("node_nfsd_server_threads") == 7);
  CHECK(sink.value("node_nfsd_server_rpcs_total") == 14);
  CHECK(sink.value("node_nfsd_packets_total{proto=\"udp\"}") == 11);
  CHECK(sink.value("node_nfsd_rpc_errors_total{error=\"cInt\"}") == 17);
  CHECK(sink.samples.at("node_nfsd_server_threads").type == core::MetricType::gauge);
}

}  // namespace
}  // namespace sonde::collectors
