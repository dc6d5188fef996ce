// The nfsd collector: node_exporter 1.5.0's node_nfsd_* families (the kernel's NFS server) from
// /proc/net/rpc/nfsd, parsed as prometheus/procfs 0.8.0's nfs.ParseServerRPCStats.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <string_view>
#include <utility>

#include "collectors/collector.hpp"
#include "collectors/nfs.hpp"

namespace sonde::collectors {

/// procfs's V4Ops fields (the "proc4ops" line), in order; node_exporter publishes all but the
/// empty names (the unused operations 0-2, PutPubFH and PutRootFH).
inline constexpr std::string_view kNfsdV4Operations[] = {"",
                                                         "",
                                                         "",
                                                         "Access",
                                                         "Close",
                                                         "Commit",
                                                         "Create",
                                                         "DelegPurge",
                                                         "DelegReturn",
                                                         "GetAttr",
                                                         "GetFH",
                                                         "Link",
                                                         "Lock",
                                                         "Lockt",
                                                         "Locku",
                                                         "Lookup",
                                                         "LookupRoot",
                                                         "Nverify",
                                                         "Open",
                                                         "OpenAttr",
                                                         "OpenConfirm",
                                                         "OpenDgrd",
                                                         "PutFH",
                                                         "",
                                                         "",
                                                         "Read",
                                                         "ReadDir",
                                                         "ReadLink",
                                                         "Remove",
                                                         "Rename",
                                                         "Renew",
                                                         "RestoreFH",
                                                         "SaveFH",
                                                         "SecInfo",
                                                         "SetAttr",
                                                         "Verify",
                                                         "Write",
                                                         "RelLockOwner"};
using NfsdV4Ops = std::array<std::uint64_t, std::size(kNfsdV4Operations)>;

struct NfsdStats {
  std::uint64_t rc_hits = 0, rc_misses = 0, rc_nocache = 0;              // "rc"
  std::uint64_t fh_stale = 0;                                            // "fh", first of 5
  std::uint64_t io_read = 0, io_write = 0;                               // "io"
  std::uint64_t threads = 0;                                             // "th", first of 2 read
  std::uint64_t ra_cache_size = 0, ra_not_found = 0;                     // "ra", first and 12th
  NfsNetwork network;                                                    // "net"
  std::uint64_t rpc_count = 0, bad_fmt = 0, bad_auth = 0, bad_cint = 0;  // "rpc", 5 values
  NfsV2Stats v2{};
  NfsV3Stats v3{};
  NfsdV4Ops v4ops{};
};

/// Lines "<key> <uint64>...": rc, fh, io, th (only its first two values are read: the rest are
/// the histogram old kernels printed as floats), ra, net, rpc, proc2, proc3, proc4 (checked,
/// unused), proc4ops. As procfs: a missing line leaves zeros, a repeated one overrides; an empty
/// line, an unknown key, a non-number or a wrong length fails the whole file.
core::Result<NfsdStats> parse_nfsd(std::string_view text);

class NfsdCollector final : public Collector {
 public:
  explicit NfsdCollector(core::HostPaths paths) : paths_(std::move(paths)) {}
  std::string_view name() const override { return "nfsd"; }
  /// No /proc/net/rpc/nfsd (no nfsd module): nothing, success.
  core::Status collect(core::SampleSink& out) override;

 private:
  core::HostPaths paths_;
};

std::unique_ptr<Collector> make_nfsd(const CollectorContext& ctx);

}  // namespace sonde::collectors
