#include "collectors/btrfs.hpp"

#include <fcntl.h>
#include <linux/btrfs.h>
#include <linux/magic.h>
#include <spdlog/spdlog.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <utility>

#include "collectors/filesystem.hpp"
#include "collectors/hwmon.hpp"
#include "collectors/sysfs_attr.hpp"
#include "collectors/text_fields.hpp"

namespace sonde::collectors {

namespace {

/// procfs's btrfs reader: `err` sticks for readValue (later values read 0) but readFile and
/// listFiles go on, and a sub-reader's error replaces its parent's.
struct Reader {
  std::filesystem::path path;
  std::optional<std::string> err;
  std::size_t dev_count = 0;

  std::string read_file(const std::filesystem::path& rel) {
    const auto p = path / rel;
    auto r = sysfs::read_trimmed(p);
    if (!r.ok() && r.err != ENOENT) err = sysfs::describe(p, r.err);
    return std::move(r.value);
  }
  std::uint64_t read_value(const std::filesystem::path& rel) {
    const std::string s = read_file(rel);
    if (err) return 0;
    return text::parse_u64(s).value_or(0);  // strconv.ParseUint's error is ignored
  }
  std::vector<std::string> list_files(const std::filesystem::path& rel) {
    auto l = sysfs::list_dir(path / rel);
    if (!l.ok()) {
      err = sysfs::describe(path / rel, l.err);
      return {};
    }
    std::vector<std::string> names;
    for (auto& e : l.entries) names.push_back(std::move(e.name));
    return names;
  }
  double ratio(std::string_view mode) const {
    const double n = static_cast<double>(dev_count);
    if (mode == "single" || mode == "raid0") return 1;
    if (mode == "dup" || mode == "raid1" || mode == "raid10") return 2;
    if (mode == "raid5") return n / (n - 1);
    if (mode == "raid6") return n / (n - 2);
    return 0;
  }
  BtrfsAllocation allocation(const std::filesystem::path& rel) {
    Reader sub;
    sub.path = path / rel;
    sub.dev_count = dev_count;
    BtrfsAllocation a;
    // procfs reads every value of the directory, in this order; node_exporter publishes one.
    for (const char* f : {"bytes_may_use", "bytes_pinned", "bytes_readonly"}) sub.read_value(f);
    a.reserved_bytes = sub.read_value("bytes_reserved");
    for (const char* f :
         {"bytes_used", "disk_used", "disk_total", "flags", "total_bytes", "total_bytes_pinned"}) {
      sub.read_value(f);
    }
    auto l = sysfs::list_dir(sub.path);
    if (!l.ok()) {
      sub.err = sysfs::describe(sub.path, l.err);
    } else {
      for (const auto& e : l.entries) {
        if (e.type != sysfs::EntryType::directory) continue;
        BtrfsLayout layout;
        layout.total_bytes = sub.read_value(std::filesystem::path(e.name) / "total_bytes");
        layout.used_bytes = sub.read_value(std::filesystem::path(e.name) / "used_bytes");
        layout.ratio = sub.ratio(e.name);
        a.layouts[e.name] = layout;
      }
    }
    err = sub.err;
    return a;
  }
};

core::Result<BtrfsFilesystem> read_filesystem(const std::filesystem::path& dir) {
  Reader r;
  r.path = dir;
  BtrfsFilesystem fs;
  for (const std::string& n : r.list_files("devices")) {
    fs.device_sizes[n] = 512 * r.read_value(std::filesystem::path("devices") / n / "size");
  }
  r.dev_count = fs.device_sizes.size();
  fs.label = r.read_file("label");
  fs.uuid = r.read_file("metadata_uuid");
  r.list_files("features");
  for (const char* f : {"clone_alignment", "nodesize", "quota_override", "sectorsize",
                        "allocation/global_rsv_reserved"}) {
    r.read_value(f);
  }
  fs.global_rsv_size = r.read_value("allocation/global_rsv_size");
  fs.data = r.allocation("allocation/data");
  fs.metadata = r.allocation("allocation/metadata");
  fs.system = r.allocation("allocation/system");
  if (r.err) return core::error(*r.err);
  return fs;
}

}  // namespace

core::Result<std::vector<BtrfsFilesystem>> read_btrfs(const std::filesystem::path& sysfs) {
  const auto root = sysfs / "fs" / "btrfs";
  std::vector<BtrfsFilesystem> out;
  for (const std::string& name : sysfs::glob_dashed(root)) {
    auto fs = read_filesystem(root / name);
    if (!fs) return fs.error();
    if (fs->uuid.empty()) fs->uuid = name;
    out.push_back(std::move(*fs));
  }
  return out;
}

namespace {

/// The kernel's ioctls on an O_RDONLY directory descriptor of the mount point.
class SystemBtrfsMount final : public BtrfsMount {
 public:
  explicit SystemBtrfsMount(int fd) : fd_(fd) {}
  ~SystemBtrfsMount() override { ::close(fd_); }
  SystemBtrfsMount(const SystemBtrfsMount&) = delete;
  SystemBtrfsMount& operator=(const SystemBtrfsMount&) = delete;

