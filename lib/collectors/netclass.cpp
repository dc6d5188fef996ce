#include "collectors/netclass.hpp"

#include <cerrno>
#include <cstring>
#include <string>
#include <vector>

#include "collectors/sysfs_attr.hpp"

namespace sonde::collectors {

namespace {

using Field = std::optional<std::int64_t> NetClassIface::*;
using Text = std::string NetClassIface::*;

struct NumericAttr {
  std::string_view file;
  Field field;
};
constexpr NumericAttr kNumeric[] = {
    {"addr_assign_type", &NetClassIface::addr_assign_type},
    {"carrier", &NetClassIface::carrier},
    {"carrier_changes", &NetClassIface::carrier_changes},
    {"carrier_up_count", &NetClassIface::carrier_up_count},
    {"carrier_down_count", &NetClassIface::carrier_down_count},
    {"dev_id", &NetClassIface::dev_id},
    {"dormant", &NetClassIface::dormant},
    {"flags", &NetClassIface::flags},
    {"ifindex", &NetClassIface::ifindex},
    {"iflink", &NetClassIface::iflink},
    {"link_mode", &NetClassIface::link_mode},
    {"mtu", &NetClassIface::mtu},
    {"name_assign_type", &NetClassIface::name_assign_type},
    {"netdev_group", &NetClassIface::netdev_group},
    {"speed", &NetClassIface::speed},
    {"tx_queue_len", &NetClassIface::tx_queue_len},
    {"type", &NetClassIface::type},
};

struct TextAttr {
  std::string_view file;
  Text field;
};
constexpr TextAttr kText[] = {
    {"address", &NetClassIface::address},     {"broadcast", &NetClassIface::broadcast},
    {"duplex", &NetClassIface::duplex},       {"ifalias", &NetClassIface::ifalias},
    {"operstate", &NetClassIface::operstate},
};

/// Whether parse_netclass_iface uses the attribute file `name`. procfs reads every regular file
/// of the device's directory (and node_exporter fails the collector on one it cannot read); the
/// others (uevent, testing, threaded, gro_flush_timeout, ...: a quarter of a device's files) give
/// no series, so sonde does not read them.
bool netclass_reads(std::string_view name) {
  for (const auto& a : kNumeric) {
    if (a.file == name) return true;
  }
  for (const auto& a : kText) {
    if (a.file == name) return true;
  }
  return false;
}

// The published gauges and counters, in node_exporter's order: metric suffix, field, counter.
struct Published {
  std::string_view suffix;
  Field field;
  bool counter;
};
constexpr Published kPublished[] = {
    {"address_assign_type", &NetClassIface::addr_assign_type, false},
    {"carrier", &NetClassIface::carrier, false},
    {"carrier_changes_total", &NetClassIface::carrier_changes, true},
    {"carrier_up_changes_total", &NetClassIface::carrier_up_count, true},
    {"carrier_down_changes_total", &NetClassIface::carrier_down_count, true},
    {"device_id", &NetClassIface::dev_id, false},
    {"dormant", &NetClassIface::dormant, false},
    {"flags", &NetClassIface::flags, false},
    {"iface_id", &NetClassIface::ifindex, false},
    {"iface_link", &NetClassIface::iflink, false},
    {"iface_link_mode", &NetClassIface::link_mode, false},
    {"mtu_bytes", &NetClassIface::mtu, false},
    {"name_assign_type", &NetClassIface::name_assign_type, false},
    {"net_dev_group", &NetClassIface::netdev_group, false},
};

/// "node_network_<suffix>" and its help text, built once rather than per device and cycle.
struct FieldNames {
  explicit FieldNames(std::string_view suffix)
      : name("node_network_" + std::string(suffix)),
        help("Network device property: " + std::string(suffix)) {}
  std::string name;
  std::string help;
};

void publish_field(core::SampleSink& out, const FieldNames& n, double value, bool counter,
                   std::span<const core::Label> labels) {
  if (counter) {
    out.counter(n.name, n.help, labels, value);
  } else {
    out.gauge(n.name, n.help, labels, value);
  }
}

}  // namespace

NetClassIface parse_netclass_iface(std::string name, std::span<const AttrText> attrs) {
  NetClassIface iface;
  iface.name = std::move(name);
  for (const auto& [file, value] : attrs) {
    bool known = false;
    for (const NumericAttr& a : kNumeric) {
      if (a.file != file) continue;
      known = true;
      if (const auto v = sysfs::parse_int_base0(value)) {
        iface.*a.field = *v;
      } else {
        iface.*a.field = std::nullopt;
        ++iface.errors;
      }
    }
    if (known) continue;
    for (const TextAttr& a : kText) {
      if (a.file == file) iface.*a.field = std::string(value);
    }
  }
  return iface;
}

void publish_netclass(const NetClassIface& iface, bool ignore_invalid_speed,
                      core::SampleSink& out) {
  const core::Label device[] = {{"device", iface.name}};
  out.gauge("node_network_up", "Value is 1 if operstate is 'up', 0 otherwise.", device,
            iface.operstate == "up" ? 1 : 0);
  const std::string address = sysfs::to_valid_utf8(iface.address);
  const std::string broadcast = sysfs::to_valid_utf8(iface.broadcast);
  const std::string duplex = sysfs::to_valid_utf8(iface.duplex);
  const std::string operstate = sysfs::to_valid_utf8(iface.operstate);
  const std::string ifalias = sysfs::to_valid_utf8(iface.ifalias);
  const core::Label info[] = {{"device", iface.name},   {"address", address},
                              {"broadcast", broadcast}, {"duplex", duplex},
                              {"operstate", operstate}, {"ifalias", ifalias}};
  out.gauge("node_network_info", "Non-numeric data from /sys/class/net/<iface>, value is always 1.",
            info, 1);
  static const std::vector<FieldNames> published = [] {
    std::vector<FieldNames> names;
    for (const Published& p : kPublished) names.emplace_back(p.suffix);
    return names;
  }();
  static const FieldNames speed("speed_bytes");
  static const FieldNames queue_length("transmit_queue_length");
  static const FieldNames protocol_type("protocol_type");
  for (std::size_t i = 0; i < std::size(kPublished); ++i) {
    const auto& v = iface.*kPublished[i].field;
    if (v) publish_field(out, published[i], static_cast<double>(*v), kPublished[i].counter, device);
  }
  // Some drivers report -1 when the speed is unknown; node_exporter publishes it (as
  // -125000 bytes) unless --collector.netclass.ignore-invalid-speed. Mb/s to bytes/s in int64.
  if (iface.speed && (*iface.speed >= 0 || !ignore_invalid_speed)) {
    const std::int64_t bytes = *iface.speed * 1000 * 1000 / 8;
    publish_field(out, speed, static_cast<double>(bytes), false, device);
  }
  if (iface.tx_queue_len) {
    publish_field(out, queue_length, static_cast<double>(*iface.tx_queue_len), false, device);
  }
  if (iface.type) {
    publish_field(out, protocol_type, static_cast<double>(*iface.type), false, device);
  }
}

NetclassCollector::NetclassCollector(core::HostPaths paths,
                                     const collectors::NetclassOptions& options)
    : paths_(std::move(paths)),
      device_exclude_("netclass.device_exclude", options.device_exclude),
      ignore_invalid_speed_(options.ignore_invalid_speed) {}

core::Status NetclassCollector::collect(core::SampleSink& out) {
  if (auto st = device_exclude_.valid(); !st.ok()) return st;
  const auto dir = paths_.sys / "class" / "net";
  const sysfs::Listing devices = sysfs::list_dir(dir);
  // No /sys/class/net (or one we may not read): nothing to publish, as node_exporter's ErrNoData.
  if (devices.err == ENOENT || devices.err == EACCES || devices.err == ENOTDIR) return core::ok();
  if (devices.err != 0) {
    return core::error(dir.string() + ": " + std::string(std::strerror(devices.err)));
  }
  std::vector<std::string> values;
  std::vector<AttrText> attrs;
  std::string dev_path;
  for (const sysfs::Entry& dev : devices.entries) {
    if (dev.type == sysfs::EntryType::regular) continue;  // bonding_masters
    if (device_exclude_.search(dev.name)) continue;
    // The device's attributes are read relative to its directory: no path built per file.
    dev_path.assign(dir.native()).append("/").append(dev.name);
    sysfs::Dir dev_dir(dev_path.c_str());
    const sysfs::Listing files = dev_dir.list();
    if (files.err != 0) {
      // A device that went away since the listing, or a dangling link: no series. Anything else
      // is counted (node_exporter fails the whole collector on it).
      if (files.err != ENOENT) out.parse_errors(1);
      continue;
    }
    values.clear();
    attrs.clear();
    values.reserve(files.entries.size());
    for (const sysfs::Entry& f : files.entries) {
      if (f.type != sysfs::EntryType::regular || !netclass_reads(f.name)) continue;
      sysfs::Attr a = dev_dir.read_trimmed(f.name.c_str());
      if (!a.ok()) {
        // What procfs skips: absent, root-only, and what a driver cannot answer right now
        // (speed and duplex of a link that is down say EINVAL).
        if (a.err != ENOENT && a.err != EACCES && a.err != EOPNOTSUPP && a.err != EINVAL) {
          out.parse_errors(1);
        }
        continue;
      }
      values.push_back(std::move(a.value));
      attrs.emplace_back(f.name, values.back());
    }
    const NetClassIface iface = parse_netclass_iface(dev.name, attrs);
    if (iface.errors > 0) out.parse_errors(iface.errors);
    publish_netclass(iface, ignore_invalid_speed_, out);
  }
  return core::ok();
}

std::unique_ptr<Collector> make_netclass(const CollectorContext& ctx) {
  return std::make_unique<NetclassCollector>(ctx.paths, ctx.options.netclass);
}

}  // namespace sonde::collectors
