// The loadavg collector: node_load1, node_load5 and node_load15 from /proc/loadavg.
#pragma once

#include <memory>
#include <string_view>
#include <utility>

#include "collectors/collector.hpp"

namespace sonde::collectors {

struct Loadavg {
  double one = 0;
  double five = 0;
  double fifteen = 0;
};

/// Fails unless the text starts with three numbers: a load average with a missing or garbled
/// field cannot be partly right.
core::Result<Loadavg> parse_loadavg(std::string_view text);

class LoadavgCollector final : public Collector {
 public:
  explicit LoadavgCollector(core::HostPaths paths) : paths_(std::move(paths)) {}
  std::string_view name() const override { return "loadavg"; }
  core::Status collect(core::SampleSink& out) override;

 private:
  core::HostPaths paths_;
};

std::unique_ptr<Collector> make_loadavg(const CollectorContext& ctx);

}  // namespace sonde::collectors
