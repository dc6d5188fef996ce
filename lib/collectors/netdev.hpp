// The netdev collector: node_exporter 1.5.0's node_network_{receive,transmit}_*_total{device}
// for every column of /proc/net/dev, and node_network_receive_nohandler_total from
// <sysfs>/class/net/<device>/statistics/rx_nohandler, for devices that pass the filter.
#pragma once

#include <array>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "collectors/collector.hpp"
#include "collectors/pattern.hpp"

namespace sonde::collectors {

/// Columns per device: 8 receive, then 8 transmit.
inline constexpr std::size_t kNetdevFields = 16;

struct NetdevDevice {
  std::string_view name;  // points into the parsed text
  std::array<std::uint64_t, kNetdevFields> fields{};
};

struct Netdev {
  std::vector<NetdevDevice> devices;  // in file order
  std::size_t errors = 0;             // lines skipped: no colon, wrong field count, repeated name
};

/// The result refers to `text`, which must outlive it.
Netdev parse_netdev(std::string_view text);

class NetdevCollector final : public Collector {
 public:
  NetdevCollector(core::HostPaths paths, const collectors::NetdevOptions& options);
  std::string_view name() const override { return "netdev"; }
  core::Status collect(core::SampleSink& out) override;

 private:
  core::HostPaths paths_;
  DeviceFilter filter_;
  std::filesystem::path dev_;  // <proc>/net/dev
  std::string class_net_;      // "<sys>/class/net/"
  std::string path_;           // a device's rx_nohandler, built in place each cycle
  std::string value_;
};

std::unique_ptr<Collector> make_netdev(const CollectorContext& ctx);

}  // namespace sonde::collectors
