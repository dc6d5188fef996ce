#include "collectors/time.hpp"

#include <ctime>

#include "collectors/text_fields.hpp"
#include "core/read_file.hpp"

namespace sonde::collectors {

Clocksources parse_clocksources(std::string_view available, std::string_view current) {
  Clocksources out;
  for (std::string_view f = text::next_field(available); !f.empty();
       f = text::next_field(available)) {
    out.available.push_back(f);
  }
  out.current = text::trim(current);
  return out;
}

core::Result<TimeZone> local_time_zone(std::chrono::system_clock::time_point t) {
  const std::time_t secs = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  if (::localtime_r(&secs, &tm) == nullptr) {
    return core::error("localtime_r failed for " + std::to_string(secs));
  }
  return TimeZone{tm.tm_zone != nullptr ? std::string(tm.tm_zone) : std::string(), tm.tm_gmtoff};
}

core::Status TimeCollector::collect(core::SampleSink& out) {
  auto zone = local_time_zone(clock_.now());
  if (!zone) return zone.status();
  out.gauge("node_time_zone_offset_seconds", "System time zone offset in seconds.",
            {{"time_zone", zone->name}}, static_cast<double>(zone->offset_seconds));

  // Paravirtualised or exotic hosts may lack the clocksource files: the time itself is still
  // valid, so their absence is neither an error nor a parse error.
  const auto dir = paths_.sys / "devices/system/clocksource/clocksource0";
  auto available = core::read_text(dir / "available_clocksource");
  auto current = core::read_text(dir / "current_clocksource");
  const Clocksources cs = parse_clocksources(available ? std::string_view(*available) : "",
                                             current ? std::string_view(*current) : "");
  // device is the clocksource's position in node_exporter's glob of clocksource[0-9]*: only
  // clocksource0 exists on Linux, so it is always "0".
  for (const std::string_view name : cs.available) {
    out.gauge("node_time_clocksource_available_info",
              "Available clocksources read from '/sys/devices/system/clocksource'.",
              {{"clocksource", name}, {"device", "0"}}, 1);
  }
  if (!cs.current.empty()) {
    out.gauge("node_time_clocksource_current_info",
              "Current clocksource read from '/sys/devices/system/clocksource'.",
              {{"clocksource", cs.current}, {"device", "0"}}, 1);
  }
  return core::ok();
}

std::function<void(core::SnapshotBuilder&)> TimeCollector::live_source() {
  return [&clock = clock_](core::SnapshotBuilder& out) {
    const double now = std::chrono::duration<double>(clock.now().time_since_epoch()).count();
    out.gauge("node_time_seconds", "System time in seconds since epoch (1970).", {}, now);
  };
}

std::unique_ptr<Collector> make_time(const CollectorContext& ctx) {
  return std::make_unique<TimeCollector>(ctx.paths, ctx.clock);
}

}  // namespace sonde::collectors
