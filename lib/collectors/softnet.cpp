#include "collectors/softnet.hpp"

#include <limits>
#include <optional>
#include <string>

#include "collectors/proc_file.hpp"
#include "collectors/text_fields.hpp"

namespace sonde::collectors {

// Format (net/core/net-procfs.c, softnet_seq_show): "%08x" columns: processed, dropped,
// time_squeezed, then zeros, cpu_collision, received_rps, flow_limit_count and (5.10+)
// backlog length and cpu number.
core::Result<std::vector<SoftnetCpu>> parse_softnet(std::string_view text) {
  std::vector<SoftnetCpu> out;
  std::optional<core::Error> err;
  core::for_each_line(text, [&](std::string_view line) {
    if (err) return;
    std::uint32_t v[3] = {};
    std::size_t n = 0;
    for (std::string_view rest = line;;) {
      const std::string_view field = text::next_field(rest);
      if (field.empty()) break;
      if (n < 3) {
        const auto x = text::parse_u64_base(field, 16);
        if (!x || *x > std::numeric_limits<std::uint32_t>::max()) {
          err = core::error("softnet_stat: \"" + std::string(field.substr(0, 20)) +
                            "\" is not a 32-bit hexadecimal number");
          return;
        }
        v[n] = static_cast<std::uint32_t>(*x);
      }
      ++n;
    }
    if (n < 9) {
      err = core::error("softnet_stat: " + std::to_string(n) +
                        " columns were detected, but at least 9 were expected");
      return;
    }
    out.push_back({v[0], v[1], v[2]});
  });
  if (err) return *err;
  return out;
}

core::Status SoftnetCollector::collect(core::SampleSink& out) {
  const auto path = paths_.proc / "net" / "softnet_stat";
  auto text = read_if_present(path);
  if (!text) return text.status();
  if (!*text) return core::ok();
  auto cpus = parse_softnet(**text);
  if (!cpus) return core::error(cpus.message() + " in " + path.string());
  char buf[24];
  for (std::size_t i = 0; i < cpus->size(); ++i) {
    const SoftnetCpu& c = (*cpus)[i];
    const core::Label labels[] = {{"cpu", text::format_uint(buf, i)}};
    out.counter("node_softnet_processed_total", "Number of processed packets", labels, c.processed);
    out.counter("node_softnet_dropped_total", "Number of dropped packets", labels, c.dropped);
    out.counter("node_softnet_times_squeezed_total",
                "Number of times processing packets ran out of quota", labels, c.time_squeezed);
  }
  return core::ok();
}

std::unique_ptr<Collector> make_softnet(const CollectorContext& ctx) {
  return std::make_unique<SoftnetCollector>(ctx.paths);
}

}  // namespace sonde::collectors
