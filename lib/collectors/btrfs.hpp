// The btrfs collector: node_exporter 1.5.0's node_btrfs_* families from /sys/fs/btrfs/<uuid>,
// read as prometheus/procfs 0.8.0's btrfs package does, and per-device sizes and error counters
// from ioctls on each mounted btrfs (node_exporter's getIoctlStats, over dennwc/btrfs):
// BTRFS_IOC_FS_INFO, then BTRFS_IOC_DEV_INFO and BTRFS_IOC_GET_DEV_STATS for each device id.
// Mounts come from the mount table the filesystem collector reads, reached under host.rootfs. A
// filesystem whose ioctls fail (not root, no mount, a timeout) gets the sysfs fallback
// node_exporter publishes then: node_btrfs_device_size_bytes{device} from devices/<name>/size.
//
// An ioctl on a filesystem whose device is gone can block in the kernel. Each device's mounts
// are asked on a core::BlockingPool worker keyed "btrfs:<device>", and collect() waits for all
// of them up to one deadline (sysfs::kDriverReadTimeout): a device that has not answered by then
// gets the sysfs fallback for that attempt, holds at most one stuck worker, and is not asked
// again while its call is stuck.
#pragma once

#include <array>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "collectors/collector.hpp"
#include "core/blocking_pool.hpp"

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

// ---- ioctls (include/uapi/linux/btrfs.h), in the fields node_exporter uses ----

/// BTRFS_IOC_FS_INFO.
struct BtrfsFsInfo {
  std::uint64_t max_id = 0;
  std::uint64_t num_devices = 0;
  std::array<std::uint8_t, 16> fsid{};
};
/// BTRFS_IOC_DEV_INFO for one device id.
struct BtrfsDevInfo {
  std::array<std::uint8_t, 16> uuid{};
  std::uint64_t bytes_used = 0;
  std::uint64_t total_bytes = 0;
  std::string path;  // up to the first NUL of the kernel's 1024 bytes
};
/// BTRFS_IOC_GET_DEV_STATS for one device id: write, read, flush, corruption and generation
/// errors (enum btrfs_dev_stat_values).
struct BtrfsDevStats {
  std::array<std::uint64_t, 5> values{};
};

/// One opened btrfs mount point. Each call returns 0 or an errno value. Used from one
/// BlockingPool worker at a time; may block for as long as the kernel does.
class BtrfsMount {
 public:
  virtual ~BtrfsMount() = default;
  virtual int fs_info(BtrfsFsInfo& out) = 0;
  virtual int dev_info(std::uint64_t devid, BtrfsDevInfo& out) = 0;
  virtual int dev_stats(std::uint64_t devid, BtrfsDevStats& out) = 0;
};

/// Opens `path` (a mount point under host.rootfs) for the ioctls, or says why not. Called on a
/// BlockingPool worker; must be thread-safe.
using BtrfsOpener =
    std::function<core::Result<std::unique_ptr<BtrfsMount>>(const std::string& path)>;
/// dennwc/btrfs's Open(path, ro=true): the path must be a btrfs subvolume root (stat: a
/// directory with inode 256; statfs: BTRFS_SUPER_MAGIC), opened O_RDONLY|O_NOATIME (which needs
/// the owner's uid or CAP_FOWNER, so an unprivileged sonde gets the sysfs fallback, as
/// node_exporter does). The ioctls are the kernel's.
core::Result<std::unique_ptr<BtrfsMount>> open_btrfs_mount(const std::string& path);

/// One device as node_exporter's btrfsIoctlFsDevStats holds it.
struct BtrfsIoctlDevice {
  std::string path;  // DEV_INFO's path (the label is its last element)
  std::array<std::uint8_t, 16> uuid{};
  std::uint64_t bytes_used = 0;
  std::uint64_t total_bytes = 0;
  BtrfsDevStats stats;
};

/// Bounds the device id walk (node_exporter walks 0..max_id whatever max_id says; btrfs device
/// ids are small: one per device ever added to the filesystem).
inline constexpr std::uint64_t kMaxBtrfsDevid = 65535;

/// node_exporter's getIoctlDeviceStats: DEV_INFO and GET_DEV_STATS for ids 0..max_id, skipping
/// the ids DEV_INFO answers ENODEV for (ids have gaps), stopping once num_devices were found.
/// Any other error fails the whole filesystem (its errno is returned).
core::Result<std::vector<BtrfsIoctlDevice>, int> query_btrfs_devices(BtrfsMount& mount,
                                                                     const BtrfsFsInfo& info);

/// FSID.String(): 32 lower-case hex digits (a sysfs UUID without its dashes).
std::string btrfs_fsid_string(const std::array<std::uint8_t, 16>& id);
/// dennwc's UUID.String(): 8-4-4-4-12 lower-case hex, "<zero>" for the all-zero UUID.
std::string btrfs_uuid_string(const std::array<std::uint8_t, 16>& id);

/// What one mounted filesystem's ioctls gave, by FSID.String().
using BtrfsIoctlStats = std::map<std::string, std::vector<BtrfsIoctlDevice>>;

/// Publishes one filesystem as node_exporter 1.5.0's getMetrics does. Pure. `devices` is what
/// the ioctls gave for it (matched by its UUID without dashes), or null for the sysfs fallback.
/// Returns the number of devices left out because their series would repeat an earlier one's
/// (two device paths with one last element).
std::size_t publish_btrfs(const BtrfsFilesystem& fs, const std::vector<BtrfsIoctlDevice>* devices,
                          core::SampleSink& out);

class BtrfsCollector final : public Collector {
 public:
  /// `pool` runs the ioctls and should outlive reloads; null gives the collector its own.
  BtrfsCollector(core::HostPaths paths, std::shared_ptr<core::BlockingPool> pool,
                 BtrfsOpener opener = open_btrfs_mount);
  std::string_view name() const override { return "btrfs"; }
  core::Status collect(core::SampleSink& out) override;

 private:
  /// node_exporter's getIoctlStats over the mount table; empty when the table cannot be read.
  BtrfsIoctlStats ioctl_stats();

  core::HostPaths paths_;
  std::shared_ptr<core::BlockingPool> pool_;
  BtrfsOpener opener_;
  std::set<std::string> unresponsive_;  // devices last seen stuck: logged once each way
};

std::unique_ptr<Collector> make_btrfs(const CollectorContext& ctx);

}  // namespace sonde::collectors
