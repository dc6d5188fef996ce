#include "collectors/nvme.hpp"

#include <cerrno>

#include "collectors/sysfs_attr.hpp"

namespace sonde::collectors {

core::Result<std::optional<std::vector<NvmeDevice>>> read_nvme(const std::filesystem::path& sysfs) {
  using Out = std::optional<std::vector<NvmeDevice>>;
  const auto root = sysfs / "class" / "nvme";
  auto listing = sysfs::list_dir(root);
  if (listing.err == ENOENT) return Out();
  if (!listing.ok()) {
    return core::error("failed to list NVMe devices: " + sysfs::describe(root, listing.err));
  }
  std::vector<NvmeDevice> out;
  for (const auto& e : listing.entries) {
    NvmeDevice d;
    d.name = e.name;
    const std::pair<const char*, std::string*> files[] = {{"firmware_rev", &d.firmware_revision},
                                                          {"model", &d.model},
                                                          {"serial", &d.serial},
                                                          {"state", &d.state}};
    for (const auto& [file, into] : files) {
      const auto path = root / e.name / file;
      auto r = sysfs::read_trimmed(path);
      if (r.err == ENOENT) return Out();
      if (!r.ok()) return core::error("failed to read file " + sysfs::describe(path, r.err));
      *into = std::move(r.value);
    }
    out.push_back(std::move(d));
  }
  return Out(std::move(out));
}

core::Status NvmeCollector::collect(core::SampleSink& out) {
  auto devices = read_nvme(paths_.sys);
  if (!devices) return core::error("error obtaining NVMe class info: " + devices.message());
  if (!*devices) return core::ok();  // no NVMe controller (or a file missing on the way)
  for (const NvmeDevice& d : **devices) {
    out.gauge("node_nvme_info",
              "Non-numeric data from /sys/class/nvme/<device>, value is always 1.",
              {{"device", d.name},
               {"firmware_revision", d.firmware_revision},
               {"model", d.model},
               {"serial", d.serial},
               {"state", d.state}},
              1);
  }
  return core::ok();
}

std::unique_ptr<Collector> make_nvme(const CollectorContext& ctx) {
  return std::make_unique<NvmeCollector>(ctx.paths);
}

}  // namespace sonde::collectors
