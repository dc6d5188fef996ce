// sonde-loadgen's modes: sender threads pace datagrams at a target rate (or as fast as they
// can) while the runner reads the target's accepted-lines counter and its /proc/<pid>/stat at
// the boundaries of each phase, then prints a line per step/phase/sample, a one-line summary,
// and optionally the same rows as CSV (docs/loadgen.md).
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>

#include "loadgen/io.hpp"
#include "loadgen/workload.hpp"

namespace sonde::loadgen {

enum class Mode : std::uint8_t { steady, max, ramp, spike, soak };

core::Result<Mode> parse_mode(std::string_view text);

struct RunOptions {
  Mode mode = Mode::steady;
  TargetAddress target;
  Framing framing = Framing::datagram;  // unixstream: newline or length_prefixed
  WorkloadOptions workload;
  double rate = 10'000;  // lines per second (steady, soak, spike's base, ramp's first step)
  double duration_s = 10;
  double warmup_s = 1;  // sent before the measured window: every series exists by then
  std::uint32_t senders = 1;
  bool blocking = true;
  std::uint32_t send_buffer = 0;  // SO_SNDBUF; 0: the system's default
  // A sender further behind its schedule than this (it was stopped) forgets the excess
  // (counted as skipped) rather than sending it in one burst.
  double max_backlog_s = 0.05;
  // ... and pays back what it owes at no more than catch_up x the rate (0: all at once).
  double catch_up = 1.25;
  // ramp: the rate grows by ramp_step each step until a step loses more than loss_threshold_pct
  double ramp_step = 0;  // 0: the first step's rate
  double step_s = 2;
  double max_rate = 0;  // 0: no limit
  double loss_threshold_pct = 0.1;
  // spike: spike_factor x rate for spike_s, between two phases of duration_s at the base rate
  double spike_factor = 10;
  double spike_s = 5;
  // soak: a sample every sample_s
  double sample_s = 5;

  // The counter check (loadgen/check.hpp): the generator's series read back from metrics_url
  // every check_s seconds (0: off) and compared; ttl_s is the target's ttl (0: none).
  double check_s = 0;
  double ttl_s = 0;

  std::string metrics_url;                 // where the counter is read; empty: not reported
  std::optional<CounterSelector> counter;  // set with metrics_url
  int pid = 0;                             // the target process; 0: no CPU or memory figures
  std::filesystem::path proc = "/proc";
  std::filesystem::path csv;
  std::string label;  // names the run in the summary and the CSV
};

/// Runs one mode to the end and prints its report on stdout. 0 on success; 1 when the target
/// could not be reached or its counter read (the message on stderr); 3 when the counter check
/// found a reset or a series that vanished while it could not have expired.
int run(const RunOptions& options);

}  // namespace sonde::loadgen
