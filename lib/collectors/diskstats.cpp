#include "collectors/diskstats.hpp"

#include <string>
#include <unordered_set>

#include "collectors/text_fields.hpp"
#include "core/read_file.hpp"

namespace sonde::collectors {

namespace {

// node_exporter's constants: sectors are always 512 bytes in /proc/diskstats ("standard UNIX
// 512-byte sectors", Documentation/admin-guide/iostats.rst), times are milliseconds.
constexpr double kSectorBytes = 512.0;
constexpr double kSecondsPerTick = 1.0 / 1000.0;

enum class Scale { none, sectors, ticks };

struct FieldDesc {
  const char* name;
  const char* help;
  core::MetricType type;
  Scale scale;
};

constexpr auto C = core::MetricType::counter;
constexpr auto G = core::MetricType::gauge;

// In /proc/diskstats field order; names and help exactly as node_exporter 1.5.0 has them
// (including the missing period after "flush requests completed successfully").
constexpr FieldDesc kFields[kDiskstatsMaxFields] = {
    {"node_disk_reads_completed_total", "The total number of reads completed successfully.", C,
     Scale::none},
    {"node_disk_reads_merged_total", "The total number of reads merged.", C, Scale::none},
    {"node_disk_read_bytes_total", "The total number of bytes read successfully.", C,
     Scale::sectors},
    {"node_disk_read_time_seconds_total", "The total number of seconds spent by all reads.", C,
     Scale::ticks},
    {"node_disk_writes_completed_total", "The total number of writes completed successfully.", C,
     Scale::none},
    {"node_disk_writes_merged_total", "The number of writes merged.", C, Scale::none},
    {"node_disk_written_bytes_total", "The total number of bytes written successfully.", C,
     Scale::sectors},
    {"node_disk_write_time_seconds_total",
     "This is the total number of seconds spent by all writes.", C, Scale::ticks},
    {"node_disk_io_now", "The number of I/Os currently in progress.", G, Scale::none},
    {"node_disk_io_time_seconds_total", "Total seconds spent doing I/Os.", C, Scale::ticks},
    {"node_disk_io_time_weighted_seconds_total", "The weighted # of seconds spent doing I/Os.", C,
     Scale::ticks},
    {"node_disk_discards_completed_total", "The total number of discards completed successfully.",
     C, Scale::none},
    {"node_disk_discards_merged_total", "The total number of discards merged.", C, Scale::none},
    // node_exporter reports discarded sectors as sectors, not bytes.
    {"node_disk_discarded_sectors_total", "The total number of sectors discarded successfully.", C,
     Scale::none},
    {"node_disk_discard_time_seconds_total",
     "This is the total number of seconds spent by all discards.", C, Scale::ticks},
    {"node_disk_flush_requests_total", "The total number of flush requests completed successfully",
     C, Scale::none},
    {"node_disk_flush_requests_time_seconds_total",
     "This is the total number of seconds spent by all flush requests.", C, Scale::ticks},
};

// Fewer stat fields than this and the line is not a diskstats line (procfs needs 14 fields in
// all).
constexpr std::size_t kMinFields = 11;

// A udev database file is a few KB; anything far larger is not one.
constexpr std::size_t kMaxUdevFileBytes = 1u << 20;

std::string_view property(const UdevProperties& p, std::string_view key) {
  const auto it = p.find(key);
  return it == p.end() ? std::string_view() : std::string_view(it->second);
}

// node_exporter 1.5.0's ATA families: emitted when ID_ATA is set, each when its property is.
struct AtaDesc {
  const char* property;
  const char* name;
  const char* help;
};
constexpr AtaDesc kAta[] = {
    {"ID_ATA_ROTATION_RATE_RPM", "node_disk_ata_rotation_rate_rpm",
     "ATA disk rotation rate in RPMs (0 for SSDs)."},
    {"ID_ATA_WRITE_CACHE", "node_disk_ata_write_cache", "ATA disk has a write cache."},
    {"ID_ATA_WRITE_CACHE_ENABLED", "node_disk_ata_write_cache_enabled",
     "ATA disk has its write cache enabled."},
};

}  // namespace

// Format (Documentation/admin-guide/iostats.rst, "/proc/diskstats"): major, minor, device name,
// then 11, 15 or 17 decimal counters (see kFields) separated by blanks.
Diskstats parse_diskstats(std::string_view text) {
  Diskstats out;
  std::unordered_set<std::string_view> seen;
  core::for_each_line(text, [&](std::string_view line) {
    std::string_view rest = line;
    const std::string_view major = text::next_field(rest);
    if (major.empty()) return;  // blank line
    const std::string_view minor = text::next_field(rest);
    DiskstatsDevice d;
    d.name = text::next_field(rest);
    const auto ma = text::parse_u64(major);
    const auto mi = text::parse_u64(minor);
    bool bad = !ma || !mi || *ma > UINT32_MAX || *mi > UINT32_MAX || d.name.empty();
    while (!bad && d.count < kDiskstatsMaxFields) {
      const std::string_view f = text::next_field(rest);
      if (f.empty()) break;
      const auto v = text::parse_u64(f);
      if (!v) {
        bad = true;
        break;
      }
      d.fields[d.count++] = *v;
    }
    if (bad || d.count < kMinFields || !seen.insert(d.name).second) {
      ++out.errors;
      return;
    }
    d.major = static_cast<std::uint32_t>(*ma);
    d.minor = static_cast<std::uint32_t>(*mi);
    out.devices.push_back(d);
  });
  return out;
}

UdevProperties parse_udev_properties(std::string_view text) {
  UdevProperties out;
  core::for_each_line(text, [&](std::string_view line) {
    if (line.substr(0, 2) != "E:") return;
    line.remove_prefix(2);
    const auto eq = line.find('=');
    if (eq == std::string_view::npos) return;
    out.insert_or_assign(std::string(line.substr(0, eq)), std::string(line.substr(eq + 1)));
  });
  return out;
}

DiskstatsCollector::DiskstatsCollector(core::HostPaths paths,
                                       const collectors::DiskstatsOptions& options)
    : paths_(std::move(paths)),
      filter_("diskstats", options.device_include, options.device_exclude) {}

core::Status DiskstatsCollector::collect(core::SampleSink& out) {
  if (auto st = filter_.valid(); !st.ok()) return st;
  auto text = core::read_text(paths_.proc / "diskstats");
  if (!text) return text.status();
  const Diskstats ds = parse_diskstats(*text);
  if (ds.errors > 0) out.parse_errors(ds.errors);
  for (const DiskstatsDevice& d : ds.devices) {
    if (filter_.ignored(d.name)) continue;
    const core::Label labels[] = {{"device", d.name}};
    for (std::size_t i = 0; i < d.count; ++i) {
      const FieldDesc& f = kFields[i];
      double v = static_cast<double>(d.fields[i]);
      if (f.scale == Scale::sectors) v *= kSectorBytes;
      if (f.scale == Scale::ticks) v *= kSecondsPerTick;
      out.add(f.name, f.type, f.help, labels, v);
    }
    add_udev_families(d, out);
  }
  return core::ok();
}

void DiskstatsCollector::add_udev_families(const DiskstatsDevice& d, core::SampleSink& out) {
  // A device udev knows nothing about (no file, as in many containers) still gets node_disk_info
  // with empty labels, as node_exporter does.
  UdevProperties p;
  const std::string file = "b" + std::to_string(d.major) + ":" + std::to_string(d.minor);
  if (auto text = core::read_text(paths_.udev_data / file, kMaxUdevFileBytes); text.ok()) {
    p = parse_udev_properties(*text);
  }
  // The serial printed on the disk's label; else ID_SERIAL_SHORT (node_exporter 1.5.0 stops
  // there; later versions also fall back to ID_SERIAL).
  std::string_view serial = property(p, "SCSI_IDENT_SERIAL");
  if (serial.empty()) serial = property(p, "ID_SERIAL_SHORT");
  const std::string major = std::to_string(d.major);
  const std::string minor = std::to_string(d.minor);
  out.gauge("node_disk_info", "Info of /sys/block/<block_device>.",
            {{"device", d.name},
             {"major", major},
             {"minor", minor},
             {"model", property(p, "ID_MODEL")},
             {"path", property(p, "ID_PATH")},
             {"revision", property(p, "ID_REVISION")},
             {"serial", serial},
             {"wwn", property(p, "ID_WWN")}},
            1);
  if (const auto type = property(p, "ID_FS_TYPE"); !type.empty()) {
    out.gauge("node_disk_filesystem_info", "Info about disk filesystem.",
              {{"device", d.name},
               {"type", type},
               {"usage", property(p, "ID_FS_USAGE")},
               {"uuid", property(p, "ID_FS_UUID")},
               {"version", property(p, "ID_FS_VERSION")}},
              1);
  }
  if (const auto name = property(p, "DM_NAME"); !name.empty()) {
    out.gauge("node_disk_device_mapper_info", "Info about disk device mapper.",
              {{"device", d.name},
               {"lv_layer", property(p, "DM_LV_LAYER")},
               {"lv_name", property(p, "DM_LV_NAME")},
               {"name", name},
               {"uuid", property(p, "DM_UUID")},
               {"vg_name", property(p, "DM_VG_NAME")}},
              1);
  }
  if (!property(p, "ID_ATA").empty()) {
    for (const AtaDesc& a : kAta) {
      const auto it = p.find(std::string_view(a.property));
      if (it == p.end()) continue;
      if (const auto v = text::parse_double(it->second)) {
        out.gauge(a.name, a.help, {{"device", d.name}}, *v);
      } else {
        out.parse_errors(1);  // node_exporter logs "Failed to parse ATA value" and skips it
      }
    }
  }
}

std::unique_ptr<Collector> make_diskstats(const CollectorContext& ctx) {
  return std::make_unique<DiskstatsCollector>(ctx.paths, ctx.options.diskstats);
}

}  // namespace sonde::collectors
