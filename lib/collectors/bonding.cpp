#include "collectors/bonding.hpp"

#include <cerrno>
#include <set>

#include "collectors/sysfs_attr.hpp"
#include "collectors/text_fields.hpp"

namespace sonde::collectors {

core::Result<std::optional<std::vector<BondingMaster>>> read_bonding(
    const std::filesystem::path& class_net) {
  using Out = std::optional<std::vector<BondingMaster>>;
  const auto read = [](const std::filesystem::path& p) -> core::Result<std::optional<std::string>> {
    auto r = sysfs::read_whole(p);
    if (r.ok()) return std::optional<std::string>(std::move(r.value));
    if (r.err == ENOENT) return std::optional<std::string>();
    return core::error(sysfs::describe(p, r.err));
  };
  auto masters = read(class_net / "bonding_masters");
  if (!masters) return masters.error();
  if (!*masters) return Out();
  std::vector<BondingMaster> out;
  std::set<std::string_view> seen;
  std::string_view rest = **masters;
  for (std::string_view m = text::next_field(rest); !m.empty(); m = text::next_field(rest)) {
    if (!seen.insert(m).second) continue;
    BondingMaster master;
    master.name = std::string(m);
    auto slaves = read(class_net / master.name / "bonding" / "slaves");
    if (!slaves) return slaves.error();
    if (!*slaves) return Out();
    std::string_view srest = **slaves;
    for (std::string_view s = text::next_field(srest); !s.empty(); s = text::next_field(srest)) {
      const std::string slave(s);
      auto state =
          read(class_net / master.name / ("lower_" + slave) / "bonding_slave" / "mii_status");
      if (state && !*state) {
        state = read(class_net / master.name / ("slave_" + slave) / "bonding_slave" / "mii_status");
      }
      if (!state) return state.error();
      if (!*state) return Out();
      ++master.slaves;
      if (text::trim(**state) == "up") ++master.active;
    }
    out.push_back(std::move(master));
  }
  return Out(std::move(out));
}

core::Status BondingCollector::collect(core::SampleSink& out) {
  auto masters = read_bonding(paths_.sys / "class" / "net");
  if (!masters) return masters.status();
  if (!*masters) return core::ok();  // no bonding driver (or a file missing on the way)
  for (const BondingMaster& m : **masters) {
    out.gauge("node_bonding_slaves", "Number of configured slaves per bonding interface.",
              {{"master", m.name}}, m.slaves);
    out.gauge("node_bonding_active", "Number of active slaves per bonding interface.",
              {{"master", m.name}}, m.active);
  }
  return core::ok();
}

std::unique_ptr<Collector> make_bonding(const CollectorContext& ctx) {
  return std::make_unique<BondingCollector>(ctx.paths);
}

}  // namespace sonde::collectors
