// The conntrack collector: node_exporter 1.5.0's node_nf_conntrack_entries and _entries_limit
// (/proc/sys/net/netfilter/nf_conntrack_{count,max}) and node_nf_conntrack_stat_* summed over
// the CPUs of /proc/net/stat/nf_conntrack. Without the nf_conntrack module nothing is published.
#pragma once

#include <cstdint>
#include <memory>
#include <string_view>
#include <utility>

#include "collectors/collector.hpp"

namespace sonde::collectors {

/// Totals over every CPU line.
struct ConntrackStat {
  std::uint64_t found = 0, invalid = 0, ignore = 0, insert = 0, insert_failed = 0, drop = 0,
                early_drop = 0, search_restart = 0;
};

/// A header line, then one line of 17 hexadecimal fields per CPU. Fails on a line with another
/// field count or a field that is not hexadecimal, as procfs does.
core::Result<ConntrackStat> parse_conntrack_stat(std::string_view text);

class ConntrackCollector final : public Collector {
 public:
  explicit ConntrackCollector(core::HostPaths paths) : paths_(std::move(paths)) {}
  std::string_view name() const override { return "conntrack"; }
  core::Status collect(core::SampleSink& out) override;

 private:
  core::HostPaths paths_;
};

std::unique_ptr<Collector> make_conntrack(const CollectorContext& ctx);

}  // namespace sonde::collectors
