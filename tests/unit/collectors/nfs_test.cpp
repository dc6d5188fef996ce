#include "collectors/nfs.hpp"

#include <fstream>

#include "collector_test_util.hpp"
#include "collectors/nfsd.hpp"

namespace sonde::collectors {
namespace {

TEST_CASE("nfs collector matches node_exporter 1.5.0 on its fixture", "[collectors][nfs]") {
  NfsCollector c{core::HostPaths::under(test::ne_fixture())};
  const auto out = test::collect_text(c);
  REQUIRE(out.status.ok());
  CHECK(out.parse_errors == 0);
  test::require_same_families(out.text, test::ne_e2e_output(), [](const std::string& f) {
    return test::starts_with(f, "node_nfs_");
  });
}

TEST_CASE("parse_nfs_client follows procfs 0.8.0", "[collectors][nfs]") {
  SECTION("a short proc4 line (older kernels) is padded with zeros; missing lines are zeros") {
    const auto r = parse_nfs_client("rpc 10 2 3\nproc4 3 7 8 9\n");
    REQUIRE(r.ok());
    CHECK(r->rpc_count == 10);
    CHECK(r->auth_refreshes == 3);
    CHECK(r->v4[0] == 7);
    CHECK(r->v4[2] == 9);
    CHECK(r->v4[3] == 0);
    CHECK(r->network.tcp_connect == 0);
    CHECK(r->v3[1] == 0);
  }
  SECTION("a longer proc4 line (newer kernels) keeps the first 59") {
    std::string line = "proc4 70";
    for (int i = 1; i <= 70; ++i) line += " " + std::to_string(i);
    const auto r = parse_nfs_client(line + "\n");
    REQUIRE(r.ok());
    CHECK(r->v4.back() == 59);
  }
  SECTION("bad files fail, saying why") {
    const struct {
      const char* text;
      const char* error;
    } cases[] = {
        {"net 1 2 3 4\n\nrpc 1 2 3\n", "invalid NFS metric line \"\""},
        {"net\n", "invalid NFS metric line \"net\""},
        {"net 1 2 x 4\n",
         "error parsing NFS metric line \"net 1 2 x 4\": \"x\" is not an unsigned 64-bit number"},
        {"net 1 2 -3 4\n",
         "error parsing NFS metric line \"net 1 2 -3 4\": \"-3\" is not an unsigned 64-bit number"},
        {"nfs 1\n", "unknown NFS metric line \"nfs\""},
        {"net 1 2 3\n",
         "errors parsing NFS metric line \"net 1 2 3\": invalid Network line: 4 values expected"},
        {"rpc 1 2\n",
         "errors parsing NFS metric line \"rpc 1 2\": invalid RPC line: 3 values expected"},
        {"proc2 2 1 2\n",
         "errors parsing NFS metric line \"proc2 2 1 2\": invalid V2Stats line: its count is not "
         "the 18 or more values that follow"},
        {"proc3 22 1\n",
         "errors parsing NFS metric line \"proc3 22 1\": invalid V3Stats line: its count is not "
         "the 22 or more values that follow"},
        {"proc4 3 1 2\n",
         "errors parsing NFS metric line \"proc4 3 1 2\": invalid ClientV4Stats line: its count "
         "is not the values that follow"},
    };
    for (const auto& b : cases) {
      INFO(b.text);
      const auto r = parse_nfs_client(b.text);
      REQUIRE_FALSE(r.ok());
      CHECK(r.message() == b.error);
    }
  }
}

TEST_CASE("nfs and nfsd: no /proc/net/rpc files publish nothing and succeed", "[collectors][nfs]") {
  const auto empty = core::HostPaths::under(test::fixture_root() / "hosts/empty");
  NfsCollector nfs{empty};
  NfsdCollector nfsd{empty};
  test::RecordingSink sink;
  CHECK(nfs.collect(sink).ok());
  CHECK(nfsd.collect(sink).ok());
  CHECK(sink.samples.empty());
}

TEST_CASE("nfs: a malformed file fails the attempt, naming the file", "[collectors][nfs]") {
  const test::ScratchRoot root;
  std::filesystem::create_directories(root.root() / "proc/net/rpc");
  std::ofstream(root.root() / "proc/net/rpc/nfs") << "net 1 2 3 4\nbogus 1\n";
  NfsCollector c{root.paths()};
  test::RecordingSink sink;
  const auto st = c.collect(sink);
  REQUIRE_FALSE(st.ok());
  CHECK(st.message() ==
        "unknown NFS metric line \"bogus\" in " + (root.root() / "proc/net/rpc/nfs").string());
}

}  // namespace
}  // namespace sonde::collectors
