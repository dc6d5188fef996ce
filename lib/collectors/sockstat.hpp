// The sockstat collector: node_exporter 1.5.0's node_sockstat_* gauges from /proc/net/sockstat
// and /proc/net/sockstat6 (sockets_used, <PROTO>_{inuse,orphan,tw,alloc,mem,memory,mem_bytes}).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string_view>
#include <utility>
#include <vector>

#include "collectors/collector.hpp"

namespace sonde::collectors {

struct SockstatProtocol {
  std::string_view protocol;  // "TCP", "UDP6"; points into the parsed text
  std::int64_t inuse = 0;     // 0 when the line has no inuse, as procfs
  std::optional<std::int64_t> orphan, tw, alloc, mem, memory;
};

struct Sockstat {
  std::optional<std::int64_t> used;  // "sockets: used N"
  std::vector<SockstatProtocol> protocols;
};

/// Lines "TCP: inuse 4 orphan 0 tw 4 alloc 17 mem 1". Fails, as procfs does, on a line with
/// fewer than three fields, an odd number of key/value fields or a value that is not an
/// integer. A protocol seen twice keeps its first line. The result refers to `text`.
core::Result<Sockstat> parse_sockstat(std::string_view text);

class SockstatCollector final : public Collector {
 public:
  explicit SockstatCollector(core::HostPaths paths) : paths_(std::move(paths)) {}
  std::string_view name() const override { return "sockstat"; }
  core::Status collect(core::SampleSink& out) override;

 private:
  core::HostPaths paths_;
};

std::unique_ptr<Collector> make_sockstat(const CollectorContext& ctx);

}  // namespace sonde::collectors
