// The powersupplyclass collector: node_exporter 1.5.0's node_power_supply_* families from
// /sys/class/power_supply/<supply> (Documentation/ABI/testing/sysfs-class-power): one gauge per
// numeric attribute it knows (capacity, online, energy_watthour, voltage_volt, power_watt,
// temp_celsius, ...; µA, µV, µW, µWh to A, V, W, Wh; tenths of a degree to °C), and
// node_power_supply_info with the string attributes as labels, for every supply that
// collectors.powersupplyclass.device_exclude does not match.
//
// An ACPI battery's attributes are read from the embedded controller, which can take seconds:
// each supply is read on a core::BlockingPool worker keyed "power_supply:<dir>", with one
// deadline per collect (sysfs::kDriverReadTimeout) as hwmon's.
#pragma once

#include <filesystem>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "collectors/collector.hpp"
#include "collectors/pattern.hpp"
#include "core/blocking_pool.hpp"

namespace sonde::collectors {

struct PowerSupply {
  std::string name;
  /// (metric name, value already in node_exporter's unit), in file order.
  std::vector<std::pair<std::string, double>> gauges;
  /// node_power_supply_info's labels with non-empty values, power_supply first.
  std::vector<std::pair<std::string, std::string>> info;
  std::size_t errors = 0;  // numeric attributes whose text was no number
};

/// From (file name, trimmed text) pairs of one supply's directory, as procfs's
/// parsePowerSupply and node_exporter's Update: numbers with strconv.ParseInt(s, 0, 64).
PowerSupply parse_power_supply(std::string name,
                               std::span<const std::pair<std::string, std::string>> attrs);

void publish_power_supply(const PowerSupply& ps, core::SampleSink& out);

/// One supply directory's regular files as (name, trimmed text), read on a worker.
struct PowerSupplyFiles {
  std::vector<std::pair<std::string, std::string>> attrs;
  std::size_t errors = 0;  // read errors other than the quiet ones
  bool listed = false;     // false: the directory could not be listed (gone, dangling link)
};
/// Reads a supply directory as procfs's parsePowerSupply does. Called on a BlockingPool worker;
/// may block for as long as the driver does; must be thread-safe.
using PowerSupplyReader = std::function<PowerSupplyFiles(const std::filesystem::path& dir)>;
PowerSupplyFiles read_power_supply_dir(const std::filesystem::path& dir);

class PowerSupplyClassCollector final : public Collector {
 public:
  PowerSupplyClassCollector(core::HostPaths paths,
                            const collectors::PowerSupplyClassOptions& options,
                            std::shared_ptr<core::BlockingPool> pool,
                            PowerSupplyReader reader = read_power_supply_dir);
  std::string_view name() const override { return "powersupplyclass"; }
  core::Status collect(core::SampleSink& out) override;

 private:
  core::HostPaths paths_;
  Pattern device_exclude_;
  std::shared_ptr<core::BlockingPool> pool_;
  PowerSupplyReader reader_;
};

std::unique_ptr<Collector> make_powersupplyclass(const CollectorContext& ctx);

}  // namespace sonde::collectors
