// The netclass collector: node_exporter 1.5.0's node_network_* families from /sys/class/net
// (its default, sysfs path; --collector.netclass.netlink is off there): up, info{address,
// broadcast,duplex,operstate,ifalias}, and one gauge or counter per numeric attribute (carrier,
// mtu_bytes, speed_bytes, transmit_queue_length, protocol_type, ...), for every interface
// that collectors.netclass.device_exclude does not match.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>

#include "collectors/collector.hpp"
#include "collectors/pattern.hpp"

namespace sonde::collectors {

/// What procfs's NetClassIface holds, for the attributes node_exporter publishes.
struct NetClassIface {
  std::string name;
  std::optional<std::int64_t> addr_assign_type, carrier, carrier_changes, carrier_up_count,
      carrier_down_count, dev_id, dormant, flags, ifindex, iflink, link_mode, mtu, name_assign_type,
      netdev_group, speed, tx_queue_len, type;
  std::string address, broadcast, duplex, ifalias, operstate;
  std::size_t errors = 0;  // numeric attributes whose text was no number
};

/// One attribute file of an interface directory: its name and its trimmed text.
using AttrText = std::pair<std::string_view, std::string_view>;

/// Fills an interface from its attribute files (procfs parseNetClassIface: numbers with
/// strconv.ParseInt(s, 0, 64), so "0x1003" in flags is 4099; unknown files ignored).
NetClassIface parse_netclass_iface(std::string name, std::span<const AttrText> attrs);

/// Publishes one interface as node_exporter 1.5.0's netClassSysfsUpdate does.
void publish_netclass(const NetClassIface& iface, bool ignore_invalid_speed, core::SampleSink& out);

class NetclassCollector final : public Collector {
 public:
  NetclassCollector(core::HostPaths paths, const collectors::NetclassOptions& options);
  std::string_view name() const override { return "netclass"; }
  core::Status collect(core::SampleSink& out) override;

 private:
  core::HostPaths paths_;
  Pattern device_exclude_;
  bool ignore_invalid_speed_;
};

std::unique_ptr<Collector> make_netclass(const CollectorContext& ctx);

}  // namespace sonde::collectors
