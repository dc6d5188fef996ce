// The zfs collector: node_exporter 1.5.0's node_zfs_* families from the ZFS kstats under
// /proc/spl/kstat/zfs, parsed as collector/zfs_linux.go does (untyped samples named after the
// kstat, the kstat's dotted name as help), quirks included.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "collectors/collector.hpp"

namespace sonde::collectors {

struct ZfsKstat {
  std::string_view name;  // points into the parsed text
  std::uint64_t value = 0;
};

/// A named kstat file: a header line, then "name type data"; after it, lines of at least three
/// fields whose type is 4 (KSTAT_DATA_UINT64) are the values, other types and shorter lines are
/// skipped. Fails without the "name type data" line or on a type-4 value that is no uint64.
core::Result<std::vector<ZfsKstat>> parse_zfs_kstat(std::string_view text);

/// A pool's io kstat: a header line, a line of at least 12 field names starting "nread", then
/// value lines, each giving one value per name (a repeated line repeats the names). Fails on a
/// value line with fewer fields than names (node_exporter 1.5 panics there) or a bad number.
/// Nothing without the names line.
core::Result<std::vector<ZfsKstat>> parse_zfs_pool_io(std::string_view text);

struct ZfsObjsetKstat {
  std::string_view dataset;  // "" before the dataset_name line
  bool named = false;        // a dataset_name line came before: the zpool label is the pool's
  std::string_view name;
  std::uint64_t value = 0;
};

/// A pool's objset-<id> kstat: as parse_zfs_kstat, plus the "dataset_name 7 <name>" line that
/// names the dataset of the values after it.
core::Result<std::vector<ZfsObjsetKstat>> parse_zfs_objset(std::string_view text);

/// A pool's state file: its first line, lower-cased ("online", "degraded", ...).
std::string parse_zfs_pool_state(std::string_view text);

class ZfsCollector final : public Collector {
 public:
  explicit ZfsCollector(core::HostPaths paths) : paths_(std::move(paths)) {}
  std::string_view name() const override { return "zfs"; }
  /// No /proc/spl/kstat/zfs (no ZFS module): nothing, success. Files newer or older ZFS
  /// versions lack are skipped, as in node_exporter.
  core::Status collect(core::SampleSink& out) override;

 private:
  core::HostPaths paths_;
};

std::unique_ptr<Collector> make_zfs(const CollectorContext& ctx);

}  // namespace sonde::collectors
