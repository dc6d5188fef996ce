#include "collectors/infiniband.hpp"

#include <cerrno>
#include <charconv>

#include "collectors/sysfs_attr.hpp"
#include "collectors/text_fields.hpp"

namespace sonde::collectors {

namespace {

struct CounterSpec {
  const char* dir;   // counters or counters_ext
  const char* file;  // the kernel's name
  bool times4;       // data counters count 4-byte words
  const char* metric;
  const char* help;
};

// node_exporter v1.5.0 collector/infiniband_linux.go and procfs 0.8.0 class_infiniband.go.
constexpr CounterSpec kCounters[kInfinibandCounters] = {
    {"counters_ext", "port_multicast_rcv_packets", false,
     "node_infiniband_legacy_multicast_packets_received_total",
     "Number of multicast packets received"},
    {"counters_ext", "port_multicast_xmit_packets", false,
     "node_infiniband_legacy_multicast_packets_transmitted_total",
     "Number of multicast packets transmitted"},
    {"counters_ext", "port_rcv_data_64", true, "node_infiniband_legacy_data_received_bytes_total",
     "Number of data octets received on all links"},
    {"counters_ext", "port_rcv_packets_64", false, "node_infiniband_legacy_packets_received_total",
     "Number of data packets received on all links"},
    {"counters_ext", "port_unicast_rcv_packets", false,
     "node_infiniband_legacy_unicast_packets_received_total", "Number of unicast packets received"},
    {"counters_ext", "port_unicast_xmit_packets", false,
     "node_infiniband_legacy_unicast_packets_transmitted_total",
     "Number of unicast packets transmitted"},
    {"counters_ext", "port_xmit_data_64", true,
     "node_infiniband_legacy_data_transmitted_bytes_total",
     "Number of data octets transmitted on all links"},
    {"counters_ext", "port_xmit_packets_64", false,
     "node_infiniband_legacy_packets_transmitted_total",
     "Number of data packets received on all links"},
    {"counters", "excessive_buffer_overrun_errors", false,
     "node_infiniband_excessive_buffer_overrun_errors_total",
     "Number of times that OverrunErrors consecutive flow control update periods occurred, each "
     "having at least one overrun error."},
    {"counters", "link_downed", false, "node_infiniband_link_downed_total",
     "Number of times the link failed to recover from an error state and went down"},
    {"counters", "link_error_recovery", false, "node_infiniband_link_error_recovery_total",
     "Number of times the link successfully recovered from an error state"},
    {"counters", "local_link_integrity_errors", false,
     "node_infiniband_local_link_integrity_errors_total",
     "Number of times that the count of local physical errors exceeded the threshold specified "
     "by LocalPhyErrors."},
    {"counters", "multicast_rcv_packets", false, "node_infiniband_multicast_packets_received_total",
     "Number of multicast packets received (including errors)"},
    {"counters", "multicast_xmit_packets", false,
     "node_infiniband_multicast_packets_transmitted_total",
     "Number of multicast packets transmitted (including errors)"},
    {"counters", "port_rcv_constraint_errors", false,
     "node_infiniband_port_constraint_errors_received_total",
     "Number of packets received on the switch physical port that are discarded"},
    {"counters", "port_xmit_constraint_errors", false,
     "node_infiniband_port_constraint_errors_transmitted_total",
     "Number of packets not transmitted from the switch physical port"},
    {"counters", "port_rcv_data", true, "node_infiniband_port_data_received_bytes_total",
     "Number of data octets received on all links"},
    {"counters", "port_xmit_data", true, "node_infiniband_port_data_transmitted_bytes_total",
     "Number of data octets transmitted on all links"},
    {"counters", "port_rcv_discards", false, "node_infiniband_port_discards_received_total",
     "Number of inbound packets discarded by the port because the port is down or congested"},
    {"counters", "port_xmit_discards", false, "node_infiniband_port_discards_transmitted_total",
     "Number of outbound packets discarded by the port because the port is down or congested"},
    {"counters", "port_rcv_errors", false, "node_infiniband_port_errors_received_total",
     "Number of packets containing an error that were received on this port"},
    {"counters", "port_rcv_packets", false, "node_infiniband_port_packets_received_total",
     "Number of packets received on all VLs by this port (including errors)"},
    {"counters", "port_xmit_packets", false, "node_infiniband_port_packets_transmitted_total",
     "Number of packets transmitted on all VLs from this port (including errors)"},
    {"counters", "port_xmit_wait", false, "node_infiniband_port_transmit_wait_total",
     "Number of ticks during which the port had data to transmit but no data was sent during "
     "the entire tick"},
    {"counters", "unicast_rcv_packets", false, "node_infiniband_unicast_packets_received_total",
     "Number of unicast packets received (including errors)"},
    {"counters", "unicast_xmit_packets", false, "node_infiniband_unicast_packets_transmitted_total",
     "Number of unicast packets transmitted (including errors)"},
    {"counters", "port_rcv_remote_physical_errors", false,
     "node_infiniband_port_receive_remote_physical_errors_total",
     "Number of packets marked with the EBP (End of Bad Packet) delimiter received on the port."},
    {"counters", "port_rcv_switch_relay_errors", false,
     "node_infiniband_port_receive_switch_relay_errors_total",
     "Number of packets that could not be forwarded by the switch."},
    {"counters", "symbol_error", false, "node_infiniband_symbol_error_total",
     "Number of minor link errors detected on one or more physical lanes."},
    {"counters", "VL15_dropped", false, "node_infiniband_vl15_dropped_total",
     "Number of incoming VL15 packets dropped due to resource limitations."},
};

/// strconv.ParseUint(s, 10, 32).
std::optional<std::uint32_t> parse_u32(std::string_view s) {
  const auto v = text::parse_u64(s);
  if (!v || *v > 0xffffffffu) return std::nullopt;
  return static_cast<std::uint32_t>(*v);
}

/// What a read gives procfs: a value, a file it skips, ENOENT (ErrNoData) or an error.
enum class Outcome { ok, missing, failed };

struct Failure {
  Outcome outcome;
  std::string message;
};

/// One port directory's counters/ or counters_ext/ files into p.counters.
std::optional<Failure> read_counters(const std::filesystem::path& port_dir, std::string_view dir,
                                     bool required, InfinibandPort& p) {
  const auto path = port_dir / std::string(dir);
  auto listing = sysfs::list_dir(path);
  if (listing.err == ENOENT) {
    if (required) return Failure{Outcome::missing, {}};
    return std::nullopt;
  }
  if (!listing.ok()) return Failure{Outcome::failed, sysfs::describe(path, listing.err)};
  for (const auto& f : listing.entries) {
    if (f.type != sysfs::EntryType::regular) continue;
    const auto file = path / f.name;
    auto r = sysfs::read_trimmed(file);
    if (!r.ok()) {
      if (r.err == ENOENT || r.err == EACCES || r.err == EPERM ||
          (r.in_read && (r.err == EOPNOTSUPP || r.err == EINVAL))) {
        continue;
      }
      return Failure{Outcome::failed, "failed to read file " + sysfs::describe(file, r.err)};
    }
    for (std::size_t i = 0; i < kInfinibandCounters; ++i) {
      if (dir != kCounters[i].dir || f.name != kCounters[i].file) continue;
      auto v = text::parse_u64_base0(r.value);
      if (!v) {
        if (r.value.find("N/A (no PMA)") != std::string::npos) break;
        return Failure{Outcome::failed, "bad value \"" + r.value + "\" in " + file.string()};
      }
      if (kCounters[i].times4) *v *= 4;
      p.counters[i] = *v;
    }
  }
  return std::nullopt;
}

}  // namespace

std::optional<std::uint32_t> parse_infiniband_state(std::string_view s) {
  const auto colon = s.find(':');
  if (colon == std::string_view::npos || s.find(':', colon + 1) != std::string_view::npos) {
    return std::nullopt;
  }
  return parse_u32(text::trim(s.substr(0, colon)));
}

std::optional<std::uint64_t> parse_infiniband_rate(std::string_view s) {
  const auto space = s.find(' ');
  if (space == std::string_view::npos) return std::nullopt;
  std::string_view word = text::trim(s.substr(0, space));
  if (word.size() > 1 && word.front() == '+' && word[1] != '-') word.remove_prefix(1);
  float v = 0;
  const char* const end = word.data() + word.size();
  const auto [ptr, ec] = std::from_chars(word.data(), end, v);
  // Go's ParseFloat returns ±Inf with its range error, and the caller gives up.
  if (word.empty() || ec != std::errc() || ptr != end) return std::nullopt;
  return sysfs::go_float_to_u64(static_cast<double>(v) * 125000000);
}

core::Result<std::optional<std::vector<InfinibandDevice>>> read_infiniband(
    const std::filesystem::path& sysfs) {
  using Out = std::optional<std::vector<InfinibandDevice>>;
  const auto root = sysfs / "class" / "infiniband";
  auto listing = sysfs::list_dir(root);
  if (listing.err == ENOENT) return Out();
  if (!listing.ok()) return core::error(sysfs::describe(root, listing.err));
  std::vector<InfinibandDevice> out;
  for (const auto& e : listing.entries) {
    InfinibandDevice d;
    d.name = e.name;
    const auto dir = root / e.name;
    const std::pair<const char*, std::string*> attributes[] = {
        {"board_id", &d.board_id}, {"fw_ver", &d.firmware_version}, {"hca_type", &d.hca_type}};
    for (const auto& [file, into] : attributes) {
      auto r = sysfs::read_trimmed(dir / file);
      if (r.err == ENOENT && std::string_view(file) == "hca_type") continue;
      if (r.err == ENOENT) return Out();
      if (!r.ok()) return core::error("failed to read file " + sysfs::describe(dir / file, r.err));
      *into = std::move(r.value);
    }
    auto ports = sysfs::list_dir(dir / "ports");
    if (ports.err == ENOENT) return Out();
    if (!ports.ok()) return core::error(sysfs::describe(dir / "ports", ports.err));
    for (const auto& pe : ports.entries) {
      const auto number = parse_u32(pe.name);
      if (!number) return core::error("failed to convert " + pe.name + " into uint");
      InfinibandPort p;
      p.port = *number;
      const auto port_dir = dir / "ports" / pe.name;
      const struct {
        const char* file;
        std::uint32_t* into;
      } states[] = {{"state", &p.state_id}, {"phys_state", &p.phys_state_id}};
      for (const auto& s : states) {
        auto r = sysfs::read_whole(port_dir / s.file);
        if (r.err == ENOENT) return Out();
        if (!r.ok()) return core::error(sysfs::describe(port_dir / s.file, r.err));
        const auto id = parse_infiniband_state(r.value);
        if (!id) return core::error("could not parse " + (port_dir / s.file).string());
        *s.into = *id;
      }
      auto rate = sysfs::read_whole(port_dir / "rate");
      if (rate.err == ENOENT) return Out();
      if (!rate.ok()) return core::error(sysfs::describe(port_dir / "rate", rate.err));
      const auto r = parse_infiniband_rate(rate.value);
      if (!r) return core::error("could not parse " + (port_dir / "rate").string());
      p.rate = *r;
      for (const auto& [sub, required] : {std::pair{"counters", true}, {"counters_ext", false}}) {
        if (auto f = read_counters(port_dir, sub, required, p)) {
          if (f->outcome == Outcome::missing) return Out();
          return core::error(f->message);
        }
      }
      d.ports[p.port] = p;  // "1" and "01" are one port, the later entry wins
    }
    out.push_back(std::move(d));
  }
  return Out(std::move(out));
}

core::Status InfinibandCollector::collect(core::SampleSink& out) {
  auto devices = read_infiniband(paths_.sys);
  if (!devices) return core::error("error obtaining InfiniBand class info: " + devices.message());
  if (!*devices) return core::ok();  // no InfiniBand HCA (or a file missing on the way)
  for (const InfinibandDevice& d : **devices) {
    out.gauge("node_infiniband_info",
              "Non-numeric data from /sys/class/infiniband/<device>, value is always 1.",
              {{"board_id", d.board_id},
               {"device", d.name},
               {"firmware_version", d.firmware_version},
               {"hca_type", d.hca_type}},
              1);
    for (const auto& [number, p] : d.ports) {
      char buf[16];
      const core::Label labels[] = {{"device", d.name}, {"port", text::format_uint(buf, number)}};
      out.gauge("node_infiniband_state_id",
                "State of the InfiniBand port (0: no change, 1: down, 2: init, 3: armed, 4: "
                "active, 5: act defer)",
                labels, p.state_id);
      out.gauge("node_infiniband_physical_state_id",
                "Physical state of the InfiniBand port (0: no change, 1: sleep, 2: polling, 3: "
                "disable, 4: shift, 5: link up, 6: link error recover, 7: phytest)",
                labels, p.phys_state_id);
      out.gauge("node_infiniband_rate_bytes_per_second", "Maximum signal transfer rate", labels,
                static_cast<double>(p.rate));
      for (std::size_t i = 0; i < kInfinibandCounters; ++i) {
        if (!p.counters[i]) continue;
        out.counter(kCounters[i].metric, kCounters[i].help, labels,
                    static_cast<double>(*p.counters[i]));
      }
    }
  }
  return core::ok();
}

std::unique_ptr<Collector> make_infiniband(const CollectorContext& ctx) {
  return std::make_unique<InfinibandCollector>(ctx.paths);
}

}  // namespace sonde::collectors
