#include "collectors/rapl.hpp"

#include <cerrno>
#include <cstring>

#include "collectors/sysfs_attr.hpp"
#include "collectors/text_fields.hpp"

namespace sonde::collectors {

namespace {

bool name_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

std::optional<std::uint64_t> read_uint(const std::filesystem::path& p, int& err) {
  const sysfs::Attr a = sysfs::read_whole(p, 4096);
  err = a.err;
  if (!a.ok()) return std::nullopt;
  return text::parse_u64(sysfs::trim_space(a.value));
}

}  // namespace

std::pair<int, std::string> rapl_index_and_name(std::map<std::string, int>& uses,
                                                std::string_view name) {
  std::pair<int, std::string> out;
  bool suffixed = false;
  // strings.Split(name, "-") with exactly two parts and an integer second part.
  if (const auto dash = name.find('-');
      dash != std::string_view::npos && name.find('-', dash + 1) == std::string_view::npos) {
    const auto index = sysfs::atoi(name.substr(dash + 1));
    if (index && *index >= INT32_MIN && *index < INT32_MAX) {
      out = {static_cast<int>(*index), std::string(name.substr(0, dash))};
      suffixed = true;
    }
  }
  if (!suffixed) out = {uses[std::string(name)], std::string(name)};
  uses[out.second] = out.first + 1;
  return out;
}

std::string sanitize_metric_name(std::string_view name) {
  std::string out;
  std::size_t i = 0;
  while (i < name.size()) {
    if (name_char(name[i])) {
      // Underscores directly before a run of invalid characters belong to the run.
      std::size_t j = i;
      while (j < name.size() && name[j] == '_') ++j;
      if (j > i && j < name.size() && !name_char(name[j])) {
        i = j;
        continue;
      }
      out.append(name.substr(i, j > i ? j - i : 1));
      i = j > i ? j : i + 1;
      continue;
    }
    while (i < name.size() && !name_char(name[i])) ++i;
    while (i < name.size() && name[i] == '_') ++i;
    out += '_';
  }
  return out;
}

core::Status RaplCollector::collect(core::SampleSink& out) {
  const auto dir = paths_.sys / "class" / "powercap";
  const sysfs::Listing l = sysfs::list_dir(dir);
  // No powercap (AMD before Zen, VMs, ARM), or one we may not list: nothing, as node_exporter.
  if (l.err == ENOENT || l.err == EACCES) return core::ok();
  if (l.err != 0) return core::error(dir.string() + ": " + std::strerror(l.err));
  std::map<std::string, int> uses;
  for (const sysfs::Entry& e : l.entries) {
    const auto zone = dir / e.name;
    const sysfs::Attr name_file = sysfs::read_whole(zone / "name", 4096);
    if (!name_file.ok()) continue;  // not a zone (intel-rapl itself is the control type)
    const auto [index, name] = rapl_index_and_name(uses, sysfs::trim_space(name_file.value));
    int err = 0;
    if (!read_uint(zone / "max_energy_range_uj", err)) {
      if (err != EACCES) out.parse_errors(1);
      continue;
    }
    const auto uj = read_uint(zone / "energy_uj", err);
    if (!uj) {
      if (err != EACCES) out.parse_errors(1);  // root-only since 5.10: skipped quietly
      continue;
    }
    const double joules = static_cast<double>(*uj) / 1000000.0;
    const std::string idx = std::to_string(index);
    const std::string path = zone.string();
    const std::string zone_name = sysfs::to_valid_utf8(name);
    if (zone_label_) {
      out.counter("node_rapl_joules_total", "Current RAPL value in joules",
                  {{"index", idx}, {"path", path}, {"rapl_zone", zone_name}}, joules);
    } else {
      out.counter("node_rapl_" + sanitize_metric_name(name) + "_joules_total",
                  "Current RAPL " + zone_name + " value in joules",
                  {{"index", idx}, {"path", path}}, joules);
    }
  }
  return core::ok();
}

std::unique_ptr<Collector> make_rapl(const CollectorContext& ctx) {
  return std::make_unique<RaplCollector>(ctx.paths, ctx.options.rapl);
}

}  // namespace sonde::collectors
