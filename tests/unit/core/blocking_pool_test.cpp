#include "core/blocking_pool.hpp"

#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <future>
#include <memory>
#include <thread>

#include "support/eventually.hpp"

using sonde::core::BlockingPool;
using Outcome = BlockingPool::Outcome;
using namespace std::chrono_literals;

namespace {

// A call that blocks until released, as statfs on a dead NFS server does (forever, in the test
// that never releases it).
struct Gate {
  std::promise<void> open;
  std::shared_future<void> opened = open.get_future().share();
  std::function<void()> blocker() {
    return [f = opened] { f.wait(); };
  }
};

// Submits a call that blocks on `gate`, waits until a worker has really started it (a call
// abandoned before it starts is skipped, and on a loaded machine a worker can start late), then
// gives up on it: the call is stuck.
Outcome submit_stuck(BlockingPool& pool, const std::string& key, const Gate& gate) {
  auto started = std::make_shared<std::promise<void>>();
  auto started_f = started->get_future();
  auto call = pool.submit(key, [started, f = gate.opened] {
    started->set_value();
    f.wait();
  });
  if (started_f.wait_for(30s) != std::future_status::ready) return Outcome::pool_full;
  return call->wait_until(std::chrono::steady_clock::now() + 10ms);
}

using sonde::test::eventually;

}  // namespace

TEST_CASE("a quick call returns done and its result is visible", "[core][pool]") {
  BlockingPool pool(2);
  auto result = std::make_shared<int>(0);
  CHECK(pool.run(
            "k", [result] { *result = 42; }, 10s) == Outcome::done);
  CHECK(*result == 42);
  CHECK(pool.stuck() == 0);
}

TEST_CASE("a hung call times out, holds its key and one worker, and others still run",
          "[core][pool]") {
  BlockingPool pool(2);
  Gate gate;
  CHECK(submit_stuck(pool, "mount:/nfs", gate) == Outcome::timed_out);
  CHECK(pool.stuck() == 1);
  // The same key is not asked again while its call is stuck.
  CHECK(pool.run(
            "mount:/nfs", [] {}, 10s) == Outcome::key_busy);
  CHECK(pool.stuck() == 1);
  // Other keys still get answers.
  for (int i = 0; i < 20; ++i) {
    CHECK(pool.run(
              "mount:/", [] {}, 10s) == Outcome::done);
  }
  CHECK(pool.threads() <= 2);
  // Once the hung call returns, the key is free again and nothing counts as stuck.
  gate.open.set_value();
  CHECK(eventually([&] { return pool.stuck() == 0; }));
  CHECK(eventually([&] {
    return pool.run(
               "mount:/nfs", [] {}, 10s) == Outcome::done;
  }));
}

TEST_CASE("when every worker is stuck, new calls are refused at once", "[core][pool]") {
  BlockingPool pool(2);
  Gate gate;
  CHECK(submit_stuck(pool, "a", gate) == Outcome::timed_out);
  CHECK(submit_stuck(pool, "b", gate) == Outcome::timed_out);
  CHECK(pool.stuck() == 2);
  CHECK(pool.run(
            "c", [] {}, 10s) == Outcome::pool_full);
  gate.open.set_value();
  CHECK(eventually([&] { return pool.stuck() == 0; }));
  CHECK(pool.run(
            "c", [] {}, 10s) == Outcome::done);
}

TEST_CASE("many calls queue behind a few workers and all complete", "[core][pool]") {
  BlockingPool pool(3);
  auto count = std::make_shared<std::atomic<int>>(0);
  std::vector<std::shared_ptr<BlockingPool::Call>> calls;
  for (int i = 0; i < 50; ++i) {
    std::string key = std::to_string(i);  // not "k" + to_string(i): g++ 12 -Wrestrict misfires
    calls.push_back(pool.submit(std::move(key), [count] { ++*count; }));
  }
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  for (auto& c : calls) CHECK(c->wait_until(deadline) == Outcome::done);
  CHECK(count->load() == 50);
  CHECK(pool.threads() <= 3);
}

TEST_CASE("destroying the pool never waits for a stuck call", "[core][pool]") {
  // The gate is never opened: the worker stays blocked (as in uninterruptible sleep) and is
  // detached; the pool's destructor must return regardless.
  auto gate = std::make_shared<Gate>();
  {
    BlockingPool pool(1);
    CHECK(submit_stuck(pool, "stuck", *gate) == Outcome::timed_out);
    auto queued = pool.submit("other", [] {});
    (void)queued;
  }
  SUCCEED("destructor returned");
  gate->open.set_value();  // let the detached worker finish before the process exits
}

TEST_CASE("a call refused because the pool is gone reports stopped", "[core][pool]") {
  std::shared_ptr<BlockingPool::Call> queued;
  auto gate = std::make_shared<Gate>();
  {
    BlockingPool pool(1);
    auto first = pool.submit("a", gate->blocker());
    queued = pool.submit("b", [] {});
  }
  CHECK(queued->wait_until(std::chrono::steady_clock::now() + 10s) == Outcome::stopped);
  gate->open.set_value();
}