  int fs_info(BtrfsFsInfo& out) override {
    btrfs_ioctl_fs_info_args args{};  // flags 0: only the fields every kernel fills
    if (const int e = call(BTRFS_IOC_FS_INFO, &args); e != 0) return e;
    out.max_id = args.max_id;
    out.num_devices = args.num_devices;
    std::copy(std::begin(args.fsid), std::end(args.fsid), out.fsid.begin());
    return 0;
  }
  int dev_info(std::uint64_t devid, BtrfsDevInfo& out) override {
    // 4 KiB: on the heap, since a worker's stack is the pool's to size.
    auto args = std::make_unique<btrfs_ioctl_dev_info_args>();
    args->devid = devid;  // uuid left zero: look the device up by id alone
    if (const int e = call(BTRFS_IOC_DEV_INFO, args.get()); e != 0) return e;
    std::copy(std::begin(args->uuid), std::end(args->uuid), out.uuid.begin());
    out.bytes_used = args->bytes_used;
    out.total_bytes = args->total_bytes;
    const auto* path = reinterpret_cast<const char*>(args->path);
    out.path.assign(path, ::strnlen(path, sizeof args->path));
    return 0;
  }
  int dev_stats(std::uint64_t devid, BtrfsDevStats& out) override {
    btrfs_ioctl_get_dev_stats args{};
    args.devid = devid;
    args.nr_items = BTRFS_DEV_STAT_VALUES_MAX;
    args.flags = 0;  // never BTRFS_DEV_STATS_RESET
    if (const int e = call(BTRFS_IOC_GET_DEV_STATS, &args); e != 0) return e;
    static_assert(BTRFS_DEV_STAT_VALUES_MAX == std::tuple_size_v<decltype(out.values)>);
    std::copy(std::begin(args.values), std::end(args.values), out.values.begin());
    return 0;
  }

 private:
  int call(unsigned long request, void* arg) const {
    int rc = 0;
    do {
      rc = ::ioctl(fd_, request, arg);
    } while (rc < 0 && errno == EINTR);
    return rc < 0 ? errno : 0;
  }
  int fd_;
};

/// Go's path.Split(p) second half: what follows the last '/'.
std::string_view last_element(std::string_view p) {
  const auto slash = p.rfind('/');
  return slash == std::string_view::npos ? p : p.substr(slash + 1);
}

std::string hex(const std::uint8_t* b, std::size_t n) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(2 * n);
  for (std::size_t i = 0; i < n; ++i) {
    out += kDigits[b[i] >> 4];
    out += kDigits[b[i] & 0xf];
  }
  return out;
}

/// What one device's job found: the first of its mounts whose ioctls all worked.
struct DeviceProbe {
  std::size_t mount_index = 0;  // in the mount table, to keep node_exporter's order
  std::string fsid;
  std::vector<BtrfsIoctlDevice> devices;
  bool found = false;
};

}  // namespace

