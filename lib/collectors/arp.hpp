// The arp collector: node_exporter 1.5.0's node_arp_entries{device}, the number of /proc/net/arp
// entries per device, for devices that pass collectors.arp.device_include/device_exclude.
#pragma once

#include <cstdint>
#include <memory>
#include <string_view>
#include <vector>

#include "collectors/collector.hpp"
#include "collectors/pattern.hpp"

namespace sonde::collectors {

struct ArpDevice {
  std::string_view device;  // points into the parsed text
  std::uint64_t entries = 0;
};

/// "IP address HW type Flags HW address Mask Device" then one entry per line; the device is a
/// line's last field. Fails on a line of fewer than 6 fields, as node_exporter 1.5.0 does.
/// Devices in order of first appearance.
core::Result<std::vector<ArpDevice>> parse_arp(std::string_view text);

class ArpCollector final : public Collector {
 public:
  ArpCollector(core::HostPaths paths, const collectors::ArpOptions& options);
  std::string_view name() const override { return "arp"; }
  core::Status collect(core::SampleSink& out) override;

 private:
  core::HostPaths paths_;
  DeviceFilter filter_;
};

std::unique_ptr<Collector> make_arp(const CollectorContext& ctx);

}  // namespace sonde::collectors
