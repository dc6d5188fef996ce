#include "collectors/btrfs.hpp"

#include <cerrno>
#include <set>

#include "collectors/sysfs_read.hpp"
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
    auto r = sysfs_read::read_attribute(p);
    if (!r.ok() && r.err != ENOENT) err = sysfs_read::describe(p, r.err);
    return std::move(r.text);
  }
  std::uint64_t read_value(const std::filesystem::path& rel) {
    const std::string s = read_file(rel);
    if (err) return 0;
    return text::parse_u64(s).value_or(0);  // strconv.ParseUint's error is ignored
  }
  std::vector<std::string> list_files(const std::filesystem::path& rel) {
    auto l = sysfs_read::list_dir(path / rel);
    if (!l.ok()) {
      err = sysfs_read::describe(path / rel, l.err);
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
    auto l = sysfs_read::list_dir(sub.path);
    if (!l.ok()) {
      sub.err = sysfs_read::describe(sub.path, l.err);
    } else {
      for (const auto& e : l.entries) {
        if (!e.is_dir) continue;
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
  for (const std::string& name : sysfs_read::glob_dashed(root)) {
    auto fs = read_filesystem(root / name);
    if (!fs) return fs.error();
    if (fs->uuid.empty()) fs->uuid = name;
    out.push_back(std::move(*fs));
  }
  return out;
}

core::Status BtrfsCollector::collect(core::SampleSink& out) {
  auto filesystems = read_btrfs(paths_.sys);
  if (!filesystems) {
    return core::error("failed to retrieve Btrfs stats from procfs: " + filesystems.message());
  }
  std::set<std::string> seen;
  for (const BtrfsFilesystem& fs : *filesystems) {
    // Two directories with one metadata_uuid would repeat every series (node_exporter's
    // registry rejects the scrape); the second is dropped and counted.
    if (!seen.insert(fs.uuid).second) {
      out.parse_errors(1);
      continue;
    }
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
        const core::Label labels[] = {
            {"block_group_type", type}, {"mode", mode}, {"uuid", fs.uuid}};
        out.gauge("node_btrfs_used_bytes", "Amount of used space by a layout/data type", labels,
                  static_cast<double>(l.used_bytes));
        out.gauge("node_btrfs_size_bytes", "Amount of space allocated for a layout/data type",
                  labels, static_cast<double>(l.total_bytes));
        out.gauge("node_btrfs_allocation_ratio", "Data allocation ratio for a layout/data type",
                  labels, l.ratio);
      }
    }
    for (const auto& [device, size] : fs.device_sizes) {
      out.gauge("node_btrfs_device_size_bytes", "Size of a device that is part of the filesystem.",
                {{"device", device}, {"uuid", fs.uuid}}, static_cast<double>(size));
    }
  }
  return core::ok();
}

std::unique_ptr<Collector> make_btrfs(const CollectorContext& ctx) {
  return std::make_unique<BtrfsCollector>(ctx.paths);
}

}  // namespace sonde::collectors
