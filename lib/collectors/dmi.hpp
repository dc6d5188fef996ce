// The dmi collector: node_exporter 1.5.0's node_dmi_info, one series labelled with every
// /sys/class/dmi/id attribute it knows (bios_date, ..., product_uuid, system_vendor) that could
// be read. product_serial, board_serial, chassis_serial and product_uuid are readable only by
// root: unprivileged, they are left out quietly, as there.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "collectors/collector.hpp"

namespace sonde::collectors {

/// The labels of node_dmi_info, in label-name order, from (file name, trimmed text) pairs of
/// /sys/class/dmi/id; files it does not know are ignored (sys_vendor is system_vendor).
std::vector<std::pair<std::string, std::string>> dmi_labels(
    const std::vector<std::pair<std::string, std::string>>& files);

class DmiCollector final : public Collector {
 public:
  explicit DmiCollector(core::HostPaths paths) : paths_(std::move(paths)) {}
  std::string_view name() const override { return "dmi"; }
  core::Status collect(core::SampleSink& out) override;

 private:
  core::HostPaths paths_;
};

std::unique_ptr<Collector> make_dmi(const CollectorContext& ctx);

}  // namespace sonde::collectors
