// The bcache collector: node_exporter 1.5.0's node_bcache_* families from /sys/fs/bcache, read
// as prometheus/procfs 0.8.0's bcache package does (its bch_hprint arithmetic included).
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "collectors/collector.hpp"

namespace sonde::collectors {

/// procfs's dehumanize: "20.4G", "1.1M", "512", with bch_hprint's fraction (tenths of 1024ths,
/// so ".4" is 4/10.24) and k/M/G/T/P/E/Z/Y multipliers of 1024 (another letter multiplies by 0).
std::optional<std::uint64_t> bcache_dehumanize(std::string_view s);
/// dehumanizeSigned: a leading '-' negates (in uint64, as Go's int64(-value)).
std::optional<std::int64_t> bcache_dehumanize_signed(std::string_view s);

struct BcachePriorityStats {
  std::uint64_t unused_percent = 0;
  std::uint64_t metadata_percent = 0;
};
/// <cache>/priority_stats: the "Unused:" and "Metadata:" lines' last field, '%' removed.
std::optional<BcachePriorityStats> parse_bcache_priority_stats(std::string_view text);

struct BcacheWritebackRate {
  std::uint64_t rate = 0, dirty = 0, target = 0;
  std::int64_t proportional = 0, integral = 0, change = 0, next_io = 0;
};
/// <bdev>/writeback_rate_debug: "rate:", "dirty:", "target:", "proportional:", "integral:",
/// "change:" and "next io:" lines, each value its line's last field.
std::optional<BcacheWritebackRate> parse_bcache_writeback_rate_debug(std::string_view text);

struct BcachePeriodStats {
  std::uint64_t bypassed = 0, cache_bypass_hits = 0, cache_bypass_misses = 0, cache_hits = 0,
                cache_miss_collisions = 0, cache_misses = 0, cache_readaheads = 0;
};

struct BcacheBdev {
  std::string name;  // bdev<N>
  std::uint64_t dirty_data = 0;
  BcacheWritebackRate writeback;
  BcachePeriodStats total;
};

struct BcacheCache {
  std::string name;  // cache<N>
  std::uint64_t io_errors = 0, metadata_written = 0, written = 0;
  BcachePriorityStats priority;
};

struct BcacheSet {
  std::string uuid;
  std::uint64_t average_key_size = 0, btree_cache_size = 0, cache_available_percent = 0,
                congested = 0, root_usage_percent = 0, tree_depth = 0;
  std::uint64_t active_journal_entries = 0, btree_nodes = 0, btree_read_average_duration = 0,
                cache_read_races = 0;
  std::vector<BcacheBdev> bdevs;
  std::vector<BcacheCache> caches;
};

/// Every cache set under <sysfs>/fs/bcache (names with a '-'). A missing value file reads as 0,
/// as in procfs; any other read error, a value that does not parse, a missing
/// writeback_rate_debug (or priority_stats, when asked for) fails the whole read.
core::Result<std::vector<BcacheSet>> read_bcache(const std::filesystem::path& sysfs,
                                                 bool priority_stats);

class BcacheCollector final : public Collector {
 public:
  BcacheCollector(core::HostPaths paths, BcacheOptions options)
      : paths_(std::move(paths)), options_(options) {}
  std::string_view name() const override { return "bcache"; }
  core::Status collect(core::SampleSink& out) override;

 private:
  core::HostPaths paths_;
  BcacheOptions options_;
};

std::unique_ptr<Collector> make_bcache(const CollectorContext& ctx);

}  // namespace sonde::collectors
