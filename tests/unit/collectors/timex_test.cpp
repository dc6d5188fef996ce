#include "collectors/timex.hpp"

#include <cerrno>

#include "collector_test_util.hpp"

namespace sonde::collectors {
namespace {

using test::RecordingSink;

// A reading as adjtimex(2) could return it (values chosen to exercise every scaling), injected
// so the test does not depend on this host's clock state.
struct timex sample_reading(int status) {
  struct timex tx {};
  tx.offset = -123456;  // ns with STA_NANO, else µs
  tx.freq = 655360;     // 10 ppm, 16-bit fraction
  tx.maxerror = 250000;
  tx.esterror = 1500;
  tx.status = status;
  tx.constant = 7;
  tx.tick = 10000;
  tx.ppsfreq = 131072;
  tx.jitter = 2000;
  tx.shift = 4;
  tx.stabil = 65536;
  tx.jitcnt = 1;
  tx.calcnt = 2;
  tx.errcnt = 3;
  tx.stbcnt = 4;
  tx.tai = 37;
  return tx;
}

AdjtimexCall returning(int state, struct timex reading) {
  return [state, reading](struct timex& tx) {
    if (tx.modes != 0) return -1;  // the collector must only read
    tx = reading;
    return state;
  };
}

struct Expected {
  const char* name;
  core::MetricType type;
  const char* help;
  double value;
};

void check(const RecordingSink& sink, std::initializer_list<Expected> expected) {
  CHECK(sink.samples.size() == expected.size());
  for (const Expected& e : expected) {
    INFO(e.name);
    const auto it = sink.samples.find(e.name);
    REQUIRE(it != sink.samples.end());
    CHECK(it->second.type == e.type);
    CHECK(it->second.help == e.help);
    CHECK(it->second.value == Approx(e.value).epsilon(1e-12).margin(1e-15));
  }
}

constexpr auto G = core::MetricType::gauge;
constexpr auto C = core::MetricType::counter;

TEST_CASE("timex publishes node_exporter 1.5.0's families and scaling", "[collectors][timex]") {
  SECTION("STA_NANO: offset and jitter in nanoseconds") {
    TimexCollector c{returning(/*TIME_OK*/ 0, sample_reading(0x2001))};
    RecordingSink sink;
    REQUIRE(c.collect(sink).ok());
    // Help texts: node_exporter v1.5.0 collector/timex.go.
    check(sink,
          {
              {"node_timex_sync_status", G,
               "Is clock synchronized to a reliable server (1 = yes, 0 = no).", 1},
              {"node_timex_offset_seconds", G,
               "Time offset in between local system and reference clock.", -0.000123456},
              {"node_timex_frequency_adjustment_ratio", G, "Local clock frequency adjustment.",
               1.00001},
              {"node_timex_maxerror_seconds", G, "Maximum error in seconds.", 0.25},
              {"node_timex_estimated_error_seconds", G, "Estimated error in seconds.", 0.0015},
              {"node_timex_status", G, "Value of the status array bits.", 0x2001},
              {"node_timex_loop_time_constant", G, "Phase-locked loop time constant.", 7},
              {"node_timex_tick_seconds", G, "Seconds between clock ticks.", 0.01},
              {"node_timex_pps_frequency_hertz", G, "Pulse per second frequency.", 2e-6},
              {"node_timex_pps_jitter_seconds", G, "Pulse per second jitter.", 2e-6},
              {"node_timex_pps_shift_seconds", G, "Pulse per second interval duration.", 4},
              {"node_timex_pps_stability_hertz", G,
               "Pulse per second stability, average of recent frequency changes.", 1e-6},
              {"node_timex_pps_jitter_total", C,
               "Pulse per second count of jitter limit exceeded events.", 1},
              {"node_timex_pps_calibration_total", C,
               "Pulse per second count of calibration intervals.", 2},
              {"node_timex_pps_error_total", C, "Pulse per second count of calibration errors.", 3},
              {"node_timex_pps_stability_exceeded_total", C,
               "Pulse per second count of stability limit exceeded events.", 4},
              {"node_timex_tai_offset_seconds", G, "International Atomic Time (TAI) offset.", 37},
          });
  }
  SECTION("without STA_NANO: offset and jitter in microseconds; the rest does not change") {
    TimexCollector c{returning(0, sample_reading(0x0001))};
    RecordingSink sink;
    REQUIRE(c.collect(sink).ok());
    CHECK(*sink.value("node_timex_offset_seconds") == Approx(-0.123456).epsilon(1e-12));
    CHECK(*sink.value("node_timex_pps_jitter_seconds") == Approx(0.002).epsilon(1e-12));
    CHECK(*sink.value("node_timex_maxerror_seconds") == Approx(0.25).epsilon(1e-12));
    CHECK(*sink.value("node_timex_tick_seconds") == Approx(0.01).epsilon(1e-12));
    CHECK(*sink.value("node_timex_status") == 1);
  }
  SECTION("TIME_ERROR is the only unsynchronized state") {
    for (int state = 0; state <= 5; ++state) {
      INFO(state);
      TimexCollector c{returning(state, sample_reading(0))};
      RecordingSink sink;
      REQUIRE(c.collect(sink).ok());
      CHECK(*sink.value("node_timex_sync_status") == (state == kTimexTimeError ? 0 : 1));
    }
  }
}

TEST_CASE("timex: a denied adjtimex publishes nothing, another error fails",
          "[collectors][timex]") {
  const auto failing = [](int e) {
    return [e](struct timex&) {
      errno = e;
      return -1;
    };
  };
  TimexCollector denied{failing(EPERM)};
  RecordingSink sink;
  CHECK(denied.collect(sink).ok());
  CHECK(denied.collect(sink).ok());  // and again (logged once)
  CHECK(sink.samples.empty());

  TimexCollector broken{failing(EINVAL)};
  const auto st = broken.collect(sink);
  REQUIRE_FALSE(st.ok());
  CHECK(st.message() == "adjtimex failed: Invalid argument");
  CHECK(sink.samples.empty());
}

TEST_CASE("timex reads this host's clock through the real system call", "[collectors][timex]") {
  TimexCollector c;
  RecordingSink sink;
  REQUIRE(c.collect(sink).ok());
  CHECK(sink.samples.size() == 17);
  const double synced = *sink.value("node_timex_sync_status");
  CHECK((synced == 0 || synced == 1));
}

}  // namespace
}  // namespace sonde::collectors
