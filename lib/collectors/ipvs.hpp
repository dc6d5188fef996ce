// The ipvs collector: node_exporter 1.5.0's node_ipvs_* families from /proc/net/ip_vs_stats
// (totals) and /proc/net/ip_vs (one series per backend), parsed as prometheus/procfs 0.8.0's
// IPVSStats and IPVSBackendStatus; collectors.ipvs.backend_labels picks the backend labels.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "collectors/collector.hpp"

namespace sonde::collectors {

struct IpvsStats {
  std::uint64_t connections = 0, incoming_packets = 0, outgoing_packets = 0;
  std::uint64_t incoming_bytes = 0, outgoing_bytes = 0;
};

/// The third line's five hexadecimal totals (under two header lines); fails on fewer than four
/// lines (three newlines), another number of fields or a bad number, as procfs does.
core::Result<IpvsStats> parse_ipvs_stats(std::string_view text);

struct IpvsBackend {
  std::string local_address;  // "" for a firewall-mark service
  std::uint16_t local_port = 0;
  std::string remote_address;
  std::uint16_t remote_port = 0;
  std::string local_mark;  // the FWM service's mark as printed, else ""
  std::string proto;       // "TCP", "UDP" or "FWM"
  std::uint64_t weight = 0, active_conn = 0, inact_conn = 0;
};

/// "TCP|UDP <hexaddr>:<hexport> ..." or "FWM <mark> ..." service lines, each followed by
/// "-> <hexaddr>:<hexport> <forward> <weight> <active> <inactive>" backend lines; addresses are
/// rendered as Go's net.IP does. As procfs: other service lines (SCTP) are skipped, their backends
/// counted under the service before; a backend line of fewer than 6 fields is skipped; a bad
/// address or number fails the file. A line of one field other than "IP" or "Prot" fails the
/// file (procfs indexes its second field: node_exporter 1.5 panics there).
core::Result<std::vector<IpvsBackend>> parse_ipvs_backends(std::string_view text);

/// Go's net.ParseIP for an IPv6 address (hex groups, one "::", a trailing dotted IPv4) rendered
/// by net.IP.String ("::"-compressed, IPv4-mapped addresses dotted); nullopt if invalid.
std::optional<std::string> go_ipv6_string(std::string_view s);

class IpvsCollector final : public Collector {
 public:
  IpvsCollector(core::HostPaths paths, const collectors::IpvsOptions& options);
  std::string_view name() const override { return "ipvs"; }
  /// No /proc/net/ip_vs_stats (ip_vs not loaded): nothing, success.
  core::Status collect(core::SampleSink& out) override;

 private:
  core::HostPaths paths_;
  /// Indexes into kIpvsBackendLabels, in its order (node_exporter's order, whatever the option's).
  std::vector<std::size_t> labels_;
};

std::unique_ptr<Collector> make_ipvs(const CollectorContext& ctx);

}  // namespace sonde::collectors
