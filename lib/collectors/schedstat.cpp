#include "collectors/schedstat.hpp"

#include <array>
#include <optional>
#include <string>

#include "collectors/proc_file.hpp"
#include "collectors/text_fields.hpp"

namespace sonde::collectors {

namespace {

std::size_t digits(std::string_view s, std::size_t i) {
  std::size_t j = i;
  while (j < s.size() && s[j] >= '0' && s[j] <= '9') ++j;
  return j - i;
}

/// procfs 0.8.0's cpuLineRE, `cpu(\d+) (\d+) (\d+) (\d+) (\d+) (\d+) (\d+) (\d+) (\d+) (\d+)`,
/// at its leftmost match in `line` as Go's FindStringSubmatch finds it: the ten numbers.
std::optional<std::array<std::string_view, 10>> match_cpu_line(std::string_view line) {
  for (auto at = line.find("cpu"); at != std::string_view::npos; at = line.find("cpu", at + 1)) {
    std::array<std::string_view, 10> g;
    std::size_t i = at + 3;
    bool ok = true;
    for (std::size_t k = 0; ok && k < g.size(); ++k) {
      if (k > 0) {
        if (i >= line.size() || line[i] != ' ') {
          ok = false;
          break;
        }
        ++i;
      }
      const std::size_t n = digits(line, i);
      if (n == 0) ok = false;
      g[k] = line.substr(i, n);
      i += n;
    }
    if (ok) return g;
  }
  return std::nullopt;
}

}  // namespace

// Format (Documentation/scheduler/sched-stats.rst, version 15): "cpu<N> 0 0 0 0 0 0 <running
// ns> <waiting ns> <timeslices>"; only the last three are used.
core::Result<std::vector<SchedstatCpu>> parse_schedstat(std::string_view text) {
  std::vector<SchedstatCpu> out;
  core::for_each_line(text, [&](std::string_view line) {
    const auto g = match_cpu_line(line);
    if (!g) return;
    const auto running = text::parse_u64((*g)[7]);
    const auto waiting = text::parse_u64((*g)[8]);
    const auto slices = text::parse_u64((*g)[9]);
    if (!running || !waiting || !slices) return;
    out.push_back({(*g)[0], *running, *waiting, *slices});
  });
  return out;
}

core::Status SchedstatCollector::collect(core::SampleSink& out) {
  auto text = read_if_present(paths_.proc / "schedstat");
  if (!text) return text.status();
  if (!*text) return core::ok();
  auto cpus = parse_schedstat(**text);
  if (!cpus) return cpus.status();
  constexpr double kNsPerSec = 1e9;
  for (const SchedstatCpu& c : *cpus) {
    const core::Label labels[] = {{"cpu", c.cpu}};
    out.counter("node_schedstat_running_seconds_total",
                "Number of seconds CPU spent running a process.", labels,
                static_cast<double>(c.running_ns) / kNsPerSec);
    out.counter("node_schedstat_waiting_seconds_total",
                "Number of seconds spent by processing waiting for this CPU.", labels,
                static_cast<double>(c.waiting_ns) / kNsPerSec);
    out.counter("node_schedstat_timeslices_total", "Number of timeslices executed by CPU.", labels,
                static_cast<double>(c.timeslices));
  }
  return core::ok();
}

std::unique_ptr<Collector> make_schedstat(const CollectorContext& ctx) {
  return std::make_unique<SchedstatCollector>(ctx.paths);
}

}  // namespace sonde::collectors