core::Result<std::unique_ptr<BtrfsMount>> open_btrfs_mount(const std::string& path) {
  // IsSubVolume: a subvolume's root directory is inode BTRFS_FIRST_FREE_OBJECTID (256).
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return core::error("stat " + sysfs::describe(path, errno));
  if (st.st_ino != 256 || !S_ISDIR(st.st_mode)) {
    return core::error(path + ": not a btrfs subvolume root");
  }
  struct statfs sfs {};
  if (::statfs(path.c_str(), &sfs) != 0) {
    return core::error("statfs " + sysfs::describe(path, errno));
  }
  if (static_cast<std::uint64_t>(sfs.f_type) != BTRFS_SUPER_MAGIC) {
    return core::error(path + ": not btrfs");
  }
  int fd = -1;
  do {
    fd = ::open(path.c_str(), O_RDONLY | O_NOATIME | O_CLOEXEC | O_DIRECTORY);
  } while (fd < 0 && errno == EINTR);
  if (fd < 0) return core::error("open " + sysfs::describe(path, errno));
  return std::unique_ptr<BtrfsMount>(std::make_unique<SystemBtrfsMount>(fd));
}

core::Result<std::vector<BtrfsIoctlDevice>, int> query_btrfs_devices(BtrfsMount& mount,
                                                                     const BtrfsFsInfo& info) {
  std::vector<BtrfsIoctlDevice> devices;
  const std::uint64_t last = std::min(info.max_id, kMaxBtrfsDevid);
  for (std::uint64_t id = 0; id <= last; ++id) {
    BtrfsDevInfo di;
    if (const int e = mount.dev_info(id, di); e != 0) {
      if (e == ENODEV) continue;  // ids neither start at 0 nor run without gaps
      return e;
    }
    BtrfsIoctlDevice d;
    if (const int e = mount.dev_stats(id, d.stats); e != 0) return e;
    d.path = std::move(di.path);
    d.uuid = di.uuid;
    d.bytes_used = di.bytes_used;
    d.total_bytes = di.total_bytes;
    devices.push_back(std::move(d));
    if (devices.size() == info.num_devices) break;
  }
  return devices;
}

std::string btrfs_fsid_string(const std::array<std::uint8_t, 16>& id) {
  return hex(id.data(), id.size());
}

std::string btrfs_uuid_string(const std::array<std::uint8_t, 16>& id) {
  if (std::all_of(id.begin(), id.end(), [](std::uint8_t b) { return b == 0; })) return "<zero>";
  const std::uint8_t* b = id.data();
  return hex(b, 4) + '-' + hex(b + 4, 2) + '-' + hex(b + 6, 2) + '-' + hex(b + 8, 2) + '-' +
         hex(b + 10, 6);
}

