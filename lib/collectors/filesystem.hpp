// The filesystem collector: node_exporter 1.5.0's node_filesystem_{size,free,avail}_bytes,
// _files, _files_free, _readonly and _device_error{device,fstype,mountpoint} for each mount in
// <procfs>/1/mounts (or <procfs>/mounts where PID 1's is hidden), measured with statfs under
// host.rootfs.
//
// statfs on a mount whose server is gone (NFS, CIFS, FUSE) can block for ever in the kernel, and
// node_exporter's scrapes then hang. Here every statfs runs on a core::BlockingPool with key
// "mount:<mount point>", and collect() waits for all of them up to one deadline
// (statfs_timeout). A mount whose call has not returned by then, or whose earlier call is still
// stuck (key_busy), gets node_filesystem_device_error 1 and no other series; it holds at most one
// stuck worker, and nothing else waits for it. The collector's own strand waits at most
// statfs_timeout per collect; /metrics never waits (it reads the board).
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "collectors/collector.hpp"
#include "collectors/pattern.hpp"
#include "core/blocking_pool.hpp"

namespace sonde::collectors {

struct MountEntry {
  std::string device;
  std::string mount_point;  // octal escapes (\040 space, \011 tab, \012 newline, \134 \) decoded
  std::string fs_type;
  std::string options;
};

struct Mounts {
  std::vector<MountEntry> entries;  // in file order
  std::size_t errors = 0;           // lines with fewer than 4 fields
};

/// Format (proc(5), /proc/[pid]/mounts, as fstab(5)): device, mount point, type, options, and two
/// unused numbers, blank-separated; blanks and backslashes inside fields are octal-escaped.
Mounts parse_mounts(std::string_view text);

/// node_exporter's mountPointDetails: PID 1's mount table (the host's, from inside a container
/// with the host's PID namespace), or the reader's own (<procfs>/mounts) where hidepid hides
/// PID 1's.
core::Result<std::string> read_mount_table(const core::HostPaths& paths);
/// node_exporter's rootfsStripPrefix: with host.rootfs at /host, PID 1's "/host/data" is the
/// host's "/data" (and "/host" itself is "/").
std::string strip_rootfs(const std::filesystem::path& root, const std::string& mount_point);
/// node_exporter's rootfsFilePath: where to reach a host mount point from here, the same path
/// under host.rootfs.
std::string under_root(const std::filesystem::path& root, const std::string& mount_point);

/// What statfs(2) says about a filesystem, in the fields node_exporter uses.
struct FsStats {
  std::uint64_t blocks = 0;
  std::uint64_t bfree = 0;
  std::uint64_t bavail = 0;
  std::uint64_t files = 0;
  std::uint64_t ffree = 0;
  std::uint64_t bsize = 0;
};

/// statfs(path) → 0 and `out` filled, or an errno value. Called on a BlockingPool worker; may
/// block for ever; must be thread-safe.
using StatfsFn = std::function<int(const std::string& path, FsStats& out)>;
/// The real one: ::statfs, retried on EINTR.
int system_statfs(const std::string& path, FsStats& out);

class FilesystemCollector final : public Collector {
 public:
  /// `pool` runs the statfs calls and should outlive reloads (so a stuck mount keeps holding one
  /// worker rather than one per collector generation); null gives the collector its own.
  FilesystemCollector(core::HostPaths paths, const collectors::FilesystemOptions& options,
                      std::shared_ptr<core::BlockingPool> pool, StatfsFn statfs = system_statfs);
  std::string_view name() const override { return "filesystem"; }
  core::Status collect(core::SampleSink& out) override;

 private:
  /// What one statfs call writes; shared with the worker, which may outlive the collect.
  struct Slot {
    FsStats stats;
    int err = 0;
  };
  std::shared_ptr<core::BlockingPool::Call> submit(const std::string& mount_point,
                                                   std::shared_ptr<Slot> slot);

  core::HostPaths paths_;
  Pattern mount_points_exclude_;
  Pattern fs_types_exclude_;
  core::Millis timeout_;
  std::shared_ptr<core::BlockingPool> pool_;
  StatfsFn statfs_;
  std::set<std::string> unresponsive_;  // mount points last seen stuck: logged once each way
};

/// Workers for the statfs pool when the collector makes its own: each hung mount holds one.
inline constexpr std::size_t kStatfsWorkers = 8;

std::unique_ptr<Collector> make_filesystem(const CollectorContext& ctx);

}  // namespace sonde::collectors
