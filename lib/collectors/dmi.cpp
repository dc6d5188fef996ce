#include "collectors/dmi.hpp"

#include <cerrno>
#include <cstring>

#include "collectors/sysfs_attr.hpp"

namespace sonde::collectors {

namespace {

struct DmiFile {
  std::string_view file;
  std::string_view label;
};
// In label order (node_exporter's Desc lists them so; the exposition sorts them anyway).
constexpr DmiFile kFiles[] = {
    {"bios_date", "bios_date"},
    {"bios_release", "bios_release"},
    {"bios_vendor", "bios_vendor"},
    {"bios_version", "bios_version"},
    {"board_asset_tag", "board_asset_tag"},
    {"board_name", "board_name"},
    {"board_serial", "board_serial"},
    {"board_vendor", "board_vendor"},
    {"board_version", "board_version"},
    {"chassis_asset_tag", "chassis_asset_tag"},
    {"chassis_serial", "chassis_serial"},
    {"chassis_vendor", "chassis_vendor"},
    {"chassis_version", "chassis_version"},
    {"product_family", "product_family"},
    {"product_name", "product_name"},
    {"product_serial", "product_serial"},
    {"product_sku", "product_sku"},
    {"product_uuid", "product_uuid"},
    {"product_version", "product_version"},
    {"sys_vendor", "system_vendor"},
};

}  // namespace

std::vector<std::pair<std::string, std::string>> dmi_labels(
    const std::vector<std::pair<std::string, std::string>>& files) {
  std::vector<std::pair<std::string, std::string>> out;
  for (const DmiFile& k : kFiles) {
    for (const auto& [file, value] : files) {
      if (file == k.file) {
        out.emplace_back(std::string(k.label), sysfs::to_valid_utf8(value));
        break;
      }
    }
  }
  return out;
}

core::Status DmiCollector::collect(core::SampleSink& out) {
  const auto dir = paths_.sys / "class" / "dmi" / "id";
  const sysfs::Listing l = sysfs::list_dir(dir);
  if (l.err == ENOENT) return core::ok();  // no DMI (ARM boards, most VMs of some clouds)
  if (l.err != 0) return core::error(dir.string() + ": " + std::strerror(l.err));
  std::vector<std::pair<std::string, std::string>> files;
  for (const sysfs::Entry& e : l.entries) {
    if (e.type != sysfs::EntryType::regular || e.name == "modalias" || e.name == "uevent") {
      continue;
    }
    sysfs::Attr a = sysfs::read_trimmed(dir / e.name);
    if (!a.ok()) {
      // The serial numbers and product_uuid are 0400 root: skipped quietly, as procfs does.
      if (a.err != EACCES) out.parse_errors(1);
      continue;
    }
    files.emplace_back(e.name, std::move(a.value));
  }
  const auto labels = dmi_labels(files);
  if (labels.empty()) return core::ok();
  std::vector<core::Label> view;
  view.reserve(labels.size());
  for (const auto& [k, v] : labels) view.emplace_back(k, v);
  out.gauge("node_dmi_info",
            "A metric with a constant '1' value labeled by bios_date, bios_release, bios_vendor, "
            "bios_version, board_asset_tag, board_name, board_serial, board_vendor, "
            "board_version, chassis_asset_tag, chassis_serial, chassis_vendor, chassis_version, "
            "product_family, product_name, product_serial, product_sku, product_uuid, "
            "product_version, system_vendor if provided by DMI.",
            view, 1);
  return core::ok();
}

std::unique_ptr<Collector> make_dmi(const CollectorContext& ctx) {
  return std::make_unique<DmiCollector>(ctx.paths);
}

}  // namespace sonde::collectors
