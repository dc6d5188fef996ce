#include "collectors/meminfo.hpp"

#include <unordered_set>

#include "collectors/text_fields.hpp"
#include "core/read_file.hpp"

namespace sonde::collectors {

namespace {

// node_exporter turns "Active(anon)" into "Active_anon" with the greedy regexp \((.*)\) → _$1:
// everything between the first '(' and the last ')' is kept, the parentheses become one '_'.
std::string mangle_key(std::string_view key) {
  const auto open = key.find('(');
  const auto close = key.rfind(')');
  if (open == std::string_view::npos || close == std::string_view::npos || close < open) {
    return std::string(key);
  }
  std::string out(key.substr(0, open));
  out += '_';
  out += key.substr(open + 1, close - open - 1);
  out += key.substr(close + 1);
  return out;
}

}  // namespace

// Format (Documentation/filesystems/proc.rst, "meminfo"): "Key:   value [kB]" per line. Sizes
// are in kB (1024 bytes, whatever the unit is called); counts such as HugePages_Total have no
// unit. node_exporter multiplies by 1024 and appends "_bytes" when a unit is present. It also
// skips empty lines (seen on CentOS 6 kernels), and so do we, silently.
Meminfo parse_meminfo(std::string_view text) {
  Meminfo out;
  std::unordered_set<std::string> seen;
  core::for_each_line(text, [&](std::string_view line) {
    std::string_view rest = line;
    const std::string_view key = text::next_field(rest);
    if (key.empty()) return;
    const std::string_view number = text::next_field(rest);
    const std::string_view unit = text::next_field(rest);
    const bool extra = !text::next_field(rest).empty();
    const auto value = text::parse_double(number);
    if (key.size() < 2 || key.back() != ':' || !value || extra || (!unit.empty() && unit != "kB")) {
      ++out.errors;
      return;
    }
    std::string name = mangle_key(key.substr(0, key.size() - 1));
    if (!text::is_metric_name_suffix(name)) {
      ++out.errors;
      return;
    }
    if (!unit.empty()) name += "_bytes";
    // The kernel never repeats a key; if a file does, the first one wins and the rest count as
    // errors rather than silently replacing it.
    if (!seen.insert(name).second) {
      ++out.errors;
      return;
    }
    out.fields.push_back({std::move(name), unit.empty() ? *value : *value * 1024.0});
  });
  return out;
}

core::Status MeminfoCollector::collect(core::SampleSink& out) {
  auto text = core::read_text(paths_.proc / "meminfo");
  if (!text) return text.status();
  const Meminfo info = parse_meminfo(*text);
  if (info.errors > 0) out.parse_errors(info.errors);
  std::string metric;
  std::string help;
  for (const MeminfoField& f : info.fields) {
    metric.assign("node_memory_").append(f.name);
    help.assign("Memory information field ").append(f.name).append(".");
    out.gauge(metric, help, {}, f.value);
  }
  return core::ok();
}

std::unique_ptr<Collector> make_meminfo(const CollectorContext& ctx) {
  return std::make_unique<MeminfoCollector>(ctx.paths);
}

}  // namespace sonde::collectors
