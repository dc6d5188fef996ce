// The timex collector: node_exporter 1.5.0's node_timex_* families from one read-only
// adjtimex(2) call (modes 0: it reads the kernel's NTP state and changes nothing). The system call
// is a function object, so tests inject its result instead of depending on this host's clock.
#pragma once

#include <sys/timex.h>

#include <functional>
#include <memory>
#include <string_view>
#include <utility>

#include "collectors/collector.hpp"

namespace sonde::collectors {

/// adjtimex(2)'s TIME_ERROR: the clock is not synchronized (node_timex_sync_status 0).
inline constexpr int kTimexTimeError = 5;
/// STA_NANO in timex.status: offset and jitter are in nanoseconds, not microseconds.
inline constexpr int kTimexStaNano = 0x2000;

/// Publishes what node_exporter 1.5.0 derives from one call: `state` is adjtimex's return value
/// (TIME_OK ... TIME_ERROR), `tx` the structure it filled. Units as adjtimex(2) documents them:
/// offset and jitter in µs (ns with STA_NANO), maxerror, esterror and tick in µs, freq, ppsfreq
/// and stabil in ppm with a 16-bit fraction.
void publish_timex(int state, const struct timex& tx, core::SampleSink& out);

/// Fills `tx` (modes already 0); returns the clock state, or -1 with errno set, as ::adjtimex.
using AdjtimexCall = std::function<int(struct timex& tx)>;

class TimexCollector final : public Collector {
 public:
  /// `adjtimex` defaults to the real system call.
  explicit TimexCollector(AdjtimexCall adjtimex = {});
  std::string_view name() const override { return "timex"; }
  /// EPERM (a seccomp filter that forbids even reading) publishes nothing and succeeds, logged
  /// once, as an absent source (node_exporter 1.5 reports ErrNoData there); other errors fail.
  core::Status collect(core::SampleSink& out) override;

 private:
  AdjtimexCall adjtimex_;
  bool said_denied_ = false;
};

std::unique_ptr<Collector> make_timex(const CollectorContext& ctx);

}  // namespace sonde::collectors
