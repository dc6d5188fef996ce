#include "collectors/netdev.hpp"

#include <string>
#include <unordered_set>

#include "collectors/text_fields.hpp"
#include "core/kept_files.hpp"
#include "core/read_file.hpp"

namespace sonde::collectors {

namespace {

struct Column {
  const char* name;
  const char* help;
};

// node_exporter 1.5.0 reads the columns into its netlink-style names and then renames them back
// ("legacy" names, without --collector.netdev.enable-detailed-metrics): these are the results.
constexpr Column kColumns[kNetdevFields] = {
    {"node_network_receive_bytes_total", "Network device statistic receive_bytes."},
    {"node_network_receive_packets_total", "Network device statistic receive_packets."},
    {"node_network_receive_errs_total", "Network device statistic receive_errs."},
    {"node_network_receive_drop_total", "Network device statistic receive_drop."},
    {"node_network_receive_fifo_total", "Network device statistic receive_fifo."},
    {"node_network_receive_frame_total", "Network device statistic receive_frame."},
    {"node_network_receive_compressed_total", "Network device statistic receive_compressed."},
    {"node_network_receive_multicast_total", "Network device statistic receive_multicast."},
    {"node_network_transmit_bytes_total", "Network device statistic transmit_bytes."},
    {"node_network_transmit_packets_total", "Network device statistic transmit_packets."},
    {"node_network_transmit_errs_total", "Network device statistic transmit_errs."},
    {"node_network_transmit_drop_total", "Network device statistic transmit_drop."},
    {"node_network_transmit_fifo_total", "Network device statistic transmit_fifo."},
    {"node_network_transmit_colls_total", "Network device statistic transmit_colls."},
    {"node_network_transmit_carrier_total", "Network device statistic transmit_carrier."},
    {"node_network_transmit_compressed_total", "Network device statistic transmit_compressed."},
};

// Not a /proc/net/dev column: node_exporter 1.5.0 reads it over netlink (its default,
// rtnl_link_stats64.rx_nohandler); sysfs has the same counter per device.
constexpr Column kNohandler = {"node_network_receive_nohandler_total",
                               "Network device statistic receive_nohandler."};

// A device name is a single path component (dev_valid_name in net/core/dev.c); a fixture or a
// bind mount could still put anything in /proc/net/dev.
bool valid_device_name(std::string_view name) {
  return !name.empty() && name != "." && name != ".." && name.find('/') == std::string_view::npos;
}

}  // namespace

// Format (Documentation/filesystems/proc.rst, "1.3 Networking info in /proc/net"; written by
// dev_seq_printf_stats in net/core/net-procfs.c): two header lines holding '|', then
// "<name>: rx bytes packets errs drop fifo frame compressed multicast tx bytes packets errs drop
// fifo colls carrier compressed". The name is split at the last colon, as procfs does.
Netdev parse_netdev(std::string_view text) {
  Netdev out;
  std::unordered_set<std::string_view> seen;
  core::for_each_line(text, [&](std::string_view line) {
    if (text::trim(line).empty() || line.find('|') != std::string_view::npos) return;
    const auto colon = line.rfind(':');
    if (colon == std::string_view::npos) {
      ++out.errors;
      return;
    }
    NetdevDevice d;
    d.name = text::trim(line.substr(0, colon));
    std::string_view rest = line.substr(colon + 1);
    bool bad = d.name.empty();
    for (std::size_t i = 0; !bad && i < kNetdevFields; ++i) {
      const auto v = text::parse_u64(text::next_field(rest));
      if (!v) {
        bad = true;
      } else {
        d.fields[i] = *v;
      }
    }
    if (bad || !text::next_field(rest).empty() || !seen.insert(d.name).second) {
      ++out.errors;
      return;
    }
    out.devices.push_back(d);
  });
  return out;
}

NetdevCollector::NetdevCollector(core::HostPaths paths, const collectors::NetdevOptions& options)
    : paths_(std::move(paths)),
      filter_("netdev", options.device_include, options.device_exclude),
      dev_(paths_.proc / "net" / "dev"),
      class_net_((paths_.sys / "class" / "net").native() + "/") {}

core::Status NetdevCollector::collect(core::SampleSink& out) {
  if (auto st = filter_.valid(); !st.ok()) return st;
  auto text = core::read_text(dev_);
  if (!text) return text.status();
  const Netdev nd = parse_netdev(*text);
  if (nd.errors > 0) out.parse_errors(nd.errors);
  for (const NetdevDevice& d : nd.devices) {
    if (filter_.ignored(d.name)) continue;
    const core::Label labels[] = {{"device", d.name}};
    for (std::size_t i = 0; i < kNetdevFields; ++i) {
      out.counter(kColumns[i].name, kColumns[i].help, labels, static_cast<double>(d.fields[i]));
    }
    // Absent (no sysfs, or a kernel before 4.6): no series, as node_exporter without netlink.
    if (!valid_device_name(d.name)) continue;
    // read_text's read (blocking open, at most 64 bytes) into strings kept between cycles.
    path_.assign(class_net_).append(d.name).append("/statistics/rx_nohandler");
    value_.clear();
    if (core::KeptFiles::shared().read_all(path_.c_str(), value_, 64, false).err != 0) continue;
    if (const auto v = text::parse_u64(text::trim(value_))) {
      out.counter(kNohandler.name, kNohandler.help, labels, static_cast<double>(*v));
    } else {
      out.parse_errors(1);
    }
  }
  return core::ok();
}

std::unique_ptr<Collector> make_netdev(const CollectorContext& ctx) {
  return std::make_unique<NetdevCollector>(ctx.paths, ctx.options.netdev);
}

}  // namespace sonde::collectors
