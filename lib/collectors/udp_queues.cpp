#include "collectors/udp_queues.hpp"

#include <optional>
#include <string>

#include "collectors/proc_file.hpp"
#include "collectors/text_fields.hpp"

namespace sonde::collectors {

namespace {

/// strings.Split(s, ":") into exactly two parts, or nullopt.
std::optional<std::pair<std::string_view, std::string_view>> split_colon(std::string_view s) {
  const auto c = s.find(':');
  if (c == std::string_view::npos || s.find(':', c + 1) != std::string_view::npos) {
    return std::nullopt;
  }
  return std::pair{s.substr(0, c), s.substr(c + 1)};
}

bool is_hex_address(std::string_view s) {
  if (s.size() != 8 && s.size() != 32) return false;  // 4 or 16 bytes
  for (const char c : s) {
    const bool hex = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
    if (!hex) return false;
  }
  return true;
}

bool valid_endpoint(std::string_view field) {
  const auto parts = split_colon(field);
  return parts && is_hex_address(parts->first) && text::parse_u64_base(parts->second, 16);
}

}  // namespace

// Format (net/ipv4/udp.c udp4_format_sock, net/ipv6/datagram.c __ip6_dgram_sock_seq_show):
// "sl local_address rem_address st tx_queue:rx_queue tr:tm->when retrnsmt uid timeout inode ..."
// with addresses and queues in hexadecimal.
core::Result<UdpSummary> parse_udp_summary(std::string_view text) {
  UdpSummary s;
  std::optional<core::Error> err;
  std::size_t line_no = 0;
  core::for_each_line(text, [&](std::string_view line) {
    if (err || ++line_no == 1) return;  // the header
    std::string_view f[10];
    std::string_view rest = line;
    std::size_t n = 0;
    while (n < 10) {
      f[n] = text::next_field(rest);
      if (f[n].empty()) break;
      ++n;
    }
    const auto fail = [&](const char* what) {
      err = core::error("udp: " + std::string(what) + " at line " + std::to_string(line_no));
    };
    if (n < 10) return fail("fewer than 10 columns");
    const auto sl = split_colon(f[0]);
    if (!sl || !text::parse_u64_base0(sl->first)) return fail("bad sl field");
    if (!valid_endpoint(f[1])) return fail("bad local_address field");
    if (!valid_endpoint(f[2])) return fail("bad rem_address field");
    if (!text::parse_u64_base(f[3], 16)) return fail("bad st field");
    const auto q = split_colon(f[4]);
    const auto tx = q ? text::parse_u64_base(q->first, 16) : std::nullopt;
    const auto rx = q ? text::parse_u64_base(q->second, 16) : std::nullopt;
    if (!tx || !rx) return fail("bad tx_queue:rx_queue field");
    if (!text::parse_u64_base0(f[7])) return fail("bad uid field");
    if (!text::parse_u64_base0(f[9])) return fail("bad inode field");
    s.tx_queue += *tx;
    s.rx_queue += *rx;
    ++s.sockets;
  });
  if (err) return *err;
  return s;
}

core::Status UdpQueuesCollector::collect(core::SampleSink& out) {
  const std::pair<const char*, const char*> files[] = {{"udp", "v4"}, {"udp6", "v6"}};
  for (const auto& [file, ip] : files) {
    const auto path = paths_.proc / "net" / file;
    auto text = read_if_present(path);
    if (!text) return text.status();
    if (!*text) continue;  // no IPv4 or no IPv6 on this kernel
    auto s = parse_udp_summary(**text);
    if (!s) return core::error(s.message() + " in " + path.string());
    const char* help = "Number of allocated memory in the kernel for UDP datagrams in bytes.";
    out.gauge("node_udp_queues", help, {{"ip", ip}, {"queue", "tx"}},
              static_cast<double>(s->tx_queue));
    out.gauge("node_udp_queues", help, {{"ip", ip}, {"queue", "rx"}},
              static_cast<double>(s->rx_queue));
  }
  return core::ok();
}

std::unique_ptr<Collector> make_udp_queues(const CollectorContext& ctx) {
  return std::make_unique<UdpQueuesCollector>(ctx.paths);
}

}  // namespace sonde::collectors
