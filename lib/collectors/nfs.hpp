// The nfs collector: node_exporter 1.5.0's node_nfs_* families (the NFS client) from
// /proc/net/rpc/nfs, parsed as prometheus/procfs 0.8.0's nfs.ParseClientRPCStats. The line
// parsers shared with nfsd (net, proc2, proc3) are declared here too.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "collectors/collector.hpp"
#include "collectors/text_fields.hpp"
#include "core/read_file.hpp"

namespace sonde::collectors {

/// The "net" line: packets, UDP packets, TCP packets, TCP connections.
struct NfsNetwork {
  std::uint64_t net_count = 0, udp_count = 0, tcp_count = 0, tcp_connect = 0;
};

/// procfs's V2Stats and V3Stats fields, in the kernel's order (Null first).
inline constexpr std::string_view kNfsV2Procedures[] = {
    "Null",   "GetAttr", "SetAttr", "Root", "Lookup",  "ReadLink", "Read",  "WrCache", "Write",
    "Create", "Remove",  "Rename",  "Link", "SymLink", "MkDir",    "RmDir", "ReadDir", "FsStat"};
inline constexpr std::string_view kNfsV3Procedures[] = {
    "Null",    "GetAttr",     "SetAttr", "Lookup", "Access",   "ReadLink", "Read",   "Write",
    "Create",  "MkDir",       "SymLink", "MkNod",  "Remove",   "RmDir",    "Rename", "Link",
    "ReadDir", "ReadDirPlus", "FsStat",  "FsInfo", "PathConf", "Commit"};
/// procfs's ClientV4Stats fields (the client's "proc4" line), in order.
inline constexpr std::string_view kNfsClientV4Procedures[] = {"Null",
                                                              "Read",
                                                              "Write",
                                                              "Commit",
                                                              "Open",
                                                              "OpenConfirm",
                                                              "OpenNoattr",
                                                              "OpenDowngrade",
                                                              "Close",
                                                              "Setattr",
                                                              "FsInfo",
                                                              "Renew",
                                                              "SetClientID",
                                                              "SetClientIDConfirm",
                                                              "Lock",
                                                              "Lockt",
                                                              "Locku",
                                                              "Access",
                                                              "Getattr",
                                                              "Lookup",
                                                              "LookupRoot",
                                                              "Remove",
                                                              "Rename",
                                                              "Link",
                                                              "Symlink",
                                                              "Create",
                                                              "Pathconf",
                                                              "StatFs",
                                                              "ReadLink",
                                                              "ReadDir",
                                                              "ServerCaps",
                                                              "DelegReturn",
                                                              "GetACL",
                                                              "SetACL",
                                                              "FsLocations",
                                                              "ReleaseLockowner",
                                                              "Secinfo",
                                                              "FsidPresent",
                                                              "ExchangeID",
                                                              "CreateSession",
                                                              "DestroySession",
                                                              "Sequence",
                                                              "GetLeaseTime",
                                                              "ReclaimComplete",
                                                              "LayoutGet",
                                                              "GetDeviceInfo",
                                                              "LayoutCommit",
                                                              "LayoutReturn",
                                                              "SecinfoNoName",
                                                              "TestStateID",
                                                              "FreeStateID",
                                                              "GetDeviceList",
                                                              "BindConnToSession",
                                                              "DestroyClientID",
                                                              "Seek",
                                                              "Allocate",
                                                              "DeAllocate",
                                                              "LayoutStats",
                                                              "Clone"};

using NfsV2Stats = std::array<std::uint64_t, std::size(kNfsV2Procedures)>;
using NfsV3Stats = std::array<std::uint64_t, std::size(kNfsV3Procedures)>;
using NfsClientV4Stats = std::array<std::uint64_t, std::size(kNfsClientV4Procedures)>;

struct NfsClientStats {
  NfsNetwork network;
  std::uint64_t rpc_count = 0, retransmissions = 0, auth_refreshes = 0;  // the "rpc" line
  NfsV2Stats v2{};
  NfsV3Stats v3{};
  NfsClientV4Stats v4{};
};

namespace nfs_lines {

/// `line` for error messages: at most 80 bytes, quoted.
std::string quote(std::string_view line);
/// A line's values after its key: every field a decimal uint64 (strconv.ParseUint), or an error.
core::Result<std::vector<std::uint64_t>> values(std::string_view line,
                                                std::span<const std::string_view> fields,
                                                const char* what);
core::Result<NfsNetwork> network(std::span<const std::uint64_t> v);
/// "proc2 <n> <n values>": n must be the count that follows and at least 18.
core::Result<NfsV2Stats> v2(std::span<const std::uint64_t> v);
/// "proc3 <n> <n values>": n must be the count that follows and at least 22.
core::Result<NfsV3Stats> v3(std::span<const std::uint64_t> v);

/// What a line handler says: the line was read (or its error), or its key is unknown.
struct Handled {
  core::Status status = core::ok();
  bool known = true;
};

/// procfs's loop over "<key> <uint64>..." lines: an empty or one-field line fails, so does a
/// non-number (only the first `th_values` values of a "th" line are read); then
/// handle(key, values) reads the line. `what` is "NFS" or "NFSd", as procfs's messages say.
template <class Handle>
core::Status each_line(std::string_view text, const char* what, std::size_t th_values,
                       Handle&& handle) {
  std::optional<core::Error> err;
  std::vector<std::string_view> fields;
  core::for_each_line(text, [&](std::string_view line) {
    if (err) return;
    text::split_fields(line, fields);
    const bool th = th_values > 0 && !fields.empty() && fields[0] == "th";
    if (fields.size() < 2) {
      err = core::error(std::string("invalid ") + what + " metric line " + quote(line));
      return;
    }
    if (th && fields.size() < th_values + 1) {
      err = core::error(std::string("invalid ") + what + " th metric line " + quote(line));
      return;
    }
    auto rest = std::span<const std::string_view>(fields).subspan(1);
    auto v = values(line, th ? rest.first(th_values) : rest, what);
    if (!v) {
      err = v.error();
      return;
    }
    const Handled h = handle(fields[0], std::span<const std::uint64_t>(*v));
    if (!h.known) {
      err = core::error(std::string("unknown ") + what + " metric line " + quote(fields[0]));
    } else if (!h.status.ok()) {
      err = core::error(std::string("errors parsing ") + what + " metric line " + quote(line) +
                        ": " + h.status.message());
    }
  });
  if (err) return *err;
  return core::ok();
}

/// Copies r's value into `into`, or returns its error.
template <class T, class U>
core::Status assign(const core::Result<T>& r, U& into) {
  if (!r) return r.status();
  into = *r;
  return core::ok();
}

/// One `family{method, proto}` counter per name of `names` (empty names and, with
/// `skip_null`, "Null" are left out, as node_exporter's nfsd collector does).
void publish_requests(core::SampleSink& out, const char* family, const char* help,
                      std::string_view proto, std::span<const std::string_view> names,
                      std::span<const std::uint64_t> values, bool skip_null);

}  // namespace nfs_lines

/// Lines "<key> <uint64>...": net, rpc, proc2, proc3, proc4. A line missing leaves its fields 0
/// (as procfs, which node_exporter publishes anyway); a line repeated overrides. Fails, as procfs
/// does, on an empty line, an unknown key, a non-number, or a line of the wrong length; a proc4
/// line shorter than today's 59 procedures (older kernels) is padded with zeros.
core::Result<NfsClientStats> parse_nfs_client(std::string_view text);

class NfsCollector final : public Collector {
 public:
  explicit NfsCollector(core::HostPaths paths) : paths_(std::move(paths)) {}
  std::string_view name() const override { return "nfs"; }
  /// No /proc/net/rpc/nfs (no NFS client module): nothing, success.
  core::Status collect(core::SampleSink& out) override;

 private:
  core::HostPaths paths_;
};

std::unique_ptr<Collector> make_nfs(const CollectorContext& ctx);

}  // namespace sonde::collectors
