#include "collectors/nfsd.hpp"

#include <string>

#include "collectors/proc_file.hpp"
#include "collectors/text_fields.hpp"

namespace sonde::collectors {

namespace {

core::Status exactly(std::span<const std::uint64_t> v, std::size_t n, const char* what) {
  if (v.size() == n) return core::ok();
  return core::error(std::string("invalid ") + what + " line: " + std::to_string(n) +
                     " values expected");
}

}  // namespace

// Format (fs/nfsd/stats.c, nfsd_show, and net/sunrpc/stats.c, svc_seq_show): "rc", "fh", "io",
// "th", "ra" (kernels before 5.x), "net", "rpc", then "proc<v> <count> <count values>" and
// "proc4ops <count> <count values>".
core::Result<NfsdStats> parse_nfsd(std::string_view text) {
  NfsdStats out;
  const auto parsed = nfs_lines::each_line(
      text, "NFSd", 2,
      [&](std::string_view key, std::span<const std::uint64_t> v) -> nfs_lines::Handled {
        if (key == "rc") {
          auto st = exactly(v, 3, "ReplyCache");
          if (st.ok()) {
            out.rc_hits = v[0];
            out.rc_misses = v[1];
            out.rc_nocache = v[2];
          }
          return {st};
        }
        if (key == "fh") {
          auto st = exactly(v, 5, "FileHandles");
          if (st.ok()) out.fh_stale = v[0];
          return {st};
        }
        if (key == "io") {
          auto st = exactly(v, 2, "InputOutput");
          if (st.ok()) {
            out.io_read = v[0];
            out.io_write = v[1];
          }
          return {st};
        }
        if (key == "th") {
          out.threads = v[0];
          return {};
        }
        if (key == "ra") {
          auto st = exactly(v, 12, "ReadAheadCache");
          if (st.ok()) {
            out.ra_cache_size = v[0];
            out.ra_not_found = v[11];
          }
          return {st};
        }
        if (key == "net") return {nfs_lines::assign(nfs_lines::network(v), out.network)};
        if (key == "rpc") {
          auto st = exactly(v, 5, "RPC");
          if (st.ok()) {
            out.rpc_count = v[0];  // v[1] is badcnt, the sum of the next three
            out.bad_fmt = v[2];
            out.bad_auth = v[3];
            out.bad_cint = v[4];
          }
          return {st};
        }
        if (key == "proc2") return {nfs_lines::assign(nfs_lines::v2(v), out.v2)};
        if (key == "proc3") return {nfs_lines::assign(nfs_lines::v3(v), out.v3)};
        if (key == "proc4") {
          if (v[0] != v.size() - 1 || v[0] != 2) return {core::error("invalid V4Stats line")};
          return {};
        }
        if (key == "proc4ops") {
          if (v[0] != v.size() - 1 || v[0] < 39) {
            return {core::error(
                "invalid V4Ops line: its count is not the 39 or more values that follow")};
          }
          for (std::size_t i = 0; i < out.v4ops.size(); ++i) out.v4ops[i] = v[i + 1];
          return {};
        }
        return {core::ok(), false};
      });
  if (!parsed.ok()) return parsed.error();
  return out;
}

core::Status NfsdCollector::collect(core::SampleSink& out) {
  const auto path = paths_.proc / "net" / "rpc" / "nfsd";
  auto text = read_if_present(path);
  if (!text) return text.status();
  if (!*text) return core::ok();  // no NFS server module loaded
  auto stats = parse_nfsd(**text);
  if (!stats) return core::error(stats.message() + " in " + path.string());
  const NfsdStats& s = *stats;
  const auto c = [&](const char* name, const char* help, std::uint64_t v) {
    out.counter(name, help, {}, static_cast<double>(v));
  };
  // node_exporter v1.5.0 collector/nfsd_linux.go: names, help texts (its typos too), labels.
  c("node_nfsd_reply_cache_hits_total",
    "Total number of NFSd Reply Cache hits (client lost server response).", s.rc_hits);
  c("node_nfsd_reply_cache_misses_total",
    "Total number of NFSd Reply Cache an operation that requires caching (idempotent).",
    s.rc_misses);
  c("node_nfsd_reply_cache_nocache_total",
    "Total number of NFSd Reply Cache non-idempotent operations (rename/delete/…).", s.rc_nocache);
  c("node_nfsd_file_handles_stale_total", "Total number of NFSd stale file handles", s.fh_stale);
  c("node_nfsd_disk_bytes_read_total", "Total NFSd bytes read.", s.io_read);
  c("node_nfsd_disk_bytes_written_total", "Total NFSd bytes written.", s.io_write);
  out.gauge("node_nfsd_server_threads", "Total number of NFSd kernel threads that are running.", {},
            static_cast<double>(s.threads));
  out.gauge("node_nfsd_read_ahead_cache_size_blocks",
            "How large the read ahead cache is in blocks.", {},
            static_cast<double>(s.ra_cache_size));
  c("node_nfsd_read_ahead_cache_not_found_total",
    "Total number of NFSd read ahead cache not found.", s.ra_not_found);
  constexpr const char* kPackets = "Total NFSd network packets (sent+received) by protocol type.";
  out.counter("node_nfsd_packets_total", kPackets, {{"proto", "udp"}},
              static_cast<double>(s.network.udp_count));
  out.counter("node_nfsd_packets_total", kPackets, {{"proto", "tcp"}},
              static_cast<double>(s.network.tcp_count));
  c("node_nfsd_connections_total", "Total number of NFSd TCP connections.", s.network.tcp_connect);
  constexpr const char* kErrors = "Total number of NFSd RPC errors by error type.";
  out.counter("node_nfsd_rpc_errors_total", kErrors, {{"error", "fmt"}},
              static_cast<double>(s.bad_fmt));
  out.counter("node_nfsd_rpc_errors_total", kErrors, {{"error", "auth"}},
              static_cast<double>(s.bad_auth));
  out.counter("node_nfsd_rpc_errors_total", kErrors, {{"error", "cInt"}},
              static_cast<double>(s.bad_cint));
  c("node_nfsd_server_rpcs_total", "Total number of NFSd RPCs.", s.rpc_count);
  constexpr const char* kRequests = "Total number NFSd Requests by method and protocol.";
  nfs_lines::publish_requests(out, "node_nfsd_requests_total", kRequests, "2", kNfsV2Procedures,
                              s.v2, true);
  nfs_lines::publish_requests(out, "node_nfsd_requests_total", kRequests, "3", kNfsV3Procedures,
                              s.v3, true);
  nfs_lines::publish_requests(out, "node_nfsd_requests_total", kRequests, "4", kNfsdV4Operations,
                              s.v4ops, true);
  return core::ok();
}

std::unique_ptr<Collector> make_nfsd(const CollectorContext& ctx) {
  return std::make_unique<NfsdCollector>(ctx.paths);
}

}  // namespace sonde::collectors
