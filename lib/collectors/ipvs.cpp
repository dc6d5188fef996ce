#include "collectors/ipvs.hpp"

#include <algorithm>
#include <array>
#include <optional>
#include <unordered_map>

#include "collectors/proc_file.hpp"
#include "collectors/text_fields.hpp"

namespace sonde::collectors {

namespace {

std::string quote(std::string_view s) { return "\"" + std::string(s.substr(0, 80)) + "\""; }

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

void append_dotted(std::string& out, const std::uint8_t* b) {
  char buf[4];
  for (int i = 0; i < 4; ++i) {
    if (i > 0) out += '.';
    out += text::format_uint(buf, b[i]);
  }
}

/// Go's dtoi/xtoi: the longest run of digits in `base` at the start of s, below 0xFFFFFF.
struct Number {
  std::uint32_t value = 0;
  std::size_t length = 0;
  bool ok = false;
};
Number leading_number(std::string_view s, int base) {
  constexpr std::uint32_t kBig = 0xFFFFFF;
  Number n;
  for (; n.length < s.size(); ++n.length) {
    const int d = hex_digit(s[n.length]);
    if (d < 0 || d >= base) break;
    n.value = n.value * static_cast<std::uint32_t>(base) + static_cast<std::uint32_t>(d);
    if (n.value >= kBig) return {kBig, n.length, false};
  }
  n.ok = n.length > 0;
  return n;
}

/// Go 1.19's net.parseIPv4: four decimal parts, no leading zeros.
bool parse_go_ipv4(std::string_view s, std::uint8_t* out) {
  for (int i = 0; i < 4; ++i) {
    if (s.empty()) return false;
    if (i > 0) {
      if (s[0] != '.') return false;
      s.remove_prefix(1);
    }
    const Number n = leading_number(s, 10);
    if (!n.ok || n.value > 0xFF || (n.length > 1 && s[0] == '0')) return false;
    s.remove_prefix(n.length);
    out[i] = static_cast<std::uint8_t>(n.value);
  }
  return s.empty();
}

/// Go 1.19's net.parseIPv6.
bool parse_go_ipv6(std::string_view s, std::array<std::uint8_t, 16>& ip) {
  ip = {};
  int ellipsis = -1;
  if (s.size() >= 2 && s[0] == ':' && s[1] == ':') {
    ellipsis = 0;
    s.remove_prefix(2);
    if (s.empty()) return true;
  }
  int i = 0;
  while (i < 16) {
    const Number n = leading_number(s, 16);
    if (!n.ok || n.value > 0xFFFF) return false;
    if (n.length < s.size() && s[n.length] == '.') {
      if ((ellipsis < 0 && i != 12) || i + 4 > 16) return false;
      if (!parse_go_ipv4(s, ip.data() + i)) return false;
      s = {};
      i += 4;
      break;
    }
    ip[static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(n.value >> 8);
    ip[static_cast<std::size_t>(i) + 1] = static_cast<std::uint8_t>(n.value);
    i += 2;
    s.remove_prefix(n.length);
    if (s.empty()) break;
    if (s[0] != ':' || s.size() == 1) return false;
    s.remove_prefix(1);
    if (s[0] == ':') {
      if (ellipsis >= 0) return false;
      ellipsis = i;
      s.remove_prefix(1);
      if (s.empty()) break;
    }
  }
  if (!s.empty()) return false;
  if (i < 16) {
    if (ellipsis < 0) return false;
    const int n = 16 - i;
    for (int j = i - 1; j >= ellipsis; --j)
      ip[static_cast<std::size_t>(j + n)] = ip[static_cast<std::size_t>(j)];
    for (int j = ellipsis + n - 1; j >= ellipsis; --j) ip[static_cast<std::size_t>(j)] = 0;
  } else if (ellipsis >= 0) {
    return false;  // "::" must stand for at least one zero group
  }
  return true;
}

/// Go's net.IP.String for a 16-byte address.
std::string go_ip16_string(const std::array<std::uint8_t, 16>& p) {
  std::string out;
  const bool v4_mapped = std::all_of(p.begin(), p.begin() + 10, [](auto b) { return b == 0; }) &&
                         p[10] == 0xff && p[11] == 0xff;
  if (v4_mapped) {
    append_dotted(out, p.data() + 12);
    return out;
  }
  // The longest run of zero groups (the first of equals), if longer than one group.
  int e0 = -1, e1 = -1;
  for (int i = 0; i < 16; i += 2) {
    int j = i;
    while (j < 16 && p[static_cast<std::size_t>(j)] == 0 && p[static_cast<std::size_t>(j) + 1] == 0)
      j += 2;
    if (j > i && j - i > e1 - e0) {
      e0 = i;
      e1 = j;
      i = j;
    }
  }
  if (e1 - e0 <= 2) e0 = e1 = -1;
  static constexpr char kHex[] = "0123456789abcdef";
  for (int i = 0; i < 16; i += 2) {
    if (i == e0) {
      out += "::";
      i = e1;
      if (i >= 16) break;
    } else if (i > 0) {
      out += ':';
    }
    const unsigned v =
        (unsigned{p[static_cast<std::size_t>(i)]} << 8) | p[static_cast<std::size_t>(i) + 1];
    bool started = false;
    for (int shift = 12; shift >= 0; shift -= 4) {
      const unsigned d = (v >> shift) & 0xF;
      if (d != 0 || started || shift == 0) {
        out += kHex[d];
        started = true;
      }
    }
  }
  return out;
}

struct IpPort {
  std::string address;
  std::uint16_t port = 0;
};

/// procfs's parseIPPort: "AABBCCDD:PPPP" (13 bytes) or "[<IPv6>]:PPPP" (46 bytes).
core::Result<IpPort> parse_ip_port(std::string_view s) {
  IpPort out;
  if (s.size() == 13) {
    std::uint8_t b[4];
    for (std::size_t i = 0; i < 4; ++i) {
      const int hi = hex_digit(s[2 * i]), lo = hex_digit(s[2 * i + 1]);
      if (hi < 0 || lo < 0) return core::error("ip_vs: bad IPv4 address in " + quote(s));
      b[i] = static_cast<std::uint8_t>(hi * 16 + lo);
    }
    append_dotted(out.address, b);
  } else if (s.size() == 46) {
    auto a = go_ipv6_string(s.substr(1, 39));
    if (!a) return core::error("ip_vs: invalid IPv6 address: " + quote(s.substr(1, 39)));
    out.address = std::move(*a);
  } else {
    return core::error("ip_vs: unexpected IP:Port: " + quote(s));
  }
  const auto port = text::parse_u64_base(s.substr(s.size() - 4), 16);
  if (!port) return core::error("ip_vs: bad port in " + quote(s));
  out.port = static_cast<std::uint16_t>(*port);  // 4 hex digits: at most 0xFFFF
  return out;
}

}  // namespace

std::optional<std::string> go_ipv6_string(std::string_view s) {
  // net.ParseIP: the first '.' or ':' decides between IPv4 and IPv6.
  const auto sep = s.find_first_of(".:");
  if (sep == std::string_view::npos) return std::nullopt;
  if (s[sep] == '.') {
    std::uint8_t b[4];
    if (!parse_go_ipv4(s, b)) return std::nullopt;
    std::string out;
    append_dotted(out, b);
    return out;
  }
  std::array<std::uint8_t, 16> ip;
  if (!parse_go_ipv6(s, ip)) return std::nullopt;
  return go_ip16_string(ip);
}

// Format (net/netfilter/ipvs/ip_vs_ctl.c, ip_vs_stats_show): two header lines, then
// "%8X %8X %8X %16LX %16LX" (connections, packets in/out, bytes in/out), then the rates.
core::Result<IpvsStats> parse_ipvs_stats(std::string_view text) {
  std::string_view third;
  std::size_t from = 0;
  for (int line = 0; line < 3; ++line) {
    const auto nl = text.find('\n', from);
    if (nl == std::string_view::npos) return core::error("ip_vs_stats corrupt: too short");
    if (line == 2) third = text.substr(from, nl - from);
    from = nl + 1;
  }
  std::vector<std::string_view> fields;
  text::split_fields(third, fields);
  if (fields.size() != 5) return core::error("ip_vs_stats corrupt: unexpected number of fields");
  std::array<std::uint64_t, 5> v{};
  for (std::size_t i = 0; i < v.size(); ++i) {
    const auto x = text::parse_u64_base(fields[i], 16);
    if (!x) return core::error("ip_vs_stats: " + quote(fields[i]) + " is not a hexadecimal uint64");
    v[i] = *x;
  }
  return IpvsStats{v[0], v[1], v[2], v[3], v[4]};
}

// Format (ip_vs_ctl.c, ip_vs_info_seq_show): "IP Virtual Server version ..." and two header
// lines, then per service "%s  %08X:%04X %s " (TCP, UDP, SCTP), "[%pI6]:%04X" for IPv6, or
// "FWM  %08X %s " (firewall mark), and per backend "  -> %08X:%04X      %-7s %-6d %-10d %-10d".
core::Result<std::vector<IpvsBackend>> parse_ipvs_backends(std::string_view text) {
  std::vector<IpvsBackend> out;
  std::optional<core::Error> err;
  std::string proto, local_mark, local_address;
  std::uint16_t local_port = 0;
  std::vector<std::string_view> fields;
  core::for_each_line(text, [&](std::string_view line) {
    if (err) return;
    text::split_fields(line, fields);
    if (fields.empty()) return;
    if (fields[0] == "IP" || fields[0] == "Prot") return;
    if (fields.size() == 1) {
      err = core::error("ip_vs: a line of one field: " + quote(line));
      return;
    }
    if (fields[1] == "RemoteAddress:Port") return;
    if (fields[0] == "TCP" || fields[0] == "UDP") {
      auto a = parse_ip_port(fields[1]);
      if (!a) {
        err = a.error();
        return;
      }
      proto = std::string(fields[0]);
      local_mark.clear();
      local_address = std::move(a->address);
      local_port = a->port;
    } else if (fields[0] == "FWM") {
      proto = "FWM";
      local_mark = std::string(fields[1]);
      local_address.clear();
      local_port = 0;
    } else if (fields[0] == "->") {
      if (fields.size() < 6) return;
      auto remote = parse_ip_port(fields[1]);
      if (!remote) {
        err = remote.error();
        return;
      }
      std::uint64_t v[3];
      for (std::size_t i = 0; i < 3; ++i) {
        const auto x = text::parse_u64(fields[3 + i]);
        if (!x) {
          err =
              core::error("ip_vs: " + quote(fields[3 + i]) + " is not a uint64 in " + quote(line));
          return;
        }
        v[i] = *x;
      }
      out.push_back({local_address, local_port, std::move(remote->address), remote->port,
                     local_mark, proto, v[0], v[1], v[2]});
    }
  });
  if (err) return *err;
  return out;
}

IpvsCollector::IpvsCollector(core::HostPaths paths, const collectors::IpvsOptions& options)
    : paths_(std::move(paths)) {
  // As node_exporter's parseIpvsLabels: the known labels the option names, in their own order
  // (unknown ones are a config error, checked when the config is loaded).
  std::string_view list = options.backend_labels;
  std::vector<std::string_view> named;
  while (!list.empty()) {
    const auto comma = list.find(',');
    named.push_back(list.substr(0, comma));
    list.remove_prefix(comma == std::string_view::npos ? list.size() : comma + 1);
  }
  for (std::size_t i = 0; i < std::size(kIpvsBackendLabels); ++i) {
    if (std::find(named.begin(), named.end(), kIpvsBackendLabels[i]) != named.end()) {
      labels_.push_back(i);
    }
  }
}

core::Status IpvsCollector::collect(core::SampleSink& out) {
  const auto stats_path = paths_.proc / "net" / "ip_vs_stats";
  auto stats_text = read_if_present(stats_path);
  if (!stats_text) return stats_text.status();
  if (!*stats_text) return core::ok();  // ip_vs not loaded
  auto stats = parse_ipvs_stats(**stats_text);
  if (!stats) return core::error(stats.message() + " in " + stats_path.string());
  // As node_exporter 1.5: ip_vs_stats without ip_vs is an error (both come with the module).
  const auto path = paths_.proc / "net" / "ip_vs";
  auto text = core::read_text(path, core::kMaxProcFileBytes);
  if (!text) return core::error("could not get backend status: " + text.error().message);
  auto backends = parse_ipvs_backends(*text);
  if (!backends) return core::error(backends.message() + " in " + path.string());

  // node_exporter v1.5.0 collector/ipvs_linux.go: names, help texts.
  const auto total = [&](const char* name, const char* help, std::uint64_t v) {
    out.counter(name, help, {}, static_cast<double>(v));
  };
  total("node_ipvs_connections_total", "The total number of connections made.", stats->connections);
  total("node_ipvs_incoming_packets_total", "The total number of incoming packets.",
        stats->incoming_packets);
  total("node_ipvs_outgoing_packets_total", "The total number of outgoing packets.",
        stats->outgoing_packets);
  total("node_ipvs_incoming_bytes_total", "The total amount of incoming data.",
        stats->incoming_bytes);
  total("node_ipvs_outgoing_bytes_total", "The total amount of outgoing data.",
        stats->outgoing_bytes);

  // Backends that agree on the chosen labels are summed; node_exporter keys them by the values
  // joined with "-" (so values that differ but join the same merge there too, as here).
  struct Sum {
    std::vector<std::string> values;
    std::uint64_t active = 0, inactive = 0, weight = 0;
  };
  std::vector<Sum> sums;
  std::unordered_map<std::string, std::size_t> index;
  char buf[8];
  for (const IpvsBackend& b : *backends) {
    std::vector<std::string> values;
    std::string key;
    for (const std::size_t l : labels_) {
      std::string v;
      switch (l) {
        case 0:
          v = b.local_address;
          break;
        case 1:
          v = std::string(text::format_uint(buf, b.local_port));
          break;
        case 2:
          v = b.remote_address;
          break;
        case 3:
          v = std::string(text::format_uint(buf, b.remote_port));
          break;
        case 4:
          v = b.proto;
          break;
        default:
          v = b.local_mark;
          break;
      }
      key += (values.empty() ? "" : "-") + v;
      values.push_back(std::move(v));
    }
    auto [it, fresh] = index.try_emplace(key, sums.size());
    if (fresh) sums.push_back({});
    Sum& s = sums[it->second];
    s.values = std::move(values);  // node_exporter keeps the last backend's values for a key
    s.active += b.active_conn;
    s.inactive += b.inact_conn;
    s.weight += b.weight;
  }
  std::vector<core::Label> labels;
  for (const Sum& s : sums) {
    labels.clear();
    for (std::size_t i = 0; i < labels_.size(); ++i) {
      labels.emplace_back(kIpvsBackendLabels[labels_[i]], s.values[i]);
    }
    std::sort(labels.begin(), labels.end());
    out.gauge("node_ipvs_backend_connections_active",
              "The current active connections by local and remote address.", labels,
              static_cast<double>(s.active));
    out.gauge("node_ipvs_backend_connections_inactive",
              "The current inactive connections by local and remote address.", labels,
              static_cast<double>(s.inactive));
    out.gauge("node_ipvs_backend_weight", "The current backend weight by local and remote address.",
              labels, static_cast<double>(s.weight));
  }
  return core::ok();
}

std::unique_ptr<Collector> make_ipvs(const CollectorContext& ctx) {
  return std::make_unique<IpvsCollector>(ctx.paths, ctx.options.ipvs);
}

}  // namespace sonde::collectors
