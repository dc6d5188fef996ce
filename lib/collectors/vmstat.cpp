#include "collectors/vmstat.hpp"

#include <algorithm>
#include <cstdint>
#include <functional>
#include <string>
#include <unordered_set>
#include <vector>

#include "collectors/text_fields.hpp"
#include "core/read_file.hpp"

namespace sonde::collectors {

// Format: "name value" per line. /proc/vmstat has no table in proc.rst; its field names are
// vmstat_text[] in mm/vmstat.c and change between kernel versions, which is why fields are
// selected by regex rather than by a fixed list.
Vmstat parse_vmstat(std::string_view text) {
  Vmstat out;
  // The names kept so far, as an open-addressing table of index + 1 into out.fields (linear
  // probing, at most half full: sized for every line): ~190 names need no node each.
  const std::size_t lines =
      static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n')) + 1;
  std::size_t size = 16;
  while (size < 2 * lines) size *= 2;
  std::vector<std::uint32_t> seen(size, 0);
  const auto first_time = [&](std::string_view name) {
    for (std::size_t i = std::hash<std::string_view>{}(name) & (size - 1);;
         i = (i + 1) & (size - 1)) {
      if (seen[i] == 0) {
        seen[i] = static_cast<std::uint32_t>(out.fields.size() + 1);
        return true;
      }
      if (out.fields[seen[i] - 1].name == name) return false;
    }
  };
  core::for_each_line(text, [&](std::string_view line) {
    std::string_view rest = line;
    const std::string_view name = text::next_field(rest);
    if (name.empty()) return;
    const auto value = text::parse_double(text::next_field(rest));
    if (!value || !text::next_field(rest).empty() || !text::is_metric_name_suffix(name) ||
        !first_time(name)) {
      ++out.errors;
      return;
    }
    out.fields.push_back({name, *value});
  });
  return out;
}

VmstatCollector::VmstatCollector(core::HostPaths paths, const std::string& fields)
    : paths_(std::move(paths)), fields_("vmstat.fields", fields) {}

// With every value an integer and no line longer than "name value", what parse_vmstat keeps and
// skips depends on the names alone: the first of each valid name is kept, the rest are errors.
void VmstatCollector::plan(std::string_view text) {
  picks_.clear();
  plan_name_errors_ = 0;
  std::unordered_set<std::string_view> seen;
  std::uint32_t line_no = 0;
  core::for_each_line(text, [&](std::string_view line) {
    const std::uint32_t at = line_no++;
    const std::string_view name = text::next_field(line);
    if (name.empty()) return;
    if (!text::is_metric_name_suffix(name) || !seen.insert(name).second) {
      ++plan_name_errors_;
      return;
    }
    // An empty regex matches every field, as Go's regexp "" does for node_exporter.
    if (!fields_.empty() &&
        !memo_.get(name, [&](std::string_view n) { return fields_.search(n); })) {
      return;
    }
    picks_.push_back({at, "node_vmstat_" + std::string(name),
                      "/proc/vmstat information field " + std::string(name) + "."});
  });
  plan_names_ = names_;
}

core::Status VmstatCollector::collect(core::SampleSink& out) {
  if (auto st = fields_.valid(); !st.ok()) return st;
  auto text = core::read_text(paths_.proc / "vmstat");
  if (!text) return text.status();

  names_.clear();
  values_.clear();
  bool plain = true;  // every line "name integer" (or blank)
  core::for_each_line(*text, [&](std::string_view line) {
    const std::string_view name = text::next_field(line);
    const std::string_view value = text::next_field(line);
    names_.append(name).push_back('\n');
    values_.push_back(value);
    if (!name.empty() && (!text::is_decimal_integer(value) || !text::next_field(line).empty()))
      plain = false;
  });
  if (plain) {
    if (plan_names_.empty() || names_ != plan_names_) plan(*text);
    if (plan_name_errors_ > 0) out.parse_errors(plan_name_errors_);
    for (const Pick& p : picks_) {
      out.untyped(p.name, p.help, {}, text::parse_double(values_[p.line]).value_or(0));
    }
    return core::ok();
  }

  const Vmstat vm = parse_vmstat(*text);
  if (vm.errors > 0) out.parse_errors(vm.errors);
  std::string metric;
  std::string help;
  for (const VmstatField& f : vm.fields) {
    if (!fields_.empty() &&
        !memo_.get(f.name, [&](std::string_view n) { return fields_.search(n); })) {
      continue;
    }
    metric.assign("node_vmstat_").append(f.name);
    help.assign("/proc/vmstat information field ").append(f.name).append(".");
    out.untyped(metric, help, {}, f.value);
  }
  return core::ok();
}

std::unique_ptr<Collector> make_vmstat(const CollectorContext& ctx) {
  return std::make_unique<VmstatCollector>(ctx.paths, ctx.options.vmstat.fields);
}

}  // namespace sonde::collectors
