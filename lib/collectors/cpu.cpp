#include "collectors/cpu.hpp"

#include <algorithm>
#include <set>

#include "collectors/cpu_sysfs.hpp"
#include "collectors/cpuinfo.hpp"
#include "collectors/proc_file.hpp"
#include "collectors/text_fields.hpp"
#include "core/read_file.hpp"

namespace sonde::collectors {

namespace {

constexpr std::string_view kSecondsHelp = "Seconds the CPUs spent in each mode.";
constexpr std::string_view kGuestHelp = "Seconds the CPUs spent in guests (VMs) for each mode.";

// Mode label of each column node_exporter exports in node_cpu_seconds_total (guest columns go
// to node_cpu_guest_seconds_total instead, since user and nice already include them).
constexpr std::array<std::string_view, 8> kModes = {"user",   "nice", "system",  "idle",
                                                    "iowait", "irq",  "softirq", "steal"};

// Before Linux 2.6 a cpuN line had user, nice, system and idle only; fewer is not /proc/stat.
constexpr std::size_t kMinCpuFields = 4;

}  // namespace

// Format (Documentation/filesystems/proc.rst, "1.8 Miscellaneous kernel statistics in
// /proc/stat"): "cpuN user nice system idle iowait irq softirq steal guest guest_nice", times in
// USER_HZ. iowait appeared in 2.5.41, irq/softirq in 2.6.0, steal in 2.6.11, guest in 2.6.24 and
// guest_nice in 2.6.33; columns added later are ignored.
CpuStat parse_cpu(std::string_view stat_text) {
  CpuStat out;
  std::set<std::uint32_t> seen;
  core::for_each_line(stat_text, [&](std::string_view line) {
    std::string_view rest = line;
    const std::string_view key = text::next_field(rest);
    if (key.size() <= 3 || key.substr(0, 3) != "cpu") return;  // not a per-CPU line
    const auto id = text::parse_u64(key.substr(3));
    if (!id || *id > UINT32_MAX) {
      ++out.errors;
      return;
    }
    CpuTimes t;
    t.cpu = static_cast<std::uint32_t>(*id);
    for (std::string_view f = text::next_field(rest); !f.empty(); f = text::next_field(rest)) {
      if (t.fields == kCpuFieldCount) break;
      const auto v = text::parse_u64(f);
      if (!v) {  // a garbage column makes the whole line untrustworthy
        ++out.errors;
        return;
      }
      t.ticks[t.fields++] = *v;
    }
    if (t.fields < kMinCpuFields || !seen.insert(t.cpu).second) {
      ++out.errors;
      return;
    }
    out.cpus.push_back(t);
  });
  return out;
}

void CpuCollector::update(const std::vector<CpuTimes>& fresh) {
  std::map<std::uint32_t, CpuTimes> next;
  for (const CpuTimes& n : fresh) {
    // A CPU seen for the first time starts from zero, so its first values are taken as read.
    CpuTimes prev;
    if (auto it = cpus_.find(n.cpu); it != cpus_.end()) prev = it->second;
    constexpr auto kIdle = static_cast<std::size_t>(CpuField::idle);
    constexpr std::uint64_t kJumpBackTicks = 3 * static_cast<std::uint64_t>(kUserHz);
    if (prev.ticks[kIdle] > n.ticks[kIdle] &&
        prev.ticks[kIdle] - n.ticks[kIdle] >= kJumpBackTicks) {
      prev = CpuTimes{};
    }
    CpuTimes merged = n;
    for (std::size_t i = 0; i < n.fields; ++i) {
      merged.ticks[i] = std::max(n.ticks[i], prev.ticks[i]);
    }
    next.emplace(n.cpu, merged);
  }
  // CPUs missing from this reading went offline: their series disappear, and their history is
  // forgotten so that coming back online starts afresh.
  cpus_ = std::move(next);
}

CpuCollector::CpuCollector(core::HostPaths paths, const collectors::CpuOptions& options)
    : paths_(std::move(paths)), guest_(options.guest) {
  info_ = options.info || !options.flags_include.empty() || !options.bugs_include.empty();
  if (!options.flags_include.empty()) {
    flags_include_ = core::Regex::compile(options.flags_include, core::Regex::Anchor::none);
  }
  if (!options.bugs_include.empty()) {
    bugs_include_ = core::Regex::compile(options.bugs_include, core::Regex::Anchor::none);
  }
}

core::Status CpuCollector::collect_info(core::SampleSink& out) {
  if (flags_include_ && !*flags_include_) {
    return core::error("cpu.flags_include: " + flags_include_->message());
  }
  if (bugs_include_ && !*bugs_include_) {
    return core::error("cpu.bugs_include: " + bugs_include_->message());
  }
  const auto path = paths_.proc / "cpuinfo";
  auto text = read_if_present(path);
  if (!text) return text.status();
  if (!*text) return core::ok();  // no /proc/cpuinfo: no info families
  auto cpus = parse_cpuinfo(**text);
  if (!cpus) return core::error(cpus.message() + " in " + path.string());
  publish_cpuinfo(out, *cpus, flags_include_ ? &**flags_include_ : nullptr,
                  bugs_include_ ? &**bugs_include_ : nullptr);
  return core::ok();
}

core::Status CpuCollector::collect(core::SampleSink& out) {
  if (info_) {
    if (auto st = collect_info(out); !st.ok()) return st;
  }
  auto text = core::read_text(paths_.proc / "stat");
  if (!text) return text.status();
  const CpuStat stat = parse_cpu(*text);
  if (stat.errors > 0) out.parse_errors(stat.errors);
  update(stat.cpus);

  for (const auto& [id, t] : cpus_) {
    char buf[16];
    const std::string_view cpu = text::format_uint(buf, id);
    for (std::size_t i = 0; i < kModes.size() && i < t.fields; ++i) {
      out.counter("node_cpu_seconds_total", kSecondsHelp, {{"cpu", cpu}, {"mode", kModes[i]}},
                  static_cast<double>(t.ticks[i]) / kUserHz);
    }
    if (!guest_) continue;
    if (t.has(CpuField::guest)) {
      out.counter("node_cpu_guest_seconds_total", kGuestHelp, {{"cpu", cpu}, {"mode", "user"}},
                  static_cast<double>(t.at(CpuField::guest)) / kUserHz);
    }
    if (t.has(CpuField::guest_nice)) {
      out.counter("node_cpu_guest_seconds_total", kGuestHelp, {{"cpu", cpu}, {"mode", "nice"}},
                  static_cast<double>(t.at(CpuField::guest_nice)) / kUserHz);
    }
  }
  // node_exporter's cpu collector also reads sysfs: throttle counts and the isolated CPUs.
  publish_cpu_sysfs(paths_.sys, out);
  return core::ok();
}

std::unique_ptr<Collector> make_cpu(const CollectorContext& ctx) {
  return std::make_unique<CpuCollector>(ctx.paths, ctx.options.cpu);
}

}  // namespace sonde::collectors
