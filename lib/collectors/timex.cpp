#include "collectors/timex.hpp"

#include <spdlog/spdlog.h>

#include <cerrno>
#include <cstring>
#include <string>

namespace sonde::collectors {

namespace {

constexpr double kMicro = 1e6;
constexpr double kNano = 1e9;
// adjtimex(2), NOTES: freq, ppsfreq and stabil are ppm with a 16-bit fractional part.
constexpr double kPpm16Frac = 1e6 * 65536.0;

}  // namespace

void publish_timex(int state, const struct timex& tx, core::SampleSink& out) {
  const double divisor = (tx.status & kTimexStaNano) != 0 ? kNano : kMicro;
  const auto d = [](auto v) { return static_cast<double>(v); };
  // Names, help and scaling: node_exporter v1.5.0 collector/timex.go.
  out.gauge("node_timex_sync_status",
            "Is clock synchronized to a reliable server (1 = yes, 0 = no).", {},
            state == kTimexTimeError ? 0.0 : 1.0);
  out.gauge("node_timex_offset_seconds", "Time offset in between local system and reference clock.",
            {}, d(tx.offset) / divisor);
  out.gauge("node_timex_frequency_adjustment_ratio", "Local clock frequency adjustment.", {},
            1 + d(tx.freq) / kPpm16Frac);
  out.gauge("node_timex_maxerror_seconds", "Maximum error in seconds.", {},
            d(tx.maxerror) / kMicro);
  out.gauge("node_timex_estimated_error_seconds", "Estimated error in seconds.", {},
            d(tx.esterror) / kMicro);
  out.gauge("node_timex_status", "Value of the status array bits.", {}, d(tx.status));
  out.gauge("node_timex_loop_time_constant", "Phase-locked loop time constant.", {},
            d(tx.constant));
  out.gauge("node_timex_tick_seconds", "Seconds between clock ticks.", {}, d(tx.tick) / kMicro);
  out.gauge("node_timex_pps_frequency_hertz", "Pulse per second frequency.", {},
            d(tx.ppsfreq) / kPpm16Frac);
  out.gauge("node_timex_pps_jitter_seconds", "Pulse per second jitter.", {},
            d(tx.jitter) / divisor);
  // Not scaled: node_exporter publishes the shift (log2 of the interval) as it is.
  out.gauge("node_timex_pps_shift_seconds", "Pulse per second interval duration.", {}, d(tx.shift));
  out.gauge("node_timex_pps_stability_hertz",
            "Pulse per second stability, average of recent frequency changes.", {},
            d(tx.stabil) / kPpm16Frac);
  out.counter("node_timex_pps_jitter_total",
              "Pulse per second count of jitter limit exceeded events.", {}, d(tx.jitcnt));
  out.counter("node_timex_pps_calibration_total",
              "Pulse per second count of calibration intervals.", {}, d(tx.calcnt));
  out.counter("node_timex_pps_error_total", "Pulse per second count of calibration errors.", {},
              d(tx.errcnt));
  out.counter("node_timex_pps_stability_exceeded_total",
              "Pulse per second count of stability limit exceeded events.", {}, d(tx.stbcnt));
  out.gauge("node_timex_tai_offset_seconds", "International Atomic Time (TAI) offset.", {},
            d(tx.tai));
}

TimexCollector::TimexCollector(AdjtimexCall adjtimex) : adjtimex_(std::move(adjtimex)) {
  if (!adjtimex_) adjtimex_ = [](struct timex& tx) { return ::adjtimex(&tx); };
}

core::Status TimexCollector::collect(core::SampleSink& out) {
  struct timex tx {};
  tx.modes = 0;  // read only
  errno = 0;
  const int state = adjtimex_(tx);
  if (state < 0) {
    const int e = errno;
    if (e == EPERM) {
      if (!said_denied_) {
        spdlog::info("timex: adjtimex is not permitted here ({}); publishing no timex series",
                     std::strerror(e));
        said_denied_ = true;
      }
      return core::ok();
    }
    return core::error(std::string("adjtimex failed: ") + std::strerror(e));
  }
  publish_timex(state, tx, out);
  return core::ok();
}

std::unique_ptr<Collector> make_timex(const CollectorContext&) {
  return std::make_unique<TimexCollector>();
}

}  // namespace sonde::collectors
