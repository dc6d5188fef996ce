#include "collectors/loadavg.hpp"

#include <array>
#include <string>

#include "collectors/text_fields.hpp"
#include "core/read_file.hpp"

namespace sonde::collectors {

// Format (Documentation/filesystems/proc.rst, "1.7 Miscellaneous kernel statistics in /proc",
// loadavg): "0.21 0.37 0.39 1/719 19737" — the 1, 5 and 15 minute load averages, then
// running/total tasks and the last PID. Only the first three fields are used, as in
// node_exporter's parseLoad.
core::Result<Loadavg> parse_loadavg(std::string_view text) {
  std::array<double, 3> v{};
  std::string_view rest = text;
  for (std::size_t i = 0; i < v.size(); ++i) {
    const std::string_view field = text::next_field(rest);
    const auto d = text::parse_double(field);
    if (!d) {
      return core::error("loadavg: field " + std::to_string(i + 1) + " is not a number: \"" +
                         std::string(field.substr(0, 32)) + "\"");
    }
    v[i] = *d;
  }
  return Loadavg{v[0], v[1], v[2]};
}

core::Status LoadavgCollector::collect(core::SampleSink& out) {
  auto text = core::read_text(paths_.proc / "loadavg");
  if (!text) return text.status();
  auto load = parse_loadavg(*text);
  if (!load) return load.status();
  out.gauge("node_load1", "1m load average.", {}, load->one);
  out.gauge("node_load5", "5m load average.", {}, load->five);
  out.gauge("node_load15", "15m load average.", {}, load->fifteen);
  return core::ok();
}

std::unique_ptr<Collector> make_loadavg(const CollectorContext& ctx) {
  return std::make_unique<LoadavgCollector>(ctx.paths);
}

}  // namespace sonde::collectors
