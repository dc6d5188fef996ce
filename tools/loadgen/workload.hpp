// What sonde-loadgen sends, without a socket or a clock: the DogStatsD lines of a set of
// series, packed into datagrams (or stream payloads), and the pacing of a target rate. Pure, so
// the unit tests check every byte and every due count (tests/unit/loadgen/).
//
// Series. The live series are the ids [base, base + series) where base = floor(churn * t): with
// churn, `churn` new ids enter the window each second and as many leave it (a sonde with `ttl`
// expires them). Lines cycle through the window in order, so every live series is updated once
// per `series` lines.
//
// A line (DogStatsD datagram format, docs/ingest.md):
//   tags 0:   <prefix>.m<id>:1|c
//   tags n>0: <prefix>.<type>:1|c|#id:<id>,t1:v<id%8>,...,t<n-1>:v<(id+n-1)%8>
// The `id` tag makes each series distinct; the other tags only add bytes and labels.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"

namespace sonde::loadgen {

/// The DogStatsD type of every line; `mix` cycles counter, gauge and timer by id.
enum class LineType : std::uint8_t { counter, gauge, timer, histogram, distribution, set, mix };

/// "c", "g", "ms", "h", "d", "s", "mix".
core::Result<LineType> parse_line_type(std::string_view text);

/// How payloads are delimited: datagrams (unixgram, udp: lines joined by '\n'), a stream with
/// newline framing (each line ends with '\n'), or DogStatsD's length-prefixed stream framing (a
/// 4-byte little-endian length before each datagram's bytes).
enum class Framing : std::uint8_t { datagram, newline, length_prefixed };

struct WorkloadOptions {
  std::uint32_t series = 1000;  // live series at any time (>= 1)
  std::uint32_t tags = 2;       // tags per line, the `id` tag included
  std::uint32_t lines_per_datagram = 1;
  double churn = 0;  // new series per second
  LineType type = LineType::counter;
  std::string prefix = "loadgen";
};

/// Checks ranges: series and lines_per_datagram at least 1, tags at most 64, churn finite and
/// not negative, a prefix of DogStatsD name characters. The error names the option.
core::Status validate(const WorkloadOptions& o);

class Workload {
 public:
  /// Precondition: validate(o).ok().
  explicit Workload(WorkloadOptions o);

  const WorkloadOptions& options() const { return o_; }

  /// The first live id at `t` seconds after the start.
  std::uint64_t window_base(double t) const;
  /// The series of the line at position `cursor` (counting every line sent) at `t`.
  std::uint64_t series_at(std::uint64_t cursor, double t) const {
    return window_base(t) + cursor % o_.series;
  }

  /// Appends the line of series `id`, without a newline. `cursor` varies a set's member.
  void append_line(std::string& out, std::uint64_t id, std::uint64_t cursor) const;

  /// Replaces `out` with one payload of lines_per_datagram lines: those at cursor, cursor + 1,
  /// ... at time t, framed as `framing` asks.
  void build(std::string& out, std::uint64_t cursor, double t, Framing framing) const;

  /// Without churn the payloads repeat: these are all of them, in order, for the cursors 0,
  /// lines_per_datagram, ... (the least common multiple of series and lines_per_datagram lines).
  /// Empty when there is churn or they would hold more than `max_lines` lines: then build()
  /// each payload as it is sent.
  std::vector<std::string> ring(Framing framing, std::size_t max_lines) const;

 private:
  WorkloadOptions o_;
};

/// Datagrams due at a target rate, from the elapsed time: a sender asks due(now), sends that
/// many and reports them with sent(). The rate may change (ramp, spike) without a burst or a
/// gap: what was due at the old rate stays due. A sender that falls behind by more than
/// `max_backlog_s` seconds' worth forgets the excess (counted in skipped()): it could not keep
/// the rate, and a catch-up burst would measure something else.
///
/// A sender that was stopped for a while (a busy or virtual machine) pays back what it owes at
/// no more than `catch_up` x the rate, after a first burst of 1 ms of the rate (at least 64):
/// a token bucket of that size, filled at catch_up x the rate. Without it, a sender stopped
/// for 4 ms at 200k/s sends 800 datagrams at once, a spike of its own making that a 512-deep
/// unixgram queue cannot hold, whatever the receiver does. catch_up 0: no bound (the whole
/// backlog at once).
class Pacer {
 public:
  /// `rate`: datagrams per second; 0 is no limit (due() is always max_batch).
  explicit Pacer(double rate, double max_backlog_s = 0.05, double catch_up = 1.25);

  void set_rate(double rate, double now_s);
  /// Starts again at `now_s` with nothing owed (after a pause: no burst for the time paused).
  void restart(double rate, double now_s);
  double rate() const { return rate_; }

  /// Datagrams that may be sent at `now_s` (seconds since the start), at most `max_batch`.
  std::uint64_t due(double now_s, std::uint64_t max_batch = 64);
  void sent(std::uint64_t n);
  /// The time when the next datagram is due (for a sleep); now_s when one is due already.
  double next_due_s(double now_s) const;
  /// How far behind its schedule the sender is at `now_s`, in seconds (0 when on time).
  double behind_s(double now_s) const;

  std::uint64_t skipped() const { return skipped_; }

 private:
  /// Datagrams due from the start to `now_s`.
  double expected_at(double now_s) const;
  double burst() const;
  void refill(double now_s);

  double rate_;
  double max_backlog_s_;
  double catch_up_;
  double tokens_;            // datagrams the bucket lets through now
  double refilled_s_ = 0;    // when tokens_ was last filled
  double anchor_s_ = 0;      // when the rate last changed
  double anchor_count_ = 0;  // datagrams due at anchor_s_
  std::uint64_t sent_ = 0;
  std::uint64_t skipped_ = 0;
};

}  // namespace sonde::loadgen
