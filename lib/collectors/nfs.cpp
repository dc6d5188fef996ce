#include "collectors/nfs.hpp"

#include <optional>
#include <string>

#include "collectors/proc_file.hpp"
#include "collectors/text_fields.hpp"

namespace sonde::collectors {

namespace nfs_lines {

std::string quote(std::string_view line) { return "\"" + std::string(line.substr(0, 80)) + "\""; }

core::Result<std::vector<std::uint64_t>> values(std::string_view line,
                                                std::span<const std::string_view> fields,
                                                const char* what) {
  std::vector<std::uint64_t> out;
  out.reserve(fields.size());
  for (const std::string_view f : fields) {
    const auto v = text::parse_u64(f);
    if (!v) {
      return core::error(std::string("error parsing ") + what + " metric line " + quote(line) +
                         ": " + quote(f) + " is not an unsigned 64-bit number");
    }
    out.push_back(*v);
  }
  return out;
}

core::Result<NfsNetwork> network(std::span<const std::uint64_t> v) {
  if (v.size() != 4) return core::error("invalid Network line: 4 values expected");
  return NfsNetwork{v[0], v[1], v[2], v[3]};
}

namespace {

/// "<n> <n values>" with at least `min` values, into the first N of `out`.
template <std::size_t N>
core::Result<std::array<std::uint64_t, N>> counted(std::span<const std::uint64_t> v,
                                                   std::size_t min, const char* what) {
  // procfs compares int(v[0]) with the count: a v[0] past int64 never matches.
  if (v.empty() || v[0] != v.size() - 1 || v[0] < min) {
    return core::error(std::string("invalid ") + what + " line: its count is not the " +
                       std::to_string(min) + " or more values that follow");
  }
  std::array<std::uint64_t, N> out{};
  for (std::size_t i = 0; i < N && i + 1 < v.size(); ++i) out[i] = v[i + 1];
  return out;
}

}  // namespace

void publish_requests(core::SampleSink& out, const char* family, const char* help,
                      std::string_view proto, std::span<const std::string_view> names,
                      std::span<const std::uint64_t> values, bool skip_null) {
  for (std::size_t i = 0; i < names.size() && i < values.size(); ++i) {
    if (names[i].empty() || (skip_null && names[i] == "Null")) continue;
    out.counter(family, help, {{"method", names[i]}, {"proto", proto}},
                static_cast<double>(values[i]));
  }
}

core::Result<NfsV2Stats> v2(std::span<const std::uint64_t> v) {
  return counted<std::tuple_size_v<NfsV2Stats>>(v, 18, "V2Stats");
}

core::Result<NfsV3Stats> v3(std::span<const std::uint64_t> v) {
  return counted<std::tuple_size_v<NfsV3Stats>>(v, 22, "V3Stats");
}

}  // namespace nfs_lines

// Format (net/sunrpc/stats.c, rpc_proc_show; fs/nfs/ for the procedure counts): "net <netcnt>
// <netudpcnt> <nettcpcnt> <nettcpconn>", "rpc <rpccnt> <rpcretrans> <rpcauthrefresh>", then per
// NFS version "proc<v> <count> <count values>".
core::Result<NfsClientStats> parse_nfs_client(std::string_view text) {
  NfsClientStats out;
  const auto st = nfs_lines::each_line(
      text, "NFS", 0,
      [&](std::string_view key, std::span<const std::uint64_t> v) -> nfs_lines::Handled {
        if (key == "net") return {nfs_lines::assign(nfs_lines::network(v), out.network)};
        if (key == "rpc") {
          if (v.size() != 3) return {core::error("invalid RPC line: 3 values expected")};
          out.rpc_count = v[0];
          out.retransmissions = v[1];
          out.auth_refreshes = v[2];
          return {};
        }
        if (key == "proc2") return {nfs_lines::assign(nfs_lines::v2(v), out.v2)};
        if (key == "proc3") return {nfs_lines::assign(nfs_lines::v3(v), out.v3)};
        if (key == "proc4") {
          // Any count that matches: older kernels have fewer procedures (zeros), newer more.
          if (v[0] != v.size() - 1) {
            return {
                core::error("invalid ClientV4Stats line: its count is not the values that follow")};
          }
          out.v4 = {};
          for (std::size_t i = 0; i < out.v4.size() && i + 1 < v.size(); ++i) out.v4[i] = v[i + 1];
          return {};
        }
        return {core::ok(), false};
      });
  if (!st.ok()) return st.error();
  return out;
}

core::Status NfsCollector::collect(core::SampleSink& out) {
  const auto path = paths_.proc / "net" / "rpc" / "nfs";
  auto text = read_if_present(path);
  if (!text) return text.status();
  if (!*text) return core::ok();  // no NFS client module loaded
  auto stats = parse_nfs_client(**text);
  if (!stats) return core::error(stats.message() + " in " + path.string());
  const NfsClientStats& s = *stats;
  // node_exporter v1.5.0 collector/nfs_linux.go: names, help texts, labels.
  constexpr const char* kPackets = "Total NFSd network packets (sent+received) by protocol type.";
  out.counter("node_nfs_packets_total", kPackets, {{"protocol", "udp"}},
              static_cast<double>(s.network.udp_count));
  out.counter("node_nfs_packets_total", kPackets, {{"protocol", "tcp"}},
              static_cast<double>(s.network.tcp_count));
  out.counter("node_nfs_connections_total", "Total number of NFSd TCP connections.", {},
              static_cast<double>(s.network.tcp_connect));
  out.counter("node_nfs_rpcs_total", "Total number of RPCs performed.", {},
              static_cast<double>(s.rpc_count));
  out.counter("node_nfs_rpc_retransmissions_total", "Number of RPC transmissions performed.", {},
              static_cast<double>(s.retransmissions));
  out.counter("node_nfs_rpc_authentication_refreshes_total",
              "Number of RPC authentication refreshes performed.", {},
              static_cast<double>(s.auth_refreshes));
  constexpr const char* kRequests = "Number of NFS procedures invoked.";
  nfs_lines::publish_requests(out, "node_nfs_requests_total", kRequests, "2", kNfsV2Procedures,
                              s.v2, false);
  nfs_lines::publish_requests(out, "node_nfs_requests_total", kRequests, "3", kNfsV3Procedures,
                              s.v3, false);
  nfs_lines::publish_requests(out, "node_nfs_requests_total", kRequests, "4",
                              kNfsClientV4Procedures, s.v4, false);
  return core::ok();
}

std::unique_ptr<Collector> make_nfs(const CollectorContext& ctx) {
  return std::make_unique<NfsCollector>(ctx.paths);
}

}  // namespace sonde::collectors
