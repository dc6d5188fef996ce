// The mdadm collector: node_exporter 1.5.0's node_md_* families from /proc/mdstat, parsed as
// prometheus/procfs 0.8.0's MDStat (the version node_exporter 1.5.0 uses), quirks included.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "collectors/collector.hpp"

namespace sonde::collectors {

struct MdDevice {
  std::string name;
  /// "active", "inactive" (the device line's third field, e.g. "(auto-read-only)" too), or
  /// "recovering", "resyncing", "checking" while the sync line says so.
  std::string state;
  std::int64_t disks_active = 0;
  std::int64_t disks_total = 0;
  std::int64_t disks_failed = 0;  // "(F)" on the device line
  std::int64_t disks_spare = 0;   // "(S)" on the device line
  std::int64_t blocks_total = 0;
  std::int64_t blocks_synced = 0;
};

/// Format (drivers/md/md.c, md_seq_show; https://raid.wiki.kernel.org/index.php/Mdstat): after
/// "Personalities", per device "<name> : <state> [<personality>] <disk>[<n>][(F|S)] ...", a status
/// line "<blocks> blocks ... [<total>/<active>] [U_...]", maybe a bitmap line, then a sync line.
/// As procfs, any malformed device fails the whole file (node_exporter reports the collector
/// failed and publishes no md series).
core::Result<std::vector<MdDevice>> parse_mdstat(std::string_view text);

class MdadmCollector final : public Collector {
 public:
  explicit MdadmCollector(core::HostPaths paths) : paths_(std::move(paths)) {}
  std::string_view name() const override { return "mdadm"; }
  /// No /proc/mdstat (no md driver): nothing, success.
  core::Status collect(core::SampleSink& out) override;

 private:
  core::HostPaths paths_;
};

std::unique_ptr<Collector> make_mdadm(const CollectorContext& ctx);

}  // namespace sonde::collectors
