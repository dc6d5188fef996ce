#include "collectors/cpuinfo.hpp"

#include <limits>
#include <optional>
#include <set>
#include <string>

#include "collectors/text_fields.hpp"
#include "core/read_file.hpp"

namespace sonde::collectors {

namespace {

std::optional<std::uint32_t> parse_u32_base0(std::string_view s) {
  const auto v = text::parse_u64_base0(s);
  if (!v || *v > std::numeric_limits<std::uint32_t>::max()) return std::nullopt;
  return static_cast<std::uint32_t>(*v);
}

std::vector<std::string_view> fields(std::string_view s) {
  std::vector<std::string_view> out;
  for (auto f = text::next_field(s); !f.empty(); f = text::next_field(s)) out.push_back(f);
  return out;
}

core::Error bad(std::string_view what, std::string_view value) {
  return core::error("cpuinfo: invalid " + std::string(what) + " \"" +
                     std::string(value.substr(0, 40)) + "\"");
}

}  // namespace

// Format (arch/x86/kernel/cpu/proc.c, show_cpuinfo): "key\t\t: value" lines, one block per CPU
// separated by blank lines.
core::Result<std::vector<CpuInfo>> parse_cpuinfo(std::string_view text) {
  std::vector<CpuInfo> cpus;
  std::optional<core::Error> err;
  bool first = true;
  core::for_each_line(text, [&](std::string_view line) {
    if (err) return;
    if (first) {
      if (text::trim(line).empty()) return;
      first = false;
      const auto sep = line.find(": ");
      if (line.rfind("processor", 0) != 0 || sep == std::string_view::npos) {
        err =
            core::error("cpuinfo: invalid first line \"" + std::string(line.substr(0, 40)) + "\"");
        return;
      }
      const auto v = parse_u32_base0(line.substr(sep + 2));
      if (!v) {
        err = bad("processor", line.substr(sep + 2));
        return;
      }
      cpus.push_back(CpuInfo{});
      cpus.back().processor = *v;
      return;
    }
    const auto sep = line.find(": ");
    if (sep == std::string_view::npos) return;  // also "power management:" with no value
    const std::string_view key = text::trim(line.substr(0, sep));
    const std::string_view value = line.substr(sep + 2);
    CpuInfo& c = cpus.back();
    const auto number = [&](bool is_float) {
      const bool ok =
          is_float ? text::parse_go_float(value).has_value() : parse_u32_base0(value).has_value();
      if (!ok) err = bad(key, value);
    };
    if (key == "processor") {
      const auto v = parse_u32_base0(value);
      if (!v) {
        err = bad(key, value);
        return;
      }
      cpus.push_back(CpuInfo{});
      cpus.back().processor = *v;
    } else if (key == "vendor" || key == "vendor_id") {
      c.vendor = value;
    } else if (key == "cpu family") {
      c.family = value;
    } else if (key == "model") {
      c.model = value;
    } else if (key == "model name") {
      c.model_name = value;
    } else if (key == "stepping") {
      c.stepping = value;
    } else if (key == "microcode") {
      c.microcode = value;
    } else if (key == "cache size") {
      c.cache_size = value;
    } else if (key == "physical id") {
      c.physical_id = value;
    } else if (key == "core id") {
      c.core_id = value;
    } else if (key == "flags") {
      c.flags = fields(value);
    } else if (key == "bugs") {
      c.bugs = fields(value);
    } else if (key == "cpu MHz" || key == "bogomips") {
      number(true);
    } else if (key == "siblings" || key == "cpu cores" || key == "cpuid level" ||
               key == "clflush size" || key == "cache_alignment") {
      number(false);
    }
  });
  if (err) return *err;
  if (first) return core::error("cpuinfo: no processor line");
  return cpus;
}

void publish_cpuinfo(core::SampleSink& out, const std::vector<CpuInfo>& cpus,
                     const core::Regex* flags_include, const core::Regex* bugs_include) {
  std::set<std::uint32_t> seen;
  char buf[16];
  for (const CpuInfo& c : cpus) {
    if (!seen.insert(c.processor).second) {
      out.parse_errors(1);
      continue;
    }
    // Label names in node_exporter's (sorted) order.
    const core::Label labels[] = {
        {"cachesize", c.cache_size},
        {"core", c.core_id},
        {"cpu", text::format_uint(buf, c.processor)},
        {"family", c.family},
        {"microcode", c.microcode},
        {"model", c.model},
        {"model_name", c.model_name},
        {"package", c.physical_id},
        {"stepping", c.stepping},
        {"vendor", c.vendor},
    };
    out.gauge("node_cpu_info", "CPU information from /proc/cpuinfo.", labels, 1);
  }
  if (cpus.empty()) return;
  const auto field_info = [&](const std::vector<std::string_view>& values, const core::Regex* re,
                              const char* name, const char* label, const char* help) {
    if (re == nullptr) return;
    std::set<std::string_view> done;
    for (const std::string_view v : values) {
      if (!re->matches(v)) continue;
      if (!done.insert(v).second) {
        out.parse_errors(1);
        continue;
      }
      const core::Label l[] = {{label, v}};
      out.gauge(name, help, l, 1);
    }
  };
  field_info(cpus.front().flags, flags_include, "node_cpu_flag_info", "flag",
             "The `flags` field of CPU information from /proc/cpuinfo taken from the first core.");
  field_info(cpus.front().bugs, bugs_include, "node_cpu_bug_info", "bug",
             "The `bugs` field of CPU information from /proc/cpuinfo taken from the first core.");
}

}  // namespace sonde::collectors
