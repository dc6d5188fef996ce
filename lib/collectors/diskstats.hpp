// The diskstats collector: node_exporter 1.5.0's node_disk_* series derived from
// /proc/diskstats (reads, writes, discards and flushes: completed, merged, bytes or sectors,
// time; I/Os in progress, I/O time, weighted I/O time), for devices that pass the filter; and,
// from udev's database (<host.udev_data>/b<major>:<minor>), node_disk_info,
// node_disk_filesystem_info, node_disk_device_mapper_info and node_disk_ata_*, as 1.5.0 has them.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "collectors/collector.hpp"
#include "collectors/pattern.hpp"

namespace sonde::collectors {

/// Stat fields after major, minor and name: 11 before Linux 4.18, 15 with discards (4.18), 17
/// with flushes (5.5). More are ignored.
inline constexpr std::size_t kDiskstatsMaxFields = 17;

struct DiskstatsDevice {
  std::string_view name;  // points into the parsed text
  std::uint32_t major = 0;
  std::uint32_t minor = 0;
  std::array<std::uint64_t, kDiskstatsMaxFields> fields{};
  std::size_t count = 0;  // how many of `fields` the line had (11..17)
};

struct Diskstats {
  std::vector<DiskstatsDevice> devices;  // in file order
  std::size_t errors = 0;                // lines skipped: too short, not numbers, repeated name
};

/// The result refers to `text`, which must outlive it.
Diskstats parse_diskstats(std::string_view text);

/// The device properties of one udev database file: its `E:KEY=VALUE` lines (udevadm(8)); other
/// lines (S:, I:, G:, ...) and E: lines without '=' are skipped. A later key replaces an earlier.
using UdevProperties = std::map<std::string, std::string, std::less<>>;
UdevProperties parse_udev_properties(std::string_view text);

class DiskstatsCollector final : public Collector {
 public:
  DiskstatsCollector(core::HostPaths paths, const collectors::DiskstatsOptions& options);
  std::string_view name() const override { return "diskstats"; }
  core::Status collect(core::SampleSink& out) override;

 private:
  void add_udev_families(const DiskstatsDevice& d, core::SampleSink& out);
  core::HostPaths paths_;
  DeviceFilter filter_;
};

std::unique_ptr<Collector> make_diskstats(const CollectorContext& ctx);

}  // namespace sonde::collectors
