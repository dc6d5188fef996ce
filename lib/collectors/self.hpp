// The self collector: this process's own process_* metrics (as Prometheus' Go client exports
// them) and sonde_build_info. It reads the real /proc/self, never the host root: the host's
// procfs may be a container mount or a fixture tree, but this process is always here.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "collectors/collector.hpp"

namespace sonde::collectors {

/// The fields of /proc/<pid>/stat this collector uses.
struct ProcPidStat {
  std::string comm;
  char state = '?';
  std::uint64_t utime = 0;      // clock ticks
  std::uint64_t stime = 0;      // clock ticks
  std::uint64_t starttime = 0;  // clock ticks after boot
  std::uint64_t vsize = 0;      // bytes
  std::int64_t rss = 0;         // pages
};

/// Fails if the line is cut short or a used field is not a number. comm may hold spaces and
/// parentheses, so it ends at the last ')'.
core::Result<ProcPidStat> parse_proc_pid_stat(std::string_view text);

/// The soft "Max open files" limit from /proc/<pid>/limits; "unlimited" is 2^64-1, as procfs
/// (and so the Go client) reports it. nullopt if the line is missing or malformed.
std::optional<std::uint64_t> parse_max_open_files(std::string_view limits_text);
/// The soft limit of the /proc/self/limits row `name` ("Max address space"); "unlimited" is
/// 2^64-1, as procfs reads it.
std::optional<std::uint64_t> parse_soft_limit(std::string_view limits_text, std::string_view name);

class SelfCollector final : public Collector {
 public:
  /// `proc_root` is where this process's /proc is: "/proc" except in tests.
  explicit SelfCollector(std::filesystem::path proc_root = "/proc");
  std::string_view name() const override { return "self"; }
  core::Status collect(core::SampleSink& out) override;

 private:
  std::filesystem::path proc_;
  double clock_ticks_;  // sysconf(_SC_CLK_TCK)
  double page_size_;    // sysconf(_SC_PAGESIZE)
  /// Whether /proc/self/fd's size is its descriptor count (Linux >= 6.2); unknown until tried.
  std::optional<bool> fd_size_counts_;
  /// process_start_time_seconds once /proc/stat's btime has been read.
  std::optional<double> start_time_;
};

std::unique_ptr<Collector> make_self(const CollectorContext& ctx);

}  // namespace sonde::collectors
