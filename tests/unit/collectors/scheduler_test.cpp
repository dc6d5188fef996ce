#include "collectors/scheduler.hpp"

#include <prometheus/registry.h>
#include <prometheus/text_serializer.h>

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <catch2/catch.hpp>
#include <future>
#include <memory>
#include <string>
#include <thread>

#include "collector_test_util.hpp"
#include "core/exposition.hpp"
#include "support/eventually.hpp"

using namespace sonde;
using namespace std::chrono_literals;

namespace {

// A collector that counts its attempts, reports one gauge and a parse error, and fails on
// demand.
class FakeCollector final : public collectors::Collector {
 public:
  explicit FakeCollector(std::string name) : name_(std::move(name)) {}
  std::string_view name() const override { return name_; }
  core::Status collect(core::SampleSink& out) override {
    const int n = ++calls;
    ++*total;
    if (fail.load()) return core::error("broken on purpose");
    out.gauge("fake_attempt", "The attempt's number.", {}, n);
    out.parse_errors(1);
    return core::ok();
  }
  std::atomic<int> calls{0};
  std::atomic<bool> fail{false};
  // The same count, shared: it outlives the collector (the scheduler frees it at stop).
  std::shared_ptr<std::atomic<int>> total = std::make_shared<std::atomic<int>>(0);

 private:
  std::string name_;
};

std::string scrape(const core::Board& board) {
  std::string text;
  core::write_text(board.gather(), text);
  return text;
}

std::string registry_text(prometheus::Registry& r) {
  return prometheus::TextSerializer().Serialize(r.Collect());
}

// An io_context run on its own thread for the test's life, with the scheduler on it.
struct Loop {
  boost::asio::io_context io;
  core::Board board;
  prometheus::Registry registry;
  collectors::Scheduler scheduler{io, board, core::SystemClock::instance(), registry};
  std::future<void> running;
  void run() {
    running = std::async(std::launch::async, [this] { io.run(); });
  }
  ~Loop() {
    scheduler.stop();
    io.stop();
    if (running.valid()) running.wait();
  }
};

}  // namespace

TEST_CASE("scheduler: the first attempt runs at once and is published", "[collectors][scheduler]") {
  Loop l;
  auto owned = std::make_unique<FakeCollector>("fake");
  FakeCollector& c = *owned;
  l.scheduler.add(std::move(owned), 1h);
  l.run();
  REQUIRE(test::eventually([&] { return c.calls.load() == 1 && l.board.ready(); }));
  REQUIRE(test::eventually([&] { return l.board.components().at(0).attempts == 1; }));
  const std::string text = scrape(l.board);
  CHECK_THAT(text, Catch::Contains("fake_attempt 1\n"));
  CHECK_THAT(text, Catch::Contains("node_scrape_collector_success{collector=\"fake\"} 1\n"));
  CHECK_THAT(registry_text(l.registry),
             Catch::Contains("sonde_collector_parse_errors_total{collector=\"fake\"} 1"));
  CHECK(l.scheduler.running() == std::vector<std::string>{"fake"});
  CHECK(c.calls.load() == 1);  // the next one is an hour away
}

TEST_CASE("scheduler: attempts repeat at the interval; a failure drops the series",
          "[collectors][scheduler]") {
  Loop l;
  auto owned = std::make_unique<FakeCollector>("fake");
  FakeCollector& c = *owned;
  l.scheduler.add(std::move(owned), 5ms);
  l.run();
  REQUIRE(test::eventually([&] { return c.calls.load() >= 3; }));
  c.fail = true;
  REQUIRE(test::eventually([&] {
    const auto text = scrape(l.board);
    return text.find("node_scrape_collector_success{collector=\"fake\"} 0\n") != std::string::npos;
  }));
  CHECK(scrape(l.board).find("fake_attempt") == std::string::npos);  // dropped, never frozen
  CHECK(l.board.components().at(0).last_error == "broken on purpose");
  c.fail = false;
  CHECK(
      test::eventually([&] { return scrape(l.board).find("fake_attempt ") != std::string::npos; }));
}

TEST_CASE("scheduler: stop cancels every timer, so the loop runs out of work",
          "[collectors][scheduler]") {
  boost::asio::io_context io;
  core::Board board;
  prometheus::Registry registry;
  collectors::Scheduler scheduler(io, board, core::SystemClock::instance(), registry);
  auto owned = std::make_unique<FakeCollector>("fake");
  const auto calls = owned->total;
  scheduler.add(std::move(owned), 5ms);
  auto loop = std::async(std::launch::async, [&] { io.run(); });
  REQUIRE(test::eventually([&] { return calls->load() >= 2; }));
  scheduler.stop();
  // io.run() returns only when nothing is scheduled: the deadline catches a timer left armed.
  REQUIRE(loop.wait_for(test::kEventually) == std::future_status::ready);
  const int after = calls->load();
  io.restart();
  io.poll();
  CHECK(calls->load() == after);
}

TEST_CASE("scheduler: start runs the enabled built-in collectors in the built-in order",
          "[collectors][scheduler]") {
  test::ScratchRoot root;
  collectors::CollectorsOptions o;
  // settings() gives the collector's part of `o`, which this test owns.
  const auto settings = [&o](const collectors::CollectorInfo& info) -> auto& {
    return const_cast<collectors::CollectorOptions&>(info.settings(o));
  };
  for (const auto& info : collectors::builtin_collectors()) settings(info).enabled = false;
  const auto& first = collectors::builtin_collectors().front();
  const auto& last = collectors::builtin_collectors().back();
  settings(first).enabled = true;
  settings(last).enabled = true;
  Loop l;
  l.scheduler.start(o, core::HostPaths{root.root() / "proc", root.root() / "sys", root.root()});
  CHECK(l.scheduler.running() ==
        std::vector<std::string>{std::string(first.name), std::string(last.name)});
  CHECK(l.board.components().size() == 2);
}
