// Options of the host collectors added with issue 3 (diskstats, netdev, filesystem, pressure)
// and issue 14 (netstat, arp).
// Defaults are node_exporter 1.5.0's (upstream's, not Debian's patched ones: Debian's package
// also excludes lo from netdev and /run, /mnt, /media from filesystem).
// Included by core/options.hpp (between CollectorOptions and CollectorsOptions); include that.
#pragma once

#include <string>

namespace sonde::core {

/// node_exporter 1.5.0's --collector.diskstats.device-exclude: partitions of disks already
/// counted whole, RAM disks, loop devices and floppies.
inline constexpr const char* kDiskstatsDefaultExclude =
    R"(^(ram|loop|fd|(h|s|v|xv)d[a-z]|nvme\d+n\d+p)\d+$)";

struct DiskstatsOptions : CollectorOptions {
  std::string device_exclude = kDiskstatsDefaultExclude;  // regex; empty = exclude nothing
  std::string device_include;  // regex; when set, only matching devices (excludes device_exclude)
};

struct NetdevOptions : CollectorOptions {
  std::string device_include;  // regex; mutually exclusive with device_exclude
  std::string device_exclude;  // regex; empty = every device, as upstream node_exporter
};

/// node_exporter 1.5.0's --collector.filesystem.mount-points-exclude.
inline constexpr const char* kFilesystemDefaultMountPointsExclude =
    R"(^/(dev|proc|run/credentials/.+|sys|var/lib/docker/.+|var/lib/containers/storage/.+)($|/))";
/// node_exporter 1.5.0's --collector.filesystem.fs-types-exclude.
inline constexpr const char* kFilesystemDefaultFsTypesExclude =
    "^(autofs|binfmt_misc|bpf|cgroup2?|configfs|debugfs|devpts|devtmpfs|fusectl|hugetlbfs|"
    "iso9660|mqueue|nsfs|overlay|proc|procfs|pstore|rpc_pipefs|securityfs|selinuxfs|squashfs|"
    "sysfs|tracefs)$";

struct FilesystemOptions : CollectorOptions {
  std::string mount_points_exclude = kFilesystemDefaultMountPointsExclude;  // regex
  std::string fs_types_exclude = kFilesystemDefaultFsTypesExclude;          // regex
  /// One deadline for every statfs of one collect; a mount still in statfs after it gets
  /// node_filesystem_device_error 1 (node_exporter's --collector.filesystem.mount-timeout is 5s,
  /// but there it only decides when to log; here it bounds how long a collect can take).
  Millis statfs_timeout{1'000};
};

/// node_exporter 1.5.0's --collector.netstat.fields.
inline constexpr const char* kNetstatDefaultFields =
    "^(.*_(InErrors|InErrs)|Ip_Forwarding|Ip(6|Ext)_(InOctets|OutOctets)|Icmp6?_(InMsgs|OutMsgs)|"
    "TcpExt_(Listen.*|Syncookies.*|TCPSynRetrans|TCPTimeouts)|Tcp_(ActiveOpens|InSegs|OutSegs|"
    "OutRsts|PassiveOpens|RetransSegs|CurrEstab)|Udp6?_(InDatagrams|OutDatagrams|NoPorts|"
    "RcvbufErrors|SndbufErrors))$";

struct NetstatOptions : CollectorOptions {
  std::string fields = kNetstatDefaultFields;  // regex (RE2, unanchored) over <Protocol>_<Field>
};

struct ArpOptions : CollectorOptions {
  std::string device_include;  // regex; mutually exclusive with device_exclude
  std::string device_exclude;  // regex; empty = every device, as node_exporter
};

struct TextfileOptions : CollectorOptions {
  /// Directory (or glob of directories) of *.prom files; empty = none read, as node_exporter's
  /// --collector.textfile.directory default (Debian's package sets
  /// /var/lib/prometheus/node-exporter).
  std::string directory;
};

}  // namespace sonde::core
