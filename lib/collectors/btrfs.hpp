// The btrfs collector: node_exporter 1.5.0's node_btrfs_* families from /sys/fs/btrfs/<uuid>,
// read as prometheus/procfs 0.8.0's btrfs package does. node_exporter also asks each mounted
// btrfs for per-device sizes and error counters through ioctls (BTRFS_IOC_DEV_INFO,
// BTRFS_IOC_GET_DEV_STATS); sonde does not (yet): it publishes the sysfs fallback that
// node_exporter publishes when those ioctls fail (device_size_bytes{device}, no
// device_unused_bytes, no device_errors_total).
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "collectors/collector.hpp"

namespace sonde::collectors {

struct BtrfsLayout {
  std::uint64_t used_bytes = 0, total_bytes = 0;
  double ratio = 0;
};

struct BtrfsAllocation {
  std::uint64_t reserved_bytes = 0;
  std::map<std::string, BtrfsLayout> layouts;  // the subdirectories (single, dup, raid1, ...)
};

struct BtrfsFilesystem {
  std::string uuid;  // metadata_uuid, else the directory's name
  std::string label;
  std::uint64_t global_rsv_size = 0;
  BtrfsAllocation data, metadata, system;
  std::map<std::string, std::uint64_t> device_sizes;  // devices/<name>/size × 512
};

/// Every filesystem under <sysfs>/fs/btrfs whose name has a '-'. procfs's reader quirks are
/// kept: a value that is no number reads as 0; a read error other than ENOENT, or a listing
/// that fails, zeroes the values read after it; and only the last allocation directory's error
/// (allocation/system) fails a filesystem, since each allocation reader replaces the error.
core::Result<std::vector<BtrfsFilesystem>> read_btrfs(const std::filesystem::path& sysfs);

class BtrfsCollector final : public Collector {
 public:
  explicit BtrfsCollector(core::HostPaths paths) : paths_(std::move(paths)) {}
  std::string_view name() const override { return "btrfs"; }
  core::Status collect(core::SampleSink& out) override;

 private:
  core::HostPaths paths_;
};

std::unique_ptr<Collector> make_btrfs(const CollectorContext& ctx);

}  // namespace sonde::collectors