std::size_t publish_btrfs(const BtrfsFilesystem& fs, const std::vector<BtrfsIoctlDevice>* devices,
                          core::SampleSink& out) {
  // node_exporter v1.5.0 collector/btrfs_linux.go: names, help texts, labels.
  out.gauge("node_btrfs_info", "Filesystem information", {{"label", fs.label}, {"uuid", fs.uuid}},
            1);
  out.gauge("node_btrfs_global_rsv_size_bytes", "Size of global reserve.", {{"uuid", fs.uuid}},
            static_cast<double>(fs.global_rsv_size));
  const std::pair<const char*, const BtrfsAllocation*> allocations[] = {
      {"data", &fs.data}, {"metadata", &fs.metadata}, {"system", &fs.system}};
  for (const auto& [type, a] : allocations) {
    out.gauge("node_btrfs_reserved_bytes", "Amount of space reserved for a data type",
              {{"block_group_type", type}, {"uuid", fs.uuid}},
              static_cast<double>(a->reserved_bytes));
    for (const auto& [mode, l] : a->layouts) {
      const core::Label labels[] = {{"block_group_type", type}, {"mode", mode}, {"uuid", fs.uuid}};
      out.gauge("node_btrfs_used_bytes", "Amount of used space by a layout/data type", labels,
                static_cast<double>(l.used_bytes));
      out.gauge("node_btrfs_size_bytes", "Amount of space allocated for a layout/data type", labels,
                static_cast<double>(l.total_bytes));
      out.gauge("node_btrfs_allocation_ratio", "Data allocation ratio for a layout/data type",
                labels, l.ratio);
    }
  }
  constexpr const char* kSizeHelp = "Size of a device that is part of the filesystem.";
  if (devices == nullptr) {
    for (const auto& [device, size] : fs.device_sizes) {
      out.gauge("node_btrfs_device_size_bytes", kSizeHelp, {{"device", device}, {"uuid", fs.uuid}},
                static_cast<double>(size));
    }
    return 0;
  }
  static constexpr const char* kErrorTypes[] = {"write", "read", "flush", "corruption",
                                                "generation"};
  std::size_t dropped = 0;
  std::set<std::pair<std::string, std::string>> seen;
  for (const BtrfsIoctlDevice& d : *devices) {
    // "/dev/sda" -> "sda", "/rootfs/dev/md1" -> "md1": the fallback's device names. Label values
    // must be UTF-8; the kernel's path is bytes.
    const std::string device = sysfs::to_valid_utf8(last_element(d.path));
    const std::string dev_uuid = btrfs_uuid_string(d.uuid);
    // Two devices with one name and UUID would repeat every series (node_exporter's registry
    // fails the scrape): the second is left out and counted.
    if (!seen.emplace(device, dev_uuid).second) {
      ++dropped;
      continue;
    }
    const core::Label labels[] = {
        {"btrfs_dev_uuid", dev_uuid}, {"device", device}, {"uuid", fs.uuid}};
    out.gauge("node_btrfs_device_size_bytes", kSizeHelp, labels,
              static_cast<double>(d.total_bytes));
    // As node_exporter: float64(totalBytes - bytesUsed), in uint64 (it wraps if used > total).
    out.gauge("node_btrfs_device_unused_bytes",
              "Unused bytes unused on a device that is part of the filesystem.", labels,
              static_cast<double>(d.total_bytes - d.bytes_used));
    for (std::size_t i = 0; i < std::size(kErrorTypes); ++i) {
      const core::Label error_labels[] = {{"btrfs_dev_uuid", dev_uuid},
                                          {"device", device},
                                          {"type", kErrorTypes[i]},
                                          {"uuid", fs.uuid}};
      out.counter("node_btrfs_device_errors_total", "Errors reported for the device", error_labels,
                  static_cast<double>(d.stats.values[i]));
    }
  }
  return dropped;
}

BtrfsCollector::BtrfsCollector(core::HostPaths paths, std::shared_ptr<core::BlockingPool> pool,
                               BtrfsOpener opener)
    : paths_(std::move(paths)),
      pool_(pool ? std::move(pool) : std::make_shared<core::BlockingPool>(kSysfsWorkers)),
      opener_(std::move(opener)) {}

