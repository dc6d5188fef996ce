#include "collectors/thermal_zone.hpp"

#include <cerrno>

#include "collectors/hwmon.hpp"
#include "collectors/sysfs_attr.hpp"
#include "collectors/text_fields.hpp"

namespace sonde::collectors {

namespace {

FileText attr(const std::filesystem::path& p) {
  sysfs::Attr a = sysfs::read_trimmed(p);
  return {a.err, std::move(a.value)};
}

/// util.ReadIntFromFile / ReadUintFromFile: the whole file, whitespace trimmed.
FileText whole(const std::filesystem::path& p) {
  sysfs::Attr a = sysfs::read_whole(p, 4096);
  return {a.err, std::string(sysfs::trim_space(a.value))};
}

bool absent_or_denied(int err) { return err == ENOENT || err == EACCES; }

struct Read {
  std::vector<ThermalZoneFiles> zones;
  std::vector<CoolingDeviceFiles> devices;
};

Read read_thermal(const std::filesystem::path& dir) {
  Read r;
  for (const std::string& n : sysfs::glob_numbered(dir, "thermal_zone")) {
    ThermalZoneFiles f;
    f.zone = n.substr(std::string_view("thermal_zone").size());
    const auto z = dir / n;
    f.type = attr(z / "type");
    f.policy = attr(z / "policy");
    f.temp = whole(z / "temp");
    f.mode = attr(z / "mode");
    f.passive = whole(z / "passive");
    r.zones.push_back(std::move(f));
  }
  for (const std::string& n : sysfs::glob_numbered(dir, "cooling_device")) {
    CoolingDeviceFiles f;
    f.name = n.substr(std::string_view("cooling_device").size());
    const auto d = dir / n;
    f.type = attr(d / "type");
    f.max_state = attr(d / "max_state");
    f.cur_state = attr(d / "cur_state");
    r.devices.push_back(std::move(f));
  }
  return r;
}

}  // namespace

ZoneResult parse_thermal_zone(const ThermalZoneFiles& f) {
  ZoneResult r;
  for (const FileText* required : {&f.type, &f.policy, &f.temp}) {
    if (required->err == ENODATA) return r;  // procfs skips such a zone
    if (required->err != 0) {
      r.error = true;
      return r;
    }
  }
  const auto temp = sysfs::parse_int10(f.temp.text);
  const bool mode_ok = f.mode.err == 0 || absent_or_denied(f.mode.err);
  const bool passive_ok = absent_or_denied(f.passive.err) ||
                          (f.passive.err == 0 && text::parse_u64(f.passive.text).has_value());
  if (!temp || !mode_ok || !passive_ok) {
    r.error = true;
    return r;
  }
  r.zone = ThermalZone{f.zone, f.type.text, static_cast<double>(*temp) / 1000.0};
  return r;
}

std::optional<CoolingDevice> parse_cooling_device(const CoolingDeviceFiles& f) {
  if (f.type.err != 0 || f.max_state.err != 0 || f.cur_state.err != 0) return std::nullopt;
  const auto max = sysfs::parse_int10(f.max_state.text);
  const auto cur = sysfs::parse_int10(f.cur_state.text);
  if (!max || !cur) return std::nullopt;
  return CoolingDevice{f.name, f.type.text, *cur, *max};
}

ThermalZoneCollector::ThermalZoneCollector(core::HostPaths paths,
                                           std::shared_ptr<core::BlockingPool> pool)
    : paths_(std::move(paths)),
      pool_(pool ? std::move(pool) : std::make_shared<core::BlockingPool>(kSysfsWorkers)) {}

core::Status ThermalZoneCollector::collect(core::SampleSink& out) {
  auto read = std::make_shared<Read>();
  const auto dir = paths_.sys / "class" / "thermal";
  const std::vector<bool> done =
      sysfs::run_all(*pool_, {"thermal:" + paths_.sys.string()},
                     {[read, dir] { *read = read_thermal(dir); }}, sysfs::kDriverReadTimeout);
  if (!done[0]) {
    return core::error(dir.string() + ": not read within " +
                       std::to_string(sysfs::kDriverReadTimeout.count()) + " ms");
  }
  // node_exporter fails the whole collector on one bad zone or device; here only that one is
  // left out (and counted).
  for (const ThermalZoneFiles& f : read->zones) {
    const ZoneResult z = parse_thermal_zone(f);
    if (z.error) out.parse_errors(1);
    if (!z.zone) continue;
    const std::string type = sysfs::to_valid_utf8(z.zone->type);
    out.gauge("node_thermal_zone_temp", "Zone temperature in Celsius",
              {{"zone", z.zone->zone}, {"type", type}}, z.zone->celsius);
  }
  for (const CoolingDeviceFiles& f : read->devices) {
    const auto d = parse_cooling_device(f);
    if (!d) {
      out.parse_errors(1);
      continue;
    }
    const std::string type = sysfs::to_valid_utf8(d->type);
    const core::Label labels[] = {{"name", d->name}, {"type", type}};
    out.gauge("node_cooling_device_cur_state", "Current throttle state of the cooling device",
              labels, static_cast<double>(d->cur_state));
    out.gauge("node_cooling_device_max_state", "Maximum throttle state of the cooling device",
              labels, static_cast<double>(d->max_state));
  }
  return core::ok();
}

std::unique_ptr<Collector> make_thermal_zone(const CollectorContext& ctx) {
  return std::make_unique<ThermalZoneCollector>(ctx.paths, ctx.blocking);
}

}  // namespace sonde::collectors
