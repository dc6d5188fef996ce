#include "http/verify_pool.hpp"

#include <atomic>
#include <catch2/catch.hpp>
#include <future>
#include <mutex>
#include <string>
#include <vector>

#include "support/eventually.hpp"

using boost::asio::ip::make_address;
using sonde::http::VerifyPool;

namespace {

// Jobs that record their order and wait for the test: the first one holds the worker.
struct Recorder {
  std::mutex mu;
  std::vector<std::string> ran;
  std::vector<std::string> refused;
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  std::atomic<bool> holding{false};

  std::function<void()> run(std::string name, bool hold = false) {
    return [this, name, hold] {
      if (hold) {
        holding = true;
        released.wait();
      }
      std::lock_guard lock(mu);
      ran.push_back(name);
    };
  }
  std::function<void()> refuse(std::string name) {
    return [this, name] {
      std::lock_guard lock(mu);
      refused.push_back(name);
    };
  }
};

}  // namespace

TEST_CASE("verify pool: the client served longest ago goes first", "[http][verify_pool]") {
  Recorder r;
  VerifyPool pool;
  const auto flood = make_address("10.0.0.66");
  const auto scraper = make_address("10.0.0.1");
  REQUIRE(pool.try_submit(flood, r.run("hold", true), r.refuse("hold"), 100));
  REQUIRE(sonde::test::eventually([&] { return r.holding.load(); }));
  for (int i = 0; i < 5; ++i) {
    REQUIRE(pool.try_submit(flood, r.run("f" + std::to_string(i)), r.refuse("f"), 100));
  }
  REQUIRE(pool.try_submit(scraper, r.run("scraper"), r.refuse("scraper"), 100));
  r.release.set_value();
  REQUIRE(sonde::test::eventually([&] {
    std::lock_guard lock(r.mu);
    return r.ran.size() == 7;
  }));
  // The flood's address was served last (by "hold"): the scraper's check runs next.
  CHECK(r.ran[0] == "hold");
  CHECK(r.ran[1] == "scraper");
  CHECK(r.ran[2] == "f0");
  CHECK(r.ran[6] == "f4");
  CHECK(r.refused.empty());
}

TEST_CASE("verify pool: a full queue displaces the heaviest client's newest check",
          "[http][verify_pool]") {
  Recorder r;
  VerifyPool pool;
  const auto flood = make_address("2001:db8::66");
  const auto scraper = make_address("10.0.0.1");
  REQUIRE(pool.try_submit(flood, r.run("hold", true), r.refuse("hold"), 4));
  REQUIRE(sonde::test::eventually([&] { return r.holding.load(); }));
  REQUIRE(pool.try_submit(flood, r.run("f1"), r.refuse("f1"), 4));
  REQUIRE(pool.try_submit(flood, r.run("f2"), r.refuse("f2"), 4));
  REQUIRE(pool.try_submit(flood, r.run("f3"), r.refuse("f3"), 4));
  // Full (1 running + 3 queued): the flood itself is refused outright ...
  CHECK_FALSE(pool.try_submit(flood, r.run("f4"), r.refuse("f4"), 4));
  // ... while the scraper takes the place of the flood's newest check, which is refused.
  REQUIRE(pool.try_submit(scraper, r.run("scraper"), r.refuse("scraper"), 4));
  {
    std::lock_guard lock(r.mu);
    CHECK(r.refused == std::vector<std::string>{"f3"});
  }
  // Another newcomer displaces the flood's newest again (2 queued against its 0) ...
  const auto other = make_address("10.0.0.2");
  REQUIRE(pool.try_submit(other, r.run("other"), r.refuse("other"), 4));
  // ... but with one check queued by each, a fourth client is refused and nobody displaced.
  CHECK_FALSE(pool.try_submit(make_address("10.0.0.3"), r.run("third"), r.refuse("third"), 4));
  r.release.set_value();
  REQUIRE(sonde::test::eventually([&] {
    std::lock_guard lock(r.mu);
    return r.ran.size() == 4;
  }));
  // The flood was served last (by "hold"): the newcomers go first.
  CHECK(r.ran == std::vector<std::string>{"hold", "scraper", "other", "f1"});
  CHECK(r.refused == std::vector<std::string>{"f3", "f2"});
}

TEST_CASE("verify pool: stop() drops queued checks and waits for the running one",
          "[http][verify_pool]") {
  auto r = std::make_shared<Recorder>();
  VerifyPool pool;
  const auto a = make_address("10.0.0.1");
  REQUIRE(pool.try_submit(a, r->run("hold", true), r->refuse("hold"), 10));
  REQUIRE(sonde::test::eventually([&] { return r->holding.load(); }));
  REQUIRE(pool.try_submit(a, r->run("queued"), r->refuse("queued"), 10));
  std::atomic<bool> stopped{false};
  auto stopper = std::async(std::launch::async, [&] {
    pool.stop();
    stopped = true;
  });
  // The running check still holds the worker: stop() has not returned (a check that ends
  // after its owner's io_context is gone would post into freed memory).
  CHECK(stopper.wait_for(std::chrono::milliseconds(50)) == std::future_status::timeout);
  CHECK_FALSE(stopped.load());
  r->release.set_value();
  stopper.get();
  CHECK(stopped.load());
  CHECK_FALSE(pool.try_submit(a, r->run("late"), r->refuse("late"), 10));
  std::lock_guard lock(r->mu);
  CHECK(r->ran == std::vector<std::string>{"hold"});
  CHECK(r->refused.empty());
}

TEST_CASE("verify pool: destroyed while idle, it returns at once", "[http][verify_pool]") {
  auto r = std::make_shared<Recorder>();
  {
    VerifyPool pool;
    REQUIRE(pool.try_submit(make_address("10.0.0.1"), r->run("one"), r->refuse("one"), 10));
    REQUIRE(sonde::test::eventually([&] {
      std::lock_guard lock(r->mu);
      return r->ran.size() == 1;
    }));
  }
  std::lock_guard lock(r->mu);
  CHECK(r->ran == std::vector<std::string>{"one"});
}
