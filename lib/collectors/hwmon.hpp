// The hwmon collector: node_exporter 1.5.0's node_hwmon_* families from /sys/class/hwmon (as
// lm-sensors reads it): one gauge per sensor attribute, named after the sensor type and the
// attribute with the type's unit (node_hwmon_temp_celsius, node_hwmon_in_volts,
// node_hwmon_fan_rpm, node_hwmon_power_watt, ...), {chip, sensor}; node_hwmon_sensor_label and
// node_hwmon_chip_names as annotations.
//
// Some drivers take seconds to answer one attribute (chips on a slow I2C/SMBus, IPMI-backed
// ones). Each chip is read on a core::BlockingPool worker keyed "hwmon:<dir>", and collect()
// waits for all chips up to one deadline (sysfs::kDriverReadTimeout): a chip that has not
// answered by then publishes nothing for that collect, holds at most one stuck worker, and the
// other chips are published as usual.
#pragma once

#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "collectors/collector.hpp"
#include "core/blocking_pool.hpp"

namespace sonde::collectors {

/// A sensor file name split as node_exporter's hwmonFilenameFormat
/// `^(?P<type>[^0-9]+)(?P<id>[0-9]*)?(_(?P<property>.+))?$` splits it (leftmost-first, so
/// "temp_x1y" is type "temp", property "x1y"). ok is false when the name does not match.
struct SensorName {
  bool ok = false;
  std::string_view type;
  long long num = 0;
  std::string_view property;
};
SensorName explode_sensor_filename(std::string_view filename);

/// node_exporter's cleanMetricName: lower case, every character outside [a-z0-9:_] replaced by
/// '_', leading and trailing '_' trimmed.
std::string clean_metric_name(std::string_view name);

/// Everything one chip directory gave, read on a worker.
struct HwmonChip {
  std::string chip;       // the chip label (hwmonName), empty if none could be derived
  std::string chip_name;  // the name file, cleaned (node_hwmon_chip_names), or empty
  /// (file name, text with '\n' trimmed) of every sensor file that could be read: the chip
  /// directory's, then its device/ directory's.
  std::vector<std::pair<std::string, std::string>> files;
  bool failed = false;  // a directory could not be listed: node_exporter drops the chip
};

/// Reads one chip directory (<sysfs>/class/hwmon/hwmonN), as node_exporter's updateHwmon.
HwmonChip read_hwmon_chip(const std::filesystem::path& dir);
/// What reads a chip directory. Called on a BlockingPool worker; may block for as long as the
/// driver does; must be thread-safe.
using HwmonReader = std::function<HwmonChip(const std::filesystem::path& dir)>;

/// Publishes one chip's sensors as node_exporter 1.5.0 does. Pure.
void publish_hwmon(const HwmonChip& chip, core::SampleSink& out);

class HwmonCollector final : public Collector {
 public:
  HwmonCollector(core::HostPaths paths, std::shared_ptr<core::BlockingPool> pool,
                 HwmonReader reader = read_hwmon_chip);
  std::string_view name() const override { return "hwmon"; }
  core::Status collect(core::SampleSink& out) override;

 private:
  core::HostPaths paths_;
  std::shared_ptr<core::BlockingPool> pool_;
  HwmonReader reader_;
};

/// Workers when the collector makes its own pool: each stuck chip holds one.
inline constexpr std::size_t kSysfsWorkers = 4;

std::unique_ptr<Collector> make_hwmon(const CollectorContext& ctx);

}  // namespace sonde::collectors
