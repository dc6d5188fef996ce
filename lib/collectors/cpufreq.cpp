#include "collectors/cpufreq.hpp"

#include <cerrno>
#include <system_error>

#include "collectors/sysfs_attr.hpp"
#include "collectors/text_fields.hpp"

namespace sonde::collectors {

namespace {

struct FreqFile {
  const char* file;
  std::optional<std::uint64_t> CpuFreq::*field;
  const char* name;
  const char* help;
};
constexpr FreqFile kFiles[] = {
    {"cpuinfo_cur_freq", &CpuFreq::cur, "node_cpu_frequency_hertz",
     "Current cpu thread frequency in hertz."},
    {"cpuinfo_min_freq", &CpuFreq::min, "node_cpu_frequency_min_hertz",
     "Minimum cpu thread frequency in hertz."},
    {"cpuinfo_max_freq", &CpuFreq::max, "node_cpu_frequency_max_hertz",
     "Maximum cpu thread frequency in hertz."},
    {"scaling_cur_freq", &CpuFreq::scaling_cur, "node_cpu_scaling_frequency_hertz",
     "Current scaled CPU thread frequency in hertz."},
    {"scaling_min_freq", &CpuFreq::scaling_min, "node_cpu_scaling_frequency_min_hertz",
     "Minimum scaled CPU thread frequency in hertz."},
    {"scaling_max_freq", &CpuFreq::scaling_max, "node_cpu_scaling_frequency_max_hertz",
     "Maximum scaled CPU thread frequency in hertz."},
};

}  // namespace

std::optional<std::uint64_t> parse_cpufreq_value(std::string_view text) {
  return text::parse_u64(sysfs::trim_space(text));
}

void publish_cpufreq(const CpuFreq& f, core::SampleSink& out) {
  for (const FreqFile& k : kFiles) {
    const auto& v = f.*k.field;
    // kHz to Hz, as node_exporter: float64(v) * 1000.
    if (v) out.gauge(k.name, k.help, {{"cpu", f.cpu}}, static_cast<double>(*v) * 1000.0);
  }
}

core::Status CpufreqCollector::collect(core::SampleSink& out) {
  const auto dir = paths_.sys / "devices" / "system" / "cpu";
  for (const std::string& n : sysfs::glob_numbered(dir, "cpu")) {
    const auto freq_dir = dir / n / "cpufreq";
    std::error_code ec;
    if (!std::filesystem::is_directory(freq_dir, ec)) continue;  // no cpufreq driver for it
    CpuFreq f;
    f.cpu = n.substr(3);
    for (const FreqFile& k : kFiles) {
      const sysfs::Attr a = sysfs::read_whole(freq_dir / k.file, 4096);
      if (!a.ok()) {
        // cpuinfo_cur_freq is root-only; drivers without a minimum lack the file.
        if (a.err != ENOENT && a.err != EACCES) out.parse_errors(1);
        continue;
      }
      f.*k.field = parse_cpufreq_value(a.value);
      if (!(f.*k.field)) out.parse_errors(1);
    }
    publish_cpufreq(f, out);
  }
  return core::ok();
}

std::unique_ptr<Collector> make_cpufreq(const CollectorContext& ctx) {
  return std::make_unique<CpufreqCollector>(ctx.paths);
}

}  // namespace sonde::collectors
