// The thermal_zone collector: node_exporter 1.5.0's node_thermal_zone_temp{zone,type} from
// /sys/class/thermal/thermal_zone<N> and node_cooling_device_{cur,max}_state{name,type} from
// /sys/class/thermal/cooling_device<N> (Documentation/driver-api/thermal/sysfs-api.rst).
//
// Reading a zone's temp asks its driver (ACPI zones evaluate _TMP in firmware, which can take
// seconds): the reads run on a core::BlockingPool worker, keyed "thermal:<sysfs>", with one
// deadline (sysfs::kDriverReadTimeout) as hwmon's; a collect that runs out publishes nothing.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "collectors/collector.hpp"
#include "core/blocking_pool.hpp"

namespace sonde::collectors {

/// Text of a zone's files; nullopt for a file that could not be read, with its errno.
struct FileText {
  int err = 0;  // 0: read
  std::string text;
};

struct ThermalZoneFiles {
  std::string zone;  // N of thermal_zoneN
  FileText type, policy, temp, mode, passive;
};

struct CoolingDeviceFiles {
  std::string name;  // N of cooling_deviceN
  FileText type, max_state, cur_state;
};

struct ThermalZone {
  std::string zone, type;
  double celsius = 0;
};
struct CoolingDevice {
  std::string name, type;
  std::int64_t cur_state = 0, max_state = 0;
};

/// procfs 0.8.0's parseClassThermalZone: type, policy and temp (an integer, millidegrees) are
/// required, mode and passive optional (absent or root-only); nullopt when the zone is unusable.
/// ENODATA (a zone whose sensor is not ready) is `skipped`, not an error.
struct ZoneResult {
  std::optional<ThermalZone> zone;
  bool error = false;
};
ZoneResult parse_thermal_zone(const ThermalZoneFiles& f);
/// parseCoolingDeviceStats: type, and max_state and cur_state as integers (cur_state can be -1,
/// intel_powerclamp).
std::optional<CoolingDevice> parse_cooling_device(const CoolingDeviceFiles& f);

class ThermalZoneCollector final : public Collector {
 public:
  ThermalZoneCollector(core::HostPaths paths, std::shared_ptr<core::BlockingPool> pool);
  std::string_view name() const override { return "thermal_zone"; }
  core::Status collect(core::SampleSink& out) override;

 private:
  core::HostPaths paths_;
  std::shared_ptr<core::BlockingPool> pool_;
};

std::unique_ptr<Collector> make_thermal_zone(const CollectorContext& ctx);

}  // namespace sonde::collectors
