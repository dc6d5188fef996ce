#include "collectors/powersupplyclass.hpp"

#include <cerrno>
#include <cstring>

#include "collectors/hwmon.hpp"
#include "collectors/sysfs_attr.hpp"

namespace sonde::collectors {

namespace {

struct Numeric {
  std::string_view file;
  std::string_view metric;  // after node_power_supply_
  double divisor;
};
// node_exporter 1.5.0's three maps: as read, micro-units, tenths of a degree.
constexpr Numeric kNumeric[] = {
    {"authentic", "authentic", 1},
    {"calibrate", "calibrate", 1},
    {"capacity", "capacity", 1},
    {"capacity_alert_max", "capacity_alert_max", 1},
    {"capacity_alert_min", "capacity_alert_min", 1},
    {"cycle_count", "cyclecount", 1},
    {"online", "online", 1},
    {"present", "present", 1},
    {"time_to_empty_now", "time_to_empty_seconds", 1},
    {"time_to_full_now", "time_to_full_seconds", 1},
    {"current_boot", "current_boot", 1e6},
    {"current_max", "current_max", 1e6},
    {"current_now", "current_ampere", 1e6},
    {"energy_empty", "energy_empty", 1e6},
    {"energy_empty_design", "energy_empty_design", 1e6},
    {"energy_full", "energy_full", 1e6},
    {"energy_full_design", "energy_full_design", 1e6},
    {"energy_now", "energy_watthour", 1e6},
    {"voltage_boot", "voltage_boot", 1e6},
    {"voltage_max", "voltage_max", 1e6},
    {"voltage_max_design", "voltage_max_design", 1e6},
    {"voltage_min", "voltage_min", 1e6},
    {"voltage_min_design", "voltage_min_design", 1e6},
    {"voltage_now", "voltage_volt", 1e6},
    {"voltage_ocv", "voltage_ocv", 1e6},
    {"charge_control_limit", "charge_control_limit", 1e6},
    {"charge_control_limit_max", "charge_control_limit_max", 1e6},
    {"charge_counter", "charge_counter", 1e6},
    {"charge_empty", "charge_empty", 1e6},
    {"charge_empty_design", "charge_empty_design", 1e6},
    {"charge_full", "charge_full", 1e6},
    {"charge_full_design", "charge_full_design", 1e6},
    {"charge_now", "charge_ampere", 1e6},
    {"charge_term_current", "charge_term_current", 1e6},
    {"constant_charge_current", "constant_charge_current", 1e6},
    {"constant_charge_current_max", "constant_charge_current_max", 1e6},
    {"constant_charge_voltage", "constant_charge_voltage", 1e6},
    {"constant_charge_voltage_max", "constant_charge_voltage_max", 1e6},
    {"precharge_current", "precharge_current", 1e6},
    {"input_current_limit", "input_current_limit", 1e6},
    {"power_now", "power_watt", 1e6},
    {"temp", "temp_celsius", 10},
    {"temp_alert_max", "temp_alert_max_celsius", 10},
    {"temp_alert_min", "temp_alert_min_celsius", 10},
    {"temp_ambient", "temp_ambient_celsius", 10},
    {"temp_ambient_max", "temp_ambient_max_celsius", 10},
    {"temp_ambient_min", "temp_ambient_min_celsius", 10},
    {"temp_max", "temp_max_celsius", 10},
    {"temp_min", "temp_min_celsius", 10},
};

// procfs parses these too (and fails on garbage in them), but node_exporter publishes none.
constexpr std::string_view kUnpublishedNumeric[] = {
    "charge_avg",        "current_avg",      "energy_avg",  "power_avg",
    "time_to_empty_avg", "time_to_full_avg", "voltage_avg",
};

// The string attributes that become node_power_supply_info labels (label = file name).
constexpr std::string_view kInfo[] = {"capacity_level", "charge_type",   "health", "manufacturer",
                                      "model_name",     "serial_number", "status", "technology",
                                      "type",           "usb_type",      "scope"};

}  // namespace

PowerSupplyFiles read_power_supply_dir(const std::filesystem::path& dir) {
  PowerSupplyFiles r;
  const sysfs::Listing l = sysfs::list_dir(dir);
  if (l.err != 0) return r;
  r.listed = true;
  for (const sysfs::Entry& e : l.entries) {
    if (e.type != sysfs::EntryType::regular) continue;
    sysfs::Attr a = sysfs::read_trimmed(dir / e.name);
    if (!a.ok()) {
      // Absent, not supported by this driver or in this state (ENODATA: a battery slot without
      // a battery), root-only (some chargers): skipped quietly, as procfs skips the first three.
      if (a.err != ENOENT && a.err != EOPNOTSUPP && a.err != EINVAL && a.err != ENODATA &&
          a.err != EACCES) {
        ++r.errors;
      }
      continue;
    }
    r.attrs.emplace_back(e.name, std::move(a.value));
  }
  return r;
}

PowerSupply parse_power_supply(std::string name,
                               std::span<const std::pair<std::string, std::string>> attrs) {
  PowerSupply ps;
  ps.name = std::move(name);
  ps.info.emplace_back("power_supply", sysfs::to_valid_utf8(ps.name));
  std::vector<std::pair<std::string, std::string>> info;
  for (const auto& [file, value] : attrs) {
    bool handled = false;
    for (const Numeric& n : kNumeric) {
      if (n.file != file) continue;
      handled = true;
      if (const auto v = sysfs::parse_int_base0(value)) {
        ps.gauges.emplace_back("node_power_supply_" + std::string(n.metric),
                               static_cast<double>(*v) / n.divisor);
      } else {
        ++ps.errors;
      }
    }
    for (const auto u : kUnpublishedNumeric) {
      if (!handled && u == file) {
        handled = true;
        if (!sysfs::parse_int_base0(value)) ++ps.errors;
      }
    }
    if (handled) continue;
    for (const auto k : kInfo) {
      if (k == file && !value.empty())
        info.emplace_back(std::string(k), sysfs::to_valid_utf8(value));
    }
  }
  for (auto& kv : info) ps.info.push_back(std::move(kv));
  return ps;
}

void publish_power_supply(const PowerSupply& ps, core::SampleSink& out) {
  const core::Label supply[] = {{"power_supply", ps.name}};
  for (const auto& [metric, value] : ps.gauges) {
    const std::string_view suffix =
        std::string_view(metric).substr(std::string_view("node_power_supply_").size());
    out.gauge(metric, std::string(suffix) + " value of /sys/class/power_supply/<power_supply>.",
              supply, value);
  }
  std::vector<core::Label> info;
  info.reserve(ps.info.size());
  for (const auto& [k, v] : ps.info) info.emplace_back(k, v);
  out.gauge("node_power_supply_info", "info of /sys/class/power_supply/<power_supply>.", info, 1);
}

PowerSupplyClassCollector::PowerSupplyClassCollector(
    core::HostPaths paths, const collectors::PowerSupplyClassOptions& options,
    std::shared_ptr<core::BlockingPool> pool, PowerSupplyReader reader)
    : paths_(std::move(paths)),
      device_exclude_("powersupplyclass.device_exclude", options.device_exclude),
      pool_(pool ? std::move(pool) : std::make_shared<core::BlockingPool>(kSysfsWorkers)),
      reader_(std::move(reader)) {}

core::Status PowerSupplyClassCollector::collect(core::SampleSink& out) {
  if (auto st = device_exclude_.valid(); !st.ok()) return st;
  const auto dir = paths_.sys / "class" / "power_supply";
  const sysfs::Listing l = sysfs::list_dir(dir);
  if (l.err == ENOENT) return core::ok();  // no power_supply class: nothing, as node_exporter
  if (l.err != 0) return core::error(dir.string() + ": " + std::strerror(l.err));
  std::vector<std::string> names;
  std::vector<std::shared_ptr<PowerSupplyFiles>> reads;
  std::vector<std::string> keys;
  std::vector<std::function<void()>> jobs;
  for (const sysfs::Entry& e : l.entries) {
    if (device_exclude_.search(e.name)) continue;
    auto r = std::make_shared<PowerSupplyFiles>();
    const auto path = dir / e.name;
    names.push_back(e.name);
    reads.push_back(r);
    keys.push_back("power_supply:" + path.string());
    jobs.emplace_back([r, path, read = reader_] { *r = read(path); });
  }
  const std::vector<bool> done =
      sysfs::run_all(*pool_, std::move(keys), std::move(jobs), sysfs::kDriverReadTimeout);
  for (std::size_t i = 0; i < reads.size(); ++i) {
    if (!done[i]) continue;  // still in its driver: no series this time
    const PowerSupplyFiles& r = *reads[i];
    if (!r.listed) continue;  // gone since the listing, a dangling link, or not a directory
    if (r.errors > 0) out.parse_errors(r.errors);
    const PowerSupply ps = parse_power_supply(names[i], r.attrs);
    if (ps.errors > 0) out.parse_errors(ps.errors);
    publish_power_supply(ps, out);
  }
  return core::ok();
}

std::unique_ptr<Collector> make_powersupplyclass(const CollectorContext& ctx) {
  return std::make_unique<PowerSupplyClassCollector>(ctx.paths, ctx.options.powersupplyclass,
                                                     ctx.blocking);
}

}  // namespace sonde::collectors
