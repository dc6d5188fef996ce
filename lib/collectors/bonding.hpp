// The bonding collector: node_exporter 1.5.0's node_bonding_slaves and node_bonding_active from
// /sys/class/net/bonding_masters and each master's bonding/slaves and slaves' mii_status.
#pragma once

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "collectors/collector.hpp"

namespace sonde::collectors {

struct BondingMaster {
  std::string name;
  int slaves = 0;  // listed in <master>/bonding/slaves
  int active = 0;  // of which mii_status is "up"
};

/// Reads <sysfs>/class/net as node_exporter's readBondingStats: each master of bonding_masters
/// (whitespace-separated; a name listed twice counts once), each slave's
/// <master>/lower_<slave>/bonding_slave/mii_status, else slave_<slave>/... (older kernels).
/// nullopt when a file is missing (no bonding module: node_exporter's ErrNoData, which it
/// returns for any missing file on the way); an error for other read failures.
core::Result<std::optional<std::vector<BondingMaster>>> read_bonding(
    const std::filesystem::path& class_net);

class BondingCollector final : public Collector {
 public:
  explicit BondingCollector(core::HostPaths paths) : paths_(std::move(paths)) {}
  std::string_view name() const override { return "bonding"; }
  core::Status collect(core::SampleSink& out) override;

 private:
  core::HostPaths paths_;
};

std::unique_ptr<Collector> make_bonding(const CollectorContext& ctx);

}  // namespace sonde::collectors
