#include "collectors/edac.hpp"

#include <optional>
#include <string>

#include "collectors/sysfs_attr.hpp"
#include "collectors/text_fields.hpp"

namespace sonde::collectors {

namespace {

std::optional<std::uint64_t> read_uint(const std::filesystem::path& p) {
  const sysfs::Attr a = sysfs::read_whole(p, 4096);
  if (!a.ok()) return std::nullopt;
  return text::parse_u64(sysfs::trim_space(a.value));
}

constexpr const char* kCe = "node_edac_correctable_errors_total";
constexpr const char* kUe = "node_edac_uncorrectable_errors_total";
constexpr const char* kCsrowCe = "node_edac_csrow_correctable_errors_total";
constexpr const char* kCsrowUe = "node_edac_csrow_uncorrectable_errors_total";
constexpr const char* kCeHelp = "Total correctable memory errors.";
constexpr const char* kUeHelp = "Total uncorrectable memory errors.";
constexpr const char* kCsrowCeHelp = "Total correctable memory errors for this csrow.";
constexpr const char* kCsrowUeHelp = "Total uncorrectable memory errors for this csrow.";

}  // namespace

std::string_view edac_number(std::string_view dir_name, std::string_view prefix) {
  if (dir_name.substr(0, prefix.size()) != prefix) return {};
  dir_name.remove_prefix(prefix.size());
  std::size_t n = 0;
  while (n < dir_name.size() && dir_name[n] >= '0' && dir_name[n] <= '9') ++n;
  return dir_name.substr(0, n);
}

core::Status EdacCollector::collect(core::SampleSink& out) {
  const auto dir = paths_.sys / "devices" / "system" / "edac" / "mc";
  for (const std::string& mc : sysfs::glob_numbered(dir, "mc")) {
    const auto path = dir / mc;
    const std::string controller(edac_number(mc, "mc"));
    // All four counts or none: node_exporter fails the collect on a missing one; here only this
    // controller is left out (and counted).
    const auto ce = read_uint(path / "ce_count");
    const auto ce_noinfo = read_uint(path / "ce_noinfo_count");
    const auto ue = read_uint(path / "ue_count");
    const auto ue_noinfo = read_uint(path / "ue_noinfo_count");
    if (!ce || !ce_noinfo || !ue || !ue_noinfo) {
      out.parse_errors(1);
      continue;
    }
    out.counter(kCe, kCeHelp, {{"controller", controller}}, static_cast<double>(*ce));
    out.counter(kCsrowCe, kCsrowCeHelp, {{"controller", controller}, {"csrow", "unknown"}},
                static_cast<double>(*ce_noinfo));
    out.counter(kUe, kUeHelp, {{"controller", controller}}, static_cast<double>(*ue));
    out.counter(kCsrowUe, kCsrowUeHelp, {{"controller", controller}, {"csrow", "unknown"}},
                static_cast<double>(*ue_noinfo));
    for (const std::string& row : sysfs::glob_numbered(path, "csrow")) {
      const std::string csrow(edac_number(row, "csrow"));
      const auto row_ce = read_uint(path / row / "ce_count");
      const auto row_ue = read_uint(path / row / "ue_count");
      if (!row_ce || !row_ue) {
        out.parse_errors(1);
        continue;
      }
      const core::Label labels[] = {{"controller", controller}, {"csrow", csrow}};
      out.counter(kCsrowCe, kCsrowCeHelp, labels, static_cast<double>(*row_ce));
      out.counter(kCsrowUe, kCsrowUeHelp, labels, static_cast<double>(*row_ue));
    }
  }
  return core::ok();
}

std::unique_ptr<Collector> make_edac(const CollectorContext& ctx) {
  return std::make_unique<EdacCollector>(ctx.paths);
}

}  // namespace sonde::collectors
