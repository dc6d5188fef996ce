// The connection deadlines' clocks: ManualTimers (what the server tests drive) and the steady
// one the server runs on.
#include "http/timers.hpp"

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <catch2/catch.hpp>
#include <chrono>

namespace sonde::http {
namespace {

using namespace std::chrono_literals;
using Offsets = std::vector<std::chrono::nanoseconds>;

TEST_CASE("ManualTimers fires a deadline only when advance() passes it", "[http][timers]") {
  boost::asio::io_context io;
  ManualTimers timers;
  const SteadyTime start = timers.now();
  int fired = 0;
  auto d = timers.deadline(io.get_executor());
  d->arm(start + 100ms, [&] { ++fired; });
  CHECK(timers.armed() == Offsets{100ms});
  CHECK(timers.arms() == 1);
  timers.advance(99ms);
  io.run();
  io.restart();
  CHECK(fired == 0);
  CHECK(timers.now() == start + 99ms);
  CHECK(timers.armed() == Offsets{1ms});
  timers.advance(1ms);
  CHECK(fired == 0);  // posted to its executor, not run by advance()
  CHECK(timers.armed().empty());
  io.run();
  io.restart();
  CHECK(fired == 1);
  timers.advance(1h);  // once
  io.run();
  CHECK(fired == 1);
}

TEST_CASE("ManualTimers: arming again replaces, cancel and destruction disarm", "[http][timers]") {
  boost::asio::io_context io;
  ManualTimers timers;
  int first = 0;
  int second = 0;
  int other = 0;
  auto a = timers.deadline(io.get_executor());
  auto b = timers.deadline(io.get_executor());
  a->arm(timers.now() + 10ms, [&] { ++first; });
  a->arm(timers.now() + 30ms, [&] { ++second; });
  b->arm(timers.now() + 20ms, [&] { ++other; });
  CHECK(timers.armed() == Offsets{20ms, 30ms});
  CHECK(timers.arms() == 3);
  b->cancel();
  CHECK(timers.armed() == Offsets{30ms});
  timers.advance(20ms);
  io.run();
  io.restart();
  CHECK(first == 0);
  CHECK(other == 0);
  a.reset();
  CHECK(timers.armed().empty());
  timers.advance(1h);
  io.run();
  CHECK(second == 0);
}

TEST_CASE("steady_timers fires on its executor once the time has passed, and cancels",
          "[http][timers]") {
  boost::asio::io_context io;
  auto timers = steady_timers();
  bool fired = false;
  bool cancelled_fired = false;
  auto d = timers->deadline(io.get_executor());
  auto c = timers->deadline(io.get_executor());
  const SteadyTime now = timers->now();
  d->arm(now, [&] { fired = true; });  // already due
  c->arm(now + 1h, [&] { cancelled_fired = true; });
  c->cancel();
  // Bounded: only a hang reaches it (the cancelled hour-long wait must not hold run()).
  io.run_for(10s);
  CHECK(fired);
  CHECK_FALSE(cancelled_fired);
  CHECK(timers->now() >= now);
}

}  // namespace
}  // namespace sonde::http
