#include "collectors/cpu_sysfs.hpp"

#include <algorithm>
#include <cerrno>
#include <map>
#include <string>

#include "collectors/sysfs_attr.hpp"
#include "collectors/text_fields.hpp"
#include "core/kept_files.hpp"

namespace sonde::collectors {

namespace {

constexpr std::int64_t kMaxCpu = 65535;

/// readUintFromFile: the whole file, whitespace trimmed, unsigned decimal. `path` is a scratch
/// buffer holding a CPU's directory with a trailing '/': `name` is appended for the read and
/// taken off again (no std::filesystem::path built per file and cycle).
std::optional<std::uint64_t> read_uint(std::string& path, std::string_view name) {
  const std::size_t dir_len = path.size();
  path += name;
  thread_local std::string value;
  value.clear();
  const auto r = core::KeptFiles::shared().read_all(path.c_str(), value, 4096);
  path.resize(dir_len);
  if (r.err != 0) return std::nullopt;
  return text::parse_u64(sysfs::trim_space(value));
}

void publish_throttles(const std::filesystem::path& dir, core::SampleSink& out) {
  std::map<std::uint64_t, std::uint64_t> packages;
  std::map<std::uint64_t, std::map<std::uint64_t, std::uint64_t>> cores;
  std::string cpu;
  for (const std::string& n : sysfs::glob_numbered(dir, "cpu")) {
    cpu.assign(dir.native()).append("/").append(n).append("/");
    // A CPU without topology (offline, or not exposed) is skipped, as node_exporter does.
    const auto package = read_uint(cpu, "topology/physical_package_id");
    if (!package) continue;
    const auto core = read_uint(cpu, "topology/core_id");
    if (!core) continue;
    // Hyperthreads share their core's count: read it once per (package, core), and the
    // package's once per package. Some CPUs have core counts but no package count.
    auto& per_core = cores[*package];
    if (!per_core.count(*core)) {
      if (const auto v = read_uint(cpu, "thermal_throttle/core_throttle_count")) {
        per_core[*core] = *v;
      }
    }
    if (!packages.count(*package)) {
      if (const auto v = read_uint(cpu, "thermal_throttle/package_throttle_count")) {
        packages[*package] = *v;
      }
    }
  }
  for (const auto& [package, count] : packages) {
    const std::string p = std::to_string(package);
    out.counter("node_cpu_package_throttles_total",
                "Number of times this CPU package has been throttled.", {{"package", p}},
                static_cast<double>(count));
  }
  for (const auto& [package, per_core] : cores) {
    const std::string p = std::to_string(package);
    for (const auto& [core, count] : per_core) {
      const std::string c = std::to_string(core);
      out.counter("node_cpu_core_throttles_total",
                  "Number of times this CPU core has been throttled.",
                  {{"package", p}, {"core", c}}, static_cast<double>(count));
    }
  }
}

}  // namespace

std::optional<std::vector<std::uint16_t>> parse_isolated_cpus(std::string_view text) {
  while (!text.empty() && text.back() == '\n') text.remove_suffix(1);
  std::vector<std::uint16_t> out;
  while (true) {
    const auto comma = text.find(',');
    const std::string_view item = text.substr(0, comma);
    if (!item.empty()) {
      std::int64_t first = 0, last = 0;
      if (const auto dash = item.find('-'); dash != std::string_view::npos) {
        const std::string_view a = item.substr(0, dash), b = item.substr(dash + 1);
        if (b.find('-') != std::string_view::npos) return std::nullopt;  // "1-2-3"
        const auto x = sysfs::atoi(a), y = sysfs::atoi(b);
        if (!x || !y) return std::nullopt;
        first = *x;
        last = *y;
      } else {
        const auto x = sysfs::atoi(item);
        if (!x) return std::nullopt;
        first = last = *x;
      }
      if (first < 0 || last > kMaxCpu) return std::nullopt;
      for (std::int64_t i = first; i <= last; ++i) out.push_back(static_cast<std::uint16_t>(i));
    }
    if (comma == std::string_view::npos) break;
    text.remove_prefix(comma + 1);
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

void publish_cpu_sysfs(const std::filesystem::path& sys, core::SampleSink& out) {
  const auto dir = sys / "devices" / "system" / "cpu";
  publish_throttles(dir, out);
  const sysfs::Attr isolated = sysfs::read_whole(dir / "isolated", 64 * 1024);
  if (!isolated.ok()) {
    if (isolated.err != ENOENT) out.parse_errors(1);
    return;
  }
  const auto cpus = parse_isolated_cpus(isolated.value);
  if (!cpus) {
    out.parse_errors(1);
    return;
  }
  for (const std::uint16_t cpu : *cpus) {
    const std::string c = std::to_string(cpu);
    out.gauge("node_cpu_isolated",
              "Whether each core is isolated, information from /sys/devices/system/cpu/isolated.",
              {{"cpu", c}}, 1);
  }
}

}  // namespace sonde::collectors
