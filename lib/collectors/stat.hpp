// The stat collector: boot time, context switches, forks, interrupts, runnable and blocked
// processes and (optionally) softirqs per vector from /proc/stat, as node_exporter's stat
// collector exports them.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <string_view>
#include <utility>
#include <vector>

#include "collectors/collector.hpp"

namespace sonde::collectors {

/// The `vector` label of node_softirqs_total, in the kernel's column order (softirq_to_name
/// in kernel/softirq.c, lower-cased; IRQ_POLL is called block_iopoll, its pre-4.10 name, as
/// node_exporter does).
inline constexpr std::array<std::string_view, 10> kSoftirqVectors = {
    "hi",           "timer",   "net_tx", "net_rx",  "block",
    "block_iopoll", "tasklet", "sched",  "hrtimer", "rcu"};

/// The non-CPU lines of /proc/stat. A line absent from the file stays nullopt.
struct ProcStat {
  std::optional<std::uint64_t> boot_time;         // btime, seconds since the epoch
  std::optional<std::uint64_t> context_switches;  // ctxt
  std::optional<std::uint64_t> forks;             // processes
  std::optional<std::uint64_t> interrupts;        // first number of intr
  std::optional<std::uint64_t> procs_running;
  std::optional<std::uint64_t> procs_blocked;
  /// Per-vector softirq counts (the line's leading total excluded); empty without a valid
  /// softirq line.
  std::vector<std::uint64_t> softirqs;
  bool has_softirq = false;   // a valid softirq line was read
  bool softirq_seen = false;  // a softirq line was present, valid or not
  /// Lines skipped as malformed or duplicated, plus each of the six single-value lines (btime
  /// ... procs_blocked) that is missing: every kernel since 2.6 prints them.
  std::size_t errors = 0;
};

/// Parses the lines it knows; cpu lines and unknown keys (page, swap on old kernels) are
/// ignored. A missing softirq line is not counted here (it matters only when softirqs are
/// wanted).
ProcStat parse_stat(std::string_view text);

class StatCollector final : public Collector {
 public:
  StatCollector(core::HostPaths paths, bool softirq)
      : paths_(std::move(paths)), softirq_(softirq) {}
  std::string_view name() const override { return "stat"; }
  core::Status collect(core::SampleSink& out) override;

 private:
  core::HostPaths paths_;
  bool softirq_;
};

std::unique_ptr<Collector> make_stat(const CollectorContext& ctx);

}  // namespace sonde::collectors