BtrfsIoctlStats BtrfsCollector::ioctl_stats() {
  auto text = read_mount_table(paths_);
  if (!text) {
    spdlog::debug("btrfs: mount table: {}", text.message());
    return {};
  }
  const Mounts mounts = parse_mounts(*text);
  if (mounts.errors > 0) {
    // node_exporter's mountPointDetails fails on a malformed line, and with it every ioctl
    // (the filesystem collector counts the line).
    spdlog::debug("btrfs: malformed mount table: using sysfs only");
    return {};
  }
  // One job per device, trying its mounts in table order until one answers: node_exporter asks
  // a device's next mount only when an earlier one failed (devicesDone).
  struct Device {
    std::string name;
    std::vector<std::pair<std::size_t, std::string>> mounts;  // (index, path under host.rootfs)
  };
  std::vector<Device> devices;
  std::map<std::string, std::size_t> by_name;
  for (std::size_t i = 0; i < mounts.entries.size(); ++i) {
    const MountEntry& m = mounts.entries[i];
    if (m.fs_type != "btrfs") continue;
    auto [it, added] = by_name.emplace(m.device, devices.size());
    if (added) devices.push_back({m.device, {}});
    devices[it->second].mounts.emplace_back(
        i, under_root(paths_.root, strip_rootfs(paths_.root, m.mount_point)));
  }
  std::vector<std::shared_ptr<DeviceProbe>> probes;
  std::vector<std::string> keys;
  std::vector<std::function<void()>> jobs;
  for (Device& d : devices) {
    auto probe = std::make_shared<DeviceProbe>();
    probes.push_back(probe);
    keys.push_back("btrfs:" + d.name);
    // The worker gets its own copies: the collect may have given up on it long before it returns.
    jobs.emplace_back([probe, candidates = std::move(d.mounts), opener = opener_] {
      for (const auto& [index, path] : candidates) {
        auto mount = opener(path);
        if (!mount) {
          spdlog::debug("btrfs: inspecting {}: {}", path, mount.message());
          continue;
        }
        BtrfsFsInfo info;
        if (const int e = (*mount)->fs_info(info); e != 0) {
          spdlog::debug("btrfs: BTRFS_IOC_FS_INFO on {}: {}", path, std::strerror(e));
          continue;
        }
        auto found = query_btrfs_devices(**mount, info);
        if (!found) {
          spdlog::debug("btrfs: device stats on {}: {}", path, std::strerror(found.error()));
          continue;
        }
        probe->mount_index = index;
        probe->fsid = btrfs_fsid_string(info.fsid);
        probe->devices = std::move(*found);
        probe->found = true;
        return;
      }
    });
  }
  const std::vector<bool> done =
      sysfs::run_all(*pool_, keys, std::move(jobs), sysfs::kDriverReadTimeout);
  std::vector<const DeviceProbe*> answered;
  for (std::size_t i = 0; i < probes.size(); ++i) {
    const std::string& device = devices[i].name;
    if (!done[i]) {
      if (unresponsive_.insert(device).second) {
        spdlog::warn(
            "btrfs: ioctls on {} have not returned within {} ms; publishing its sysfs device "
            "sizes until they do",
            device, sysfs::kDriverReadTimeout.count());
      }
      continue;
    }
    if (unresponsive_.erase(device) > 0) spdlog::info("btrfs: ioctls on {} return again", device);
    if (probes[i]->found) answered.push_back(probes[i].get());
  }
  // Forget devices that went away while stuck, so the set stays as small as the mount table.
  for (auto it = unresponsive_.begin(); it != unresponsive_.end();) {
    it = by_name.count(*it) > 0 ? std::next(it) : unresponsive_.erase(it);
  }
  // node_exporter keeps the first answer per filesystem, in mount table order.
  std::sort(answered.begin(), answered.end(), [](const DeviceProbe* a, const DeviceProbe* b) {
    return a->mount_index < b->mount_index;
  });
  BtrfsIoctlStats stats;
  for (const DeviceProbe* p : answered) stats.emplace(p->fsid, p->devices);
  return stats;
}

core::Status BtrfsCollector::collect(core::SampleSink& out) {
  auto filesystems = read_btrfs(paths_.sys);
  if (!filesystems) {
    return core::error("failed to retrieve Btrfs stats from procfs: " + filesystems.message());
  }
  // No btrfs in /sys: nothing to match the ioctls' answers with, so nothing to ask.
  const BtrfsIoctlStats ioctl = filesystems->empty() ? BtrfsIoctlStats{} : ioctl_stats();
  std::set<std::string> seen;
  for (const BtrfsFilesystem& fs : *filesystems) {
    // Two directories with one metadata_uuid would repeat every series (node_exporter's
    // registry rejects the scrape); the second is dropped and counted.
    if (!seen.insert(fs.uuid).second) {
      out.parse_errors(1);
      continue;
    }
    // node_exporter matches the ioctls' FSID with the sysfs UUID without its dashes.
    std::string key = fs.uuid;
    key.erase(std::remove(key.begin(), key.end(), '-'), key.end());
    const auto it = ioctl.find(key);
    const std::size_t dropped = publish_btrfs(fs, it == ioctl.end() ? nullptr : &it->second, out);
    if (dropped > 0) out.parse_errors(dropped);
  }
  return core::ok();
}
std::unique_ptr<Collector> make_btrfs(const CollectorContext& ctx) {
  return std::make_unique<BtrfsCollector>(ctx.paths, ctx.blocking);
}

}  // namespace sonde::collectors
