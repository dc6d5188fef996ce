#include "collectors/xfs.hpp"

#include "sysfs_tree.hpp"

namespace sonde::collectors {
namespace {

// node_exporter 1.5.0's fixture sys/fs/xfs/sda1/stats/stats.
constexpr const char* kStats =
    "extent_alloc 1 872 0 0\nabt 0 0 0 0\nblk_map 61 29 1 1 1 91 0\nbmbt 0 0 0 0\n"
    "dir 3 2 1 52\ntrans 4 40 0\nig 5 1 0 4 0 0 1\nlog 8 21 0 5821 4\n"
    "push_ail 44 0 1102 15 0 2 0 2 0 2\nxstrat 1 0\nrw 28 0\nattr 0 0 0 0\nicluster 2 2 2\n"
    "vnodes 4 0 0 0 1 1 1 0\nbuf 22 25 14 0 0 8 0 8 8\n"
    "abtb2 1 1 0 0 0 0 0 0 0 0 0 0 0 0 0\nabtc2 2 1 1 1 0 0 0 0 0 0 0 0 0 0 0\n"
    "bmbt2 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0\nibt2 3 3 0 0 0 0 0 0 0 0 0 0 0 0 0\n"
    "fibt2 3 3 0 0 0 0 0 0 0 0 0 0 0 0 0\nrmapbt 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0\n"
    "qm 0 0 0 0 0 0 0 0\nxpc 3571712 3568056 0\ndebug 0\n";

TEST_CASE("parse_xfs_stats follows procfs 0.8.0", "[collectors][xfs]") {
  const auto s = parse_xfs_stats(kStats);
  REQUIRE(s.ok());
  CHECK(s->extent_alloc[1] == 872);
  CHECK(s->blk_map[5] == 91);
  CHECK(s->dir[3] == 52);
  CHECK(s->rw[0] == 28);  // write calls come first
  CHECK(s->vnodes[6] == 1);
  // Lines of one field, unknown labels with numbers, a 7-value vnodes line (older kernels).
  CHECK(parse_xfs_stats("lonely\nnewline 1 2 3\nvnodes 1 2 3 4 5 6 7\n\n").ok());
  const struct {
    const char* text;
    const char* why;
  } bad[] = {
      {"extent_alloc 1 2 3\n", "incorrect number of values"},
      {"vnodes 1 2 3 4 5 6\n", "incorrect number of values"},
      {"qm 1 2 3 4 5 6 7\n", "incorrect number of values"},
      {"rw 1 x\n", "bad value"},
      {"rw 1 -2\n", "bad value"},
      {"rw 1 +2\n", "bad value"},
      {"newline 4294967296\n", "bad value"},  // every label's values must be uint32s
      {"xpc 1 2\n", "xpc needs 3 values"},
      {"xpc 1 2 x\n", "bad value"},
  };
  for (const auto& b : bad) {
    INFO(b.text);
    const auto r = parse_xfs_stats(b.text);
    REQUIRE_FALSE(r.ok());
    CHECK_THAT(r.message(), Catch::Contains(b.why));
  }
  CHECK(parse_xfs_stats("xpc 18446744073709551615 0 0\n").ok());  // xpc's are uint64s
}

TEST_CASE("xfs collector publishes a device's counters", "[collectors][xfs]") {
  test::SysTree t;
  t.file("fs/xfs/sda1/stats/stats", kStats);
  t.file("fs/xfs/stats/stats", kStats);  // the host-wide file: no device
  XfsCollector c{t.paths()};
  const auto out = test::collect_text(c);
  REQUIRE(out.status.ok());
  const auto parsed = test::parse_exposition(out.text);
  CHECK(parsed.samples.size() == 39);
  CHECK(test::sample(parsed, "node_xfs_block_mapping_extent_list_lookups_total{device=\"sda1\"}") ==
        91);
  CHECK(test::sample(parsed, "node_xfs_write_calls_total{device=\"sda1\"}") == 28);
  CHECK(parsed.types.at("node_xfs_vnode_active_total") == "counter");
}

TEST_CASE("xfs collector on broken trees", "[collectors][xfs]") {
  test::SysTree t;
  const auto run = [&] {
    XfsCollector c{t.paths()};
    return test::collect_text(c);
  };
  SECTION("no /sys/fs/xfs, or one without devices: nothing, success") {
    CHECK(run().status.ok());
    t.file("fs/xfs/stats/stats", kStats);
    const auto out = run();
    CHECK(out.status.ok());
    CHECK(out.text.empty());
  }
  SECTION("a device directory without stats is skipped") {
    t.dir("fs/xfs/sdb1");
    CHECK(run().status.ok());
  }
  SECTION("a malformed file fails the attempt") {
    t.file("fs/xfs/sda1/stats/stats", "rw 1\n");
    const auto out = run();
    REQUIRE_FALSE(out.status.ok());
    CHECK_THAT(out.status.message(), Catch::Contains("sda1/stats/stats"));
  }
  SECTION("a dangling stats link fails the attempt, as Glob finds it and Open does not") {
    t.link("fs/xfs/sda1/stats/stats", "/nonexistent");
    CHECK_FALSE(run().status.ok());
  }
  SECTION("permission denied fails the attempt") {
    t.file("fs/xfs/sda1/stats/stats", kStats, 0);
    CHECK(test::as_unprivileged([&] { return run().status.ok() ? 0 : 1; }) == 1);
  }
}

}  // namespace
}  // namespace sonde::collectors
