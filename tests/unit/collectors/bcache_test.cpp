#include "collectors/bcache.hpp"

#include "sysfs_tree.hpp"

namespace sonde::collectors {
namespace {

constexpr const char* kUuid = "deaddd54-c735-46d5-868e-f331c5fd7c74";

/// A cache set as node_exporter 1.5.0's fixture has it (the files read, a few values changed).
void write_set(const test::SysTree& t) {
  const std::string s = std::string("fs/bcache/") + kUuid + "/";
  for (const char* f :
       {"average_key_size", "btree_cache_size", "congested", "root_usage_percent", "tree_depth"}) {
    t.file(s + f, "0\n");
  }
  t.file(s + "cache_available_percent", "100\n");
  t.file(s + "internal/active_journal_entries", "1\n");
  t.file(s + "internal/btree_nodes", "0\n");
  t.file(s + "internal/btree_read_average_duration_us", "1305\n");
  t.file(s + "internal/cache_read_races", "0\n");
  t.file(s + "bdev0/dirty_data", "0\n");
  t.file(s + "bdev0/writeback_rate_debug",
         "rate:           1.1M/sec\ndirty:          20.4G\ntarget:         20.4G\n"
         "proportional:   427.5k\nintegral:       790.0k\nchange:         321.5k/sec\n"
         "next io:        17ms\n");
  t.file(s + "bdev0/stats_total/cache_hits", "546\n");
  t.file(s + "bdev0/stats_total/bypassed", "1.5k\n");
  t.file(s + "cache0/io_errors", "0\n");
  t.file(s + "cache0/metadata_written", "512\n");
  t.file(s + "cache0/written", "0\n");
  t.file(s + "cache0/priority_stats", "Unused:\t\t99%\nMetadata:\t0%\nAverage:\t10473\n");
}

TEST_CASE("bcache_dehumanize follows procfs 0.8.0's bch_hprint arithmetic",
          "[collectors][bcache]") {
  CHECK(bcache_dehumanize("512") == 512u);
  CHECK(bcache_dehumanize("1.1M") == 1150976u);       // (1 + 1/10.24) × 2^20
  CHECK(bcache_dehumanize("20.4G") == 21894266880u);  // e2e: dirty_target_bytes 2.189426688e+10
  CHECK(bcache_dehumanize("427.5k") == 437748u);
  CHECK(bcache_dehumanize("1.5") == 1u);        // no multiplier: a plain float, truncated
  CHECK(bcache_dehumanize("3x") == 0u);         // an unknown multiplier multiplies by 0
  CHECK(bcache_dehumanize("1.2.3k") == 1224u);  // a second '.' and what follows are ignored
  CHECK(bcache_dehumanize("-1") == 0xffffffffffffffffu);  // Go's uint64(-1.0) on amd64
  CHECK_FALSE(bcache_dehumanize(""));
  CHECK_FALSE(bcache_dehumanize("k"));
  CHECK_FALSE(bcache_dehumanize("abc"));
  CHECK_FALSE(bcache_dehumanize("1.xk"));
  CHECK(bcache_dehumanize_signed("-321.5k") == -329204);
  CHECK(bcache_dehumanize_signed("17") == 17);
  CHECK_FALSE(bcache_dehumanize_signed("-"));
}

TEST_CASE("bcache's priority_stats and writeback_rate_debug parsers", "[collectors][bcache]") {
  const auto p = parse_bcache_priority_stats("Unused:\t\t99%\nMetadata:\t0%\nSectors per Q:\t64\n");
  REQUIRE(p);
  CHECK(p->unused_percent == 99);
  CHECK(p->metadata_percent == 0);
  CHECK_FALSE(parse_bcache_priority_stats("Unused: lots%\n"));
  CHECK_FALSE(parse_bcache_priority_stats("Metadata: -1%\n"));
  const auto w = parse_bcache_writeback_rate_debug(
      "rate: 1.1M/sec\r\ndirty: 0\ntarget: 20.4G\nproportional: -427.5k\nintegral: 790.0k\n"
      "change: 321.5k/sec\nnext io: -17ms\nother: x\n");
  REQUIRE(w);
  CHECK(w->rate == 1150976);
  CHECK(w->target == 21894266880u);
  CHECK(w->proportional == -437748);
  CHECK(w->integral == 808960);
  CHECK(w->change == 329204);
  CHECK(w->next_io == -17);
  CHECK_FALSE(parse_bcache_writeback_rate_debug("rate: fast/sec\n"));
  CHECK_FALSE(parse_bcache_writeback_rate_debug("next io: 17s\n"));
}

TEST_CASE("bcache collector publishes node_exporter's families", "[collectors][bcache]") {
  test::SysTree t;
  write_set(t);
  BcacheOptions with;
  with.priority_stats = true;
  BcacheCollector c{t.paths(), with};
  const auto out = test::collect_text(c);
  REQUIRE(out.status.ok());
  const std::string u = std::string("uuid=\"") + kUuid + "\"";
  CHECK_THAT(out.text, Catch::Contains("node_bcache_btree_read_average_duration_seconds{" + u +
                                       "} 1.305e-06"));
  CHECK_THAT(out.text, Catch::Contains("node_bcache_cache_hits_total{backing_device=\"bdev0\"," +
                                       u + "} 546"));
  CHECK_THAT(out.text,
             Catch::Contains("node_bcache_bypassed_bytes_total{backing_device=\"bdev0\"," + u +
                             "} 1524"));  // (1 + 5/10.24) × 1024
  // A missing value file reads as 0, as in procfs (stats_total/cache_misses is not written).
  CHECK_THAT(out.text, Catch::Contains("node_bcache_cache_misses_total{backing_device=\"bdev0\"," +
                                       u + "} 0"));
  CHECK_THAT(out.text, Catch::Contains("node_bcache_writeback_change{backing_device=\"bdev0\"," +
                                       u + "} 329204"));
  CHECK_THAT(out.text, Catch::Contains("node_bcache_priority_stats_unused_percent{cache_device="
                                       "\"cache0\"," +
                                       u + "} 99"));
  CHECK_THAT(out.text, Catch::Contains("# TYPE node_bcache_written_bytes_total counter"));

  BcacheCollector without{t.paths(), BcacheOptions{}};
  const auto plain = test::collect_text(without);
  REQUIRE(plain.status.ok());
  CHECK_THAT(plain.text, !Catch::Contains("priority_stats"));
  CHECK_THAT(plain.text, Catch::Contains("node_bcache_io_errors{cache_device=\"cache0\""));
}

TEST_CASE("bcache collector on broken trees", "[collectors][bcache]") {
  test::SysTree t;
  const std::string s = std::string("fs/bcache/") + kUuid + "/";
  SECTION("no /sys/fs/bcache: nothing, success") {
    BcacheCollector c{t.paths(), BcacheOptions{}};
    const auto out = test::collect_text(c);
    CHECK(out.status.ok());
    CHECK(out.text.empty());
  }
  SECTION("names without a '-' are no cache sets") {
    t.file("fs/bcache/register", "");
    BcacheCollector c{t.paths(), BcacheOptions{}};
    const auto out = test::collect_text(c);
    CHECK(out.status.ok());
    CHECK(out.text.empty());
  }
  write_set(t);
  BcacheOptions with;
  with.priority_stats = true;
  SECTION("a value that is no number fails the attempt") {
    t.file(s + "tree_depth", "deep\n");
    BcacheCollector c{t.paths(), with};
    const auto out = test::collect_text(c);
    REQUIRE_FALSE(out.status.ok());
    CHECK_THAT(out.status.message(), Catch::Contains("tree_depth"));
  }
  SECTION("an empty value file fails (procfs panics on it)") {
    t.file(s + "congested", "");
    BcacheCollector c{t.paths(), with};
    CHECK_FALSE(test::collect_text(c).status.ok());
  }
  SECTION("a missing writeback_rate_debug fails; a missing priority_stats only when asked for") {
    t.remove(s + "cache0/priority_stats");
    BcacheCollector without{t.paths(), BcacheOptions{}};
    CHECK(test::collect_text(without).status.ok());
    BcacheCollector c{t.paths(), with};
    CHECK_FALSE(test::collect_text(c).status.ok());
    write_set(t);
    t.remove(s + "bdev0/writeback_rate_debug");
    CHECK_FALSE(test::collect_text(without).status.ok());
  }
  SECTION("a dangling link where a value belongs reads as missing (0)") {
    t.remove(s + "tree_depth");
    t.link(s + "tree_depth", "/nonexistent/tree_depth");
    BcacheCollector c{t.paths(), with};
    const auto out = test::collect_text(c);
    REQUIRE(out.status.ok());
    CHECK_THAT(out.text,
               Catch::Contains("node_bcache_tree_depth{uuid=\"" + std::string(kUuid) + "\"} 0"));
  }
  SECTION("a directory where a value belongs fails the attempt") {
    t.remove(s + "tree_depth");
    t.dir(s + "tree_depth");
    BcacheCollector c{t.paths(), with};
    CHECK_FALSE(test::collect_text(c).status.ok());
  }
  SECTION("permission denied fails the attempt") {
    t.file(s + "cache0/written", "1\n", 0);
    const int failed = test::as_unprivileged([&] {
      BcacheCollector c{t.paths(), with};
      const auto out = test::collect_text(c);
      return !out.status.ok() && out.status.message().find("written") != std::string::npos;
    });
    CHECK(failed == 1);
  }
}

}  // namespace
}  // namespace sonde::collectors
