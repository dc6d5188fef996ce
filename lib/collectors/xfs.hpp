// The xfs collector: node_exporter 1.5.0's node_xfs_* counters, per filesystem, from
// /sys/fs/xfs/<device>/stats/stats (kernel 4.4+), parsed as prometheus/procfs 0.8.0's
// xfs.ParseStats. node_exporter 1.5 reads only these per-device files (xfs.FS.SysStats), not the
// host-wide /proc/fs/xfs/stat, and neither does sonde.
#pragma once

#include <array>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "collectors/collector.hpp"

namespace sonde::collectors {

/// The values node_exporter publishes, by stats line.
struct XfsStats {
  std::array<std::uint32_t, 4> extent_alloc{};  // extent_alloc
  std::array<std::uint32_t, 4> abt{};           // allocation B-tree
  std::array<std::uint32_t, 7> blk_map{};
  std::array<std::uint32_t, 4> bmbt{};  // block map B-tree
  std::array<std::uint32_t, 4> dir{};
  std::array<std::uint32_t, 7> ig{};  // inode operations
  std::array<std::uint32_t, 2> rw{};  // write, read
  std::array<std::uint32_t, 8> vnodes{};
};

/// procfs's ParseStats: lines of a label and at least one value; every value must be a uint32
/// (xpc's a uint64), and the lines procfs knows must have its counts of values (vnodes 7 or 8, qm
/// 8 or 9). Any violation fails the file, as in procfs.
core::Result<XfsStats> parse_xfs_stats(std::string_view text);

class XfsCollector final : public Collector {
 public:
  explicit XfsCollector(core::HostPaths paths) : paths_(std::move(paths)) {}
  std::string_view name() const override { return "xfs"; }
  /// No /sys/fs/xfs (no XFS mounted, or no xfs module): nothing, success.
  core::Status collect(core::SampleSink& out) override;

 private:
  core::HostPaths paths_;
};

std::unique_ptr<Collector> make_xfs(const CollectorContext& ctx);

}  // namespace sonde::collectors
