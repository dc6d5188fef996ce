// The edac collector: node_exporter 1.5.0's node_edac_{correctable,uncorrectable}_errors_total
// {controller} and node_edac_csrow_{correctable,uncorrectable}_errors_total{controller,csrow}
// from /sys/devices/system/edac/mc/mc<N> (Documentation/admin-guide/ras.rst): ce_count and
// ue_count per controller, ce_noinfo_count and ue_noinfo_count as csrow "unknown", and each
// csrow<M>'s ce_count and ue_count.
#pragma once

#include <memory>
#include <string_view>
#include <utility>

#include "collectors/collector.hpp"

namespace sonde::collectors {

/// The number node_exporter's edacMemControllerRE / edacMemCsrowRE capture from a directory
/// name ("mc12" -> "12", "csrow3" -> "3"): the digits after the prefix, possibly none.
std::string_view edac_number(std::string_view dir_name, std::string_view prefix);

class EdacCollector final : public Collector {
 public:
  explicit EdacCollector(core::HostPaths paths) : paths_(std::move(paths)) {}
  std::string_view name() const override { return "edac"; }
  core::Status collect(core::SampleSink& out) override;

 private:
  core::HostPaths paths_;
};

std::unique_ptr<Collector> make_edac(const CollectorContext& ctx);

}  // namespace sonde::collectors
