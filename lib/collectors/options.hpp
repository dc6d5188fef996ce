// Options of the host collectors (config section `collectors`): each collector's struct, its
// defaults and its key table, together. lib/config reads every section generically from these
// tables (kSections, and each struct's keys()), so a collector with options is added here, in its
// own file and in registry.cpp, never in lib/config. Header-only, as lib/config includes it.
//
// Defaults are node_exporter 1.5.0's (upstream's, not Debian's patched ones: Debian's package
// also excludes lo from netdev and /run, /mnt, /media from filesystem).
#pragma once

#include <chrono>
#include <span>
#include <string>
#include <string_view>
#include <tuple>

namespace sonde::collectors {

using Millis = std::chrono::milliseconds;

/// One row of a key table: the YAML key, the member it fills, and what a valid value is.
/// The member's type says how the value is read: bool (true/false), Millis (a Prometheus
/// duration), std::string (a string; a regular expression when `regex`).
template <class O, class T>
struct Key {
  std::string_view name;
  T O::*member;
  /// Durations: the shortest and longest accepted.
  Millis min{0};
  Millis max = Millis::max();
  /// Strings: a regular expression (RE2 syntax, as core::Regex compiles it); one that does not
  /// compile is a config error with file:line:column.
  bool regex = false;
  /// For node_exporter's include/exclude pairs, on the include key: the exclude key's name.
  /// Setting this key alone empties the other's default; setting both non-empty is an error.
  std::string_view alternative = {};
  /// Strings: an absolute path (glob characters allowed), or empty.
  bool absolute_path = false;
  /// Strings: when not empty, a comma-separated list of these words (empty entries skipped, as
  /// node_exporter's list flags); any other word is a config error.
  std::span<const std::string_view> words = {};
};

template <class O>
constexpr Key<O, bool> flag(std::string_view name, bool O::*member) {
  return {name, member};
}
template <class O>
constexpr Key<O, Millis> duration(std::string_view name, Millis O::*member, Millis min,
                                  Millis max = Millis::max()) {
  return {name, member, min, max};
}
template <class O>
constexpr Key<O, std::string> regex(std::string_view name, std::string O::*member,
                                    std::string_view alternative = {}) {
  return {name, member, Millis{0}, Millis::max(), true, alternative};
}

template <class O>
constexpr Key<O, std::string> path_or_empty(std::string_view name, std::string O::*member) {
  return {name, member, Millis{0}, Millis::max(), false, {}, true};
}

template <class O>
constexpr Key<O, std::string> word_list(std::string_view name, std::string O::*member,
                                        std::span<const std::string_view> words) {
  return {name, member, Millis{0}, Millis::max(), false, {}, false, words};
}

/// Shorter timers would make a collector a busy loop (node_exporter has no timers; Prometheus's
/// own minimum useful scrape interval is about 1s).
inline constexpr Millis kMinInterval{1'000};

/// What every collector has.
struct CollectorOptions {
  bool enabled = true;
  Millis interval{5'000};
  bool operator==(const CollectorOptions&) const = default;

  /// The keys of a collector with only these options; `O` is the section's struct.
  template <class O = CollectorOptions>
  static constexpr auto common_keys() {
    return std::tuple{flag<O>("enabled", &O::enabled),
                      duration<O>("interval", &O::interval, kMinInterval)};
  }
  static constexpr auto keys() { return common_keys(); }
};

struct CpuOptions : CollectorOptions {
  bool guest = true;  // node_cpu_guest_seconds_total, as node_exporter's --collector.cpu.guest
  bool info = false;  // node_cpu_info from /proc/cpuinfo, as --collector.cpu.info
  /// Regexes of the flags and bugs published in node_cpu_flag_info / node_cpu_bug_info
  /// (--collector.cpu.info.flags-include, .bugs-include); setting one turns `info` on, as there.
  std::string flags_include;
  std::string bugs_include;
  bool operator==(const CpuOptions&) const = default;
  static constexpr auto keys() {
    using O = CpuOptions;
    return std::tuple_cat(common_keys<O>(),
                          std::tuple{flag<O>("guest", &O::guest), flag<O>("info", &O::info),
                                     regex<O>("flags_include", &O::flags_include),
                                     regex<O>("bugs_include", &O::bugs_include)});
  }
};

struct StatOptions : CollectorOptions {
  bool softirq = false;  // node_softirqs_total{vector}, off by default as in node_exporter
  bool operator==(const StatOptions&) const = default;
  static constexpr auto keys() {
    return std::tuple_cat(common_keys<StatOptions>(),
                          std::tuple{flag<StatOptions>("softirq", &StatOptions::softirq)});
  }
};

/// node_exporter 1.5's default --collector.vmstat.fields.
inline constexpr const char* kVmstatDefaultFields = "^(oom_kill|pgpg|pswp|pg.*fault).*";

struct VmstatOptions : CollectorOptions {
  std::string fields = kVmstatDefaultFields;  // regex over /proc/vmstat field names
  bool operator==(const VmstatOptions&) const = default;
  static constexpr auto keys() {
    return std::tuple_cat(common_keys<VmstatOptions>(),
                          std::tuple{regex<VmstatOptions>("fields", &VmstatOptions::fields)});
  }
};

/// node_exporter 1.5.0's --collector.diskstats.device-exclude: partitions of disks already
/// counted whole, RAM disks, loop devices and floppies.
inline constexpr const char* kDiskstatsDefaultExclude =
    R"(^(ram|loop|fd|(h|s|v|xv)d[a-z]|nvme\d+n\d+p)\d+$)";

struct DiskstatsOptions : CollectorOptions {
  std::string device_exclude = kDiskstatsDefaultExclude;  // regex; empty = exclude nothing
  std::string device_include;  // regex; when set, only matching devices (excludes device_exclude)
  bool operator==(const DiskstatsOptions&) const = default;
  static constexpr auto keys() {
    using O = DiskstatsOptions;
    return std::tuple_cat(common_keys<O>(),
                          std::tuple{regex<O>("device_include", &O::device_include,
                                              /*alternative=*/"device_exclude"),
                                     regex<O>("device_exclude", &O::device_exclude)});
  }
};

struct NetdevOptions : CollectorOptions {
  std::string device_include;  // regex; mutually exclusive with device_exclude
  std::string device_exclude;  // regex; empty = every device, as upstream node_exporter
  bool operator==(const NetdevOptions&) const = default;
  static constexpr auto keys() {
    using O = NetdevOptions;
    return std::tuple_cat(common_keys<O>(),
                          std::tuple{regex<O>("device_include", &O::device_include,
                                              /*alternative=*/"device_exclude"),
                                     regex<O>("device_exclude", &O::device_exclude)});
  }
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
  bool operator==(const FilesystemOptions&) const = default;
  static constexpr auto keys() {
    using O = FilesystemOptions;
    // statfs deadline: long enough for a healthy NFS server across a WAN, short enough that a
    // collect on a host with a hung mount still finishes well inside any sensible interval.
    return std::tuple_cat(
        common_keys<O>(),
        std::tuple{regex<O>("mount_points_exclude", &O::mount_points_exclude),
                   regex<O>("fs_types_exclude", &O::fs_types_exclude),
                   duration<O>("statfs_timeout", &O::statfs_timeout, Millis{10}, Millis{60'000})});
  }
};

/// node_exporter 1.5.0's --collector.netstat.fields.
inline constexpr const char* kNetstatDefaultFields =
    "^(.*_(InErrors|InErrs)|Ip_Forwarding|Ip(6|Ext)_(InOctets|OutOctets)|Icmp6?_(InMsgs|OutMsgs)|"
    "TcpExt_(Listen.*|Syncookies.*|TCPSynRetrans|TCPTimeouts)|Tcp_(ActiveOpens|InSegs|OutSegs|"
    "OutRsts|PassiveOpens|RetransSegs|CurrEstab)|Udp6?_(InDatagrams|OutDatagrams|NoPorts|"
    "RcvbufErrors|SndbufErrors))$";

struct NetstatOptions : CollectorOptions {
  std::string fields = kNetstatDefaultFields;  // regex over <Protocol>_<Field>
  bool operator==(const NetstatOptions&) const = default;
  static constexpr auto keys() {
    return std::tuple_cat(common_keys<NetstatOptions>(),
                          std::tuple{regex<NetstatOptions>("fields", &NetstatOptions::fields)});
  }
};

struct ArpOptions : CollectorOptions {
  std::string device_include;  // regex; mutually exclusive with device_exclude
  std::string device_exclude;  // regex; empty = every device, as node_exporter
  bool operator==(const ArpOptions&) const = default;
  static constexpr auto keys() {
    using O = ArpOptions;
    return std::tuple_cat(common_keys<O>(),
                          std::tuple{regex<O>("device_include", &O::device_include,
                                              /*alternative=*/"device_exclude"),
                                     regex<O>("device_exclude", &O::device_exclude)});
  }
};

struct TextfileOptions : CollectorOptions {
  /// Directory (or glob of directories) of *.prom files; empty = none read, as node_exporter's
  /// --collector.textfile.directory default (Debian's package sets
  /// /var/lib/prometheus/node-exporter). Absolute: the daemon's working directory is no anchor.
  std::string directory;
  bool operator==(const TextfileOptions&) const = default;
  static constexpr auto keys() {
    using O = TextfileOptions;
    return std::tuple_cat(common_keys<O>(),
                          std::tuple{path_or_empty<O>("directory", &O::directory)});
  }
};

/// The labels node_exporter 1.5's ipvs collector can put on its backend series, in the order it
/// declares them (--collector.ipvs.backend-labels' default is all of them, in this order).
inline constexpr std::string_view kIpvsBackendLabels[] = {
    "local_address", "local_port", "remote_address", "remote_port", "proto", "local_mark"};
inline constexpr const char* kIpvsDefaultBackendLabels =
    "local_address,local_port,remote_address,remote_port,proto,local_mark";

struct IpvsOptions : CollectorOptions {
  /// Comma-separated subset of kIpvsBackendLabels (--collector.ipvs.backend-labels): backends
  /// that agree on these labels are summed into one series. Empty = one series, no labels.
  std::string backend_labels = kIpvsDefaultBackendLabels;
  bool operator==(const IpvsOptions&) const = default;
  static constexpr auto keys() {
    using O = IpvsOptions;
    return std::tuple_cat(
        common_keys<O>(),
        std::tuple{word_list<O>("backend_labels", &O::backend_labels, kIpvsBackendLabels)});
  }
};

// Issue 15 (sysfs collectors, part A): the options of netclass, powersupplyclass and rapl.

struct NetclassOptions : CollectorOptions {
  /// --collector.netclass.ignored-devices (default "^$": none); RE2, searched unanchored.
  std::string device_exclude;
  /// --collector.netclass.ignore-invalid-speed: leave out node_network_speed_bytes of devices
  /// whose driver reports a negative speed (-1: unknown).
  bool ignore_invalid_speed = false;
  bool operator==(const NetclassOptions&) const = default;
  static constexpr auto keys() {
    using O = NetclassOptions;
    return std::tuple_cat(common_keys<O>(),
                          std::tuple{regex<O>("device_exclude", &O::device_exclude),
                                     flag<O>("ignore_invalid_speed", &O::ignore_invalid_speed)});
  }
};

struct PowerSupplyClassOptions : CollectorOptions {
  /// --collector.powersupply.ignored-supplies (default "^$": none); RE2, searched unanchored.
  std::string device_exclude;
  bool operator==(const PowerSupplyClassOptions&) const = default;
  static constexpr auto keys() {
    using O = PowerSupplyClassOptions;
    return std::tuple_cat(common_keys<O>(),
                          std::tuple{regex<O>("device_exclude", &O::device_exclude)});
  }
};

// Issue 15 (sysfs collectors, part B): the options of bcache and tapestats.

struct BcacheOptions : CollectorOptions {
  /// node_bcache_priority_stats_*, from each cache's priority_stats (node_exporter's
  /// --collector.bcache.priorityStats, off by default: the kernel walks every bucket for it).
  bool priority_stats = false;
  bool operator==(const BcacheOptions&) const = default;
  static constexpr auto keys() {
    using O = BcacheOptions;
    return std::tuple_cat(common_keys<O>(),
                          std::tuple{flag<O>("priority_stats", &O::priority_stats)});
  }
};

/// node_exporter 1.5.0's --collector.tapestats.ignored-devices.
inline constexpr const char* kTapestatsDefaultDeviceExclude = "^$";

struct TapestatsOptions : CollectorOptions {
  std::string device_exclude = kTapestatsDefaultDeviceExclude;  // regex; empty = exclude nothing
  bool operator==(const TapestatsOptions&) const = default;
  static constexpr auto keys() {
    using O = TapestatsOptions;
    return std::tuple_cat(common_keys<O>(),
                          std::tuple{regex<O>("device_exclude", &O::device_exclude)});
  }
};

struct RaplOptions : CollectorOptions {
  /// --collector.rapl.enable-zone-label: one family node_rapl_joules_total{index,path,rapl_zone}
  /// instead of node_rapl_<zone>_joules_total{index,path}.
  bool zone_label = false;
  bool operator==(const RaplOptions&) const = default;
  static constexpr auto keys() {
    using O = RaplOptions;
    return std::tuple_cat(common_keys<O>(), std::tuple{flag<O>("zone_label", &O::zone_label)});
  }
};

struct CollectorsOptions {
  CpuOptions cpu;
  CollectorOptions meminfo;
  CollectorOptions loadavg;
  StatOptions stat;
  VmstatOptions vmstat;
  CollectorOptions uname;
  CollectorOptions time;
  CollectorOptions self;  // process_* and sonde_build_info, read from this process's own /proc
  DiskstatsOptions diskstats;
  NetdevOptions netdev;
  FilesystemOptions filesystem;
  CollectorOptions pressure;
  NetstatOptions netstat;
  CollectorOptions sockstat;
  CollectorOptions filefd;
  CollectorOptions entropy;
  CollectorOptions conntrack;
  CollectorOptions softnet;
  CollectorOptions udp_queues;
  ArpOptions arp;
  CollectorOptions schedstat;
  TextfileOptions textfile;
  CollectorOptions timex;  // adjtimex(2), read only
  CollectorOptions mdadm;  // /proc/mdstat
  CollectorOptions nfs;    // /proc/net/rpc/nfs (NFS client)
  CollectorOptions nfsd;   // /proc/net/rpc/nfsd (NFS server)
  IpvsOptions ipvs;        // /proc/net/ip_vs, /proc/net/ip_vs_stats
  CollectorOptions zfs;    // /proc/spl/kstat/zfs
  // Issue 15, part A: /sys collectors and the os-release one.
  CollectorOptions cpufreq;                  // /sys/devices/system/cpu/cpu*/cpufreq
  CollectorOptions dmi;                      // /sys/class/dmi/id
  CollectorOptions edac;                     // /sys/devices/system/edac/mc
  CollectorOptions hwmon;                    // /sys/class/hwmon
  NetclassOptions netclass;                  // /sys/class/net
  CollectorOptions os;                       // <rootfs>/etc/os-release
  PowerSupplyClassOptions powersupplyclass;  // /sys/class/power_supply
  RaplOptions rapl;                          // /sys/class/powercap
  CollectorOptions selinux;                  // <sysfs>/fs/selinux
  CollectorOptions thermal_zone;             // /sys/class/thermal
  // issue 15, sysfs part B
  BcacheOptions bcache;           // /sys/fs/bcache
  CollectorOptions bonding;       // /sys/class/net/bonding_masters
  CollectorOptions btrfs;         // /sys/fs/btrfs
  CollectorOptions fibrechannel;  // /sys/class/fc_host
  CollectorOptions infiniband;    // /sys/class/infiniband
  CollectorOptions nvme;          // /sys/class/nvme
  TapestatsOptions tapestats;     // /sys/class/scsi_tape
  CollectorOptions xfs;           // /sys/fs/xfs
  bool operator==(const CollectorsOptions&) const = default;
};

/// One collector's section under `collectors`: its key and its options; the section's keys are
/// its struct's keys().
template <class O>
struct Section {
  std::string_view name;
  O CollectorsOptions::*member;
};

/// Every section under `collectors`, in the order the loader lists them in errors.
inline constexpr auto kSections = std::tuple{
    Section<CpuOptions>{"cpu", &CollectorsOptions::cpu},
    Section<CollectorOptions>{"meminfo", &CollectorsOptions::meminfo},
    Section<CollectorOptions>{"loadavg", &CollectorsOptions::loadavg},
    Section<StatOptions>{"stat", &CollectorsOptions::stat},
    Section<VmstatOptions>{"vmstat", &CollectorsOptions::vmstat},
    Section<CollectorOptions>{"uname", &CollectorsOptions::uname},
    Section<CollectorOptions>{"time", &CollectorsOptions::time},
    Section<CollectorOptions>{"self", &CollectorsOptions::self},
    Section<DiskstatsOptions>{"diskstats", &CollectorsOptions::diskstats},
    Section<NetdevOptions>{"netdev", &CollectorsOptions::netdev},
    Section<FilesystemOptions>{"filesystem", &CollectorsOptions::filesystem},
    Section<CollectorOptions>{"pressure", &CollectorsOptions::pressure},
    Section<NetstatOptions>{"netstat", &CollectorsOptions::netstat},
    Section<CollectorOptions>{"sockstat", &CollectorsOptions::sockstat},
    Section<CollectorOptions>{"filefd", &CollectorsOptions::filefd},
    Section<CollectorOptions>{"entropy", &CollectorsOptions::entropy},
    Section<CollectorOptions>{"conntrack", &CollectorsOptions::conntrack},
    Section<CollectorOptions>{"softnet", &CollectorsOptions::softnet},
    Section<CollectorOptions>{"udp_queues", &CollectorsOptions::udp_queues},
    Section<ArpOptions>{"arp", &CollectorsOptions::arp},
    Section<CollectorOptions>{"schedstat", &CollectorsOptions::schedstat},
    Section<TextfileOptions>{"textfile", &CollectorsOptions::textfile},
    Section<CollectorOptions>{"timex", &CollectorsOptions::timex},
    Section<CollectorOptions>{"mdadm", &CollectorsOptions::mdadm},
    Section<CollectorOptions>{"nfs", &CollectorsOptions::nfs},
    Section<CollectorOptions>{"nfsd", &CollectorsOptions::nfsd},
    Section<IpvsOptions>{"ipvs", &CollectorsOptions::ipvs},
    Section<CollectorOptions>{"zfs", &CollectorsOptions::zfs},
    // Issue 15, part A.
    Section<CollectorOptions>{"cpufreq", &CollectorsOptions::cpufreq},
    Section<CollectorOptions>{"dmi", &CollectorsOptions::dmi},
    Section<CollectorOptions>{"edac", &CollectorsOptions::edac},
    Section<CollectorOptions>{"hwmon", &CollectorsOptions::hwmon},
    Section<NetclassOptions>{"netclass", &CollectorsOptions::netclass},
    Section<CollectorOptions>{"os", &CollectorsOptions::os},
    Section<PowerSupplyClassOptions>{"powersupplyclass", &CollectorsOptions::powersupplyclass},
    Section<RaplOptions>{"rapl", &CollectorsOptions::rapl},
    Section<CollectorOptions>{"selinux", &CollectorsOptions::selinux},
    Section<CollectorOptions>{"thermal_zone", &CollectorsOptions::thermal_zone},
    // issue 15, sysfs part B
    Section<BcacheOptions>{"bcache", &CollectorsOptions::bcache},
    Section<CollectorOptions>{"bonding", &CollectorsOptions::bonding},
    Section<CollectorOptions>{"btrfs", &CollectorsOptions::btrfs},
    Section<CollectorOptions>{"fibrechannel", &CollectorsOptions::fibrechannel},
    Section<CollectorOptions>{"infiniband", &CollectorsOptions::infiniband},
    Section<CollectorOptions>{"nvme", &CollectorsOptions::nvme},
    Section<TapestatsOptions>{"tapestats", &CollectorsOptions::tapestats},
    Section<CollectorOptions>{"xfs", &CollectorsOptions::xfs},
};

}  // namespace sonde::collectors
