// The counter check of sonde-loadgen (docs/loadgen.md, "The counter check"): the generator's own
// counter series read back from the target's exposition at every check, each compared with its
// previous reading. A series whose value went down is a reset; a series that disappeared although
// it cannot have expired yet (it was sent within the target's ttl) vanished; one that disappeared
// after it may have expired (churned out, or sent less often than the ttl) expired. Pure: the
// caller scrapes and gives the time; the unit tests (tests/unit/loadgen/check_test.cpp) give both.
//
// Timing. A live series is sent at least once every `series x senders / rate` seconds (each
// sender cycles through the live window); with churn, id leaves the window at (id + 1) / churn s.
// The latest moment the generator is sure to have sent a series is the earlier of now, the
// senders' stop and its leave time, less twice that interval (the senders' jitter). A series
// cannot have expired while now minus that moment, plus a slack of 1 s (the scrape's own time and
// the target's lag behind the socket), is under the ttl; with ttl 0 nothing expires.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "loadgen/workload.hpp"

namespace sonde::loadgen {

/// Counts since the check began; the report prints the difference between two readings.
struct CheckTotals {
  std::uint64_t scrapes = 0;
  std::uint64_t series_checked = 0;  // distinct series read in two consecutive scrapes
  std::uint64_t resets = 0;          // a value lower than the previous reading
  std::uint64_t vanished_live = 0;   // gone although it cannot have expired
  std::uint64_t expired = 0;         // gone (or back from zero) after it may have expired
  std::uint64_t unparsed = 0;        // a sample of the generator's family that does not parse
};

/// One counter sample of the generator's series: its id and value.
struct CounterSample {
  std::uint64_t id = 0;
  double value = 0;
};

/// True when the workload sends counters (type c, or mix's counter ids), which the check needs.
bool has_counters(const WorkloadOptions& w);

/// The generator's counter samples in `exposition` (Prometheus text format, read tolerantly:
/// other families, comments, timestamps and unknown lines are passed over). With tags, the
/// family `<prefix>_requests_total` and its `id` label, in any label order; without, the
/// families `<prefix>_m<id>_total`. `prefix` is sanitized as sonde names a StatsD metric
/// (`.` becomes `_`). A sample of those families without an id or a finite value is counted in
/// `unparsed`.
void parse_generator_counters(std::string_view exposition, const WorkloadOptions& w,
                              std::vector<CounterSample>& out, std::uint64_t& unparsed);

class SeriesCheck {
 public:
  /// `rate`: the lowest rate of the run (lines/s); `ttl_s`: the target's ttl, 0 for none.
  SeriesCheck(WorkloadOptions w, double rate, std::uint32_t senders, double ttl_s,
              double slack_s = 1.0);

  /// One scrape that began `t` seconds after the senders started.
  void observe(std::string_view exposition, double t);
  /// The senders stopped at `t`: nothing is sent after it.
  void senders_stopped(double t) { stopped_s_ = t; }

  /// True when series `id` cannot have expired at `t` (it must be in the exposition).
  bool must_be_present(std::uint64_t id, double t) const;

  const CheckTotals& totals() const { return totals_; }
  /// The series tracked now: those in the last scrape (the memory the check holds).
  std::size_t tracked() const { return last_.size(); }
  /// The first problems found (resets, vanished series), one sentence each; at most 10.
  const std::vector<std::string>& problems() const { return problems_; }

 private:
  struct Entry {
    double value = 0;
    std::uint64_t scrape = 0;  // the scrape that last read it
    bool compared = false;
  };
  void problem(std::string text);
  std::string series_name(std::uint64_t id) const;

  WorkloadOptions w_;
  Workload workload_;
  double gap_s_;
  double ttl_s_;
  double slack_s_;
  double stopped_s_ = -1;  // < 0: still sending
  std::unordered_map<std::uint64_t, Entry> last_;
  std::vector<CounterSample> samples_;
  CheckTotals totals_;
  std::vector<std::string> problems_;
};

}  // namespace sonde::loadgen
