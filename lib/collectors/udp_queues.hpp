// The udp_queues collector: node_exporter 1.5.0's node_udp_queues{queue="tx|rx",ip="v4|v6"},
// the bytes queued on every UDP socket of /proc/net/udp and /proc/net/udp6.
#pragma once

#include <cstdint>
#include <memory>
#include <string_view>
#include <utility>

#include "collectors/collector.hpp"

namespace sonde::collectors {

struct UdpSummary {
  std::uint64_t tx_queue = 0;
  std::uint64_t rx_queue = 0;
  std::uint64_t sockets = 0;
};

/// A header line, then one socket per line. Every line is validated as procfs 0.8.0's
/// parseNetIPSocketLine does (at least 10 fields, "sl:", hexadecimal addresses of 4 or 16
/// bytes and ports, state, "tx:rx" queues, uid and inode); one bad line fails the whole file.
core::Result<UdpSummary> parse_udp_summary(std::string_view text);

class UdpQueuesCollector final : public Collector {
 public:
  explicit UdpQueuesCollector(core::HostPaths paths) : paths_(std::move(paths)) {}
  std::string_view name() const override { return "udp_queues"; }
  core::Status collect(core::SampleSink& out) override;

 private:
  core::HostPaths paths_;
};

std::unique_ptr<Collector> make_udp_queues(const CollectorContext& ctx);

}  // namespace sonde::collectors
