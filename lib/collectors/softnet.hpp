// The softnet collector: node_exporter 1.5.0's
// node_softnet_{processed,dropped,times_squeezed}_total {cpu} from /proc/net/softnet_stat.
#pragma once

#include <cstdint>
#include <memory>
#include <string_view>
#include <utility>
#include <vector>

#include "collectors/collector.hpp"

namespace sonde::collectors {

struct SoftnetCpu {
  std::uint32_t processed = 0;
  std::uint32_t dropped = 0;
  std::uint32_t time_squeezed = 0;
};

/// One line of at least 9 hexadecimal 32-bit columns per CPU (the cpu label is the line's
/// index, as in procfs 0.8.0). Fails on a shorter line or a bad number, as procfs does.
core::Result<std::vector<SoftnetCpu>> parse_softnet(std::string_view text);

class SoftnetCollector final : public Collector {
 public:
  explicit SoftnetCollector(core::HostPaths paths) : paths_(std::move(paths)) {}
  std::string_view name() const override { return "softnet"; }
  core::Status collect(core::SampleSink& out) override;

 private:
  core::HostPaths paths_;
};

std::unique_ptr<Collector> make_softnet(const CollectorContext& ctx);

}  // namespace sonde::collectors
