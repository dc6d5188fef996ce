#include "remote/queue.hpp"

#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <mutex>
#include <set>
#include <thread>

#include "remote_write.pb.h"
#include "support/eventually.hpp"
#include "support/http_test_server.hpp"
#include "support/temp_dir.hpp"

using namespace sonde;
using namespace std::chrono_literals;
using test::HttpTestServer;

namespace {

double metric(prometheus::Registry& r, const std::string& name, const std::string& reason = {}) {
  double total = 0;
  for (const auto& f : r.Collect()) {
    if (f.name != name) continue;
    for (const auto& m : f.metric) {
      bool match = reason.empty();
      for (const auto& l : m.label) match = match || (l.name == "reason" && l.value == reason);
      if (match) total += m.counter.value + m.gauge.value;
    }
  }
  return total;
}

remote::QueueSettings settings(const std::string& url) {
  remote::QueueSettings s;
  s.options.url = *net::parse_url(url);
  s.options.name = "test";
  s.options.interval = 1s;
  s.options.queue.batch_send_deadline = 20ms;
  s.options.queue.min_backoff = 10ms;
  s.options.queue.max_backoff = 50ms;
  s.options.metadata.send = false;
  s.options.http.timeout = 2s;
  return s;
}

/// A board with one live source of `n` counters.
void fill(core::Board& board, int n) {
  board.add_live("app", [n](core::SnapshotBuilder& b) {
    for (int i = 0; i < n; ++i) {
      b.counter("app_x_total", "X.", {{"i", std::to_string(i)}}, i);
    }
  });
}

using test::eventually;

}  // namespace

TEST_CASE("queue: batches with remote write 1.0's headers, counted", "[remote][queue]") {
  HttpTestServer server([](const auto&) { return HttpTestServer::reply(204); });
  core::Board board;
  fill(board, 1200);
  prometheus::Registry registry;
  auto s = settings(server.url("/api/v1/write"));
  remote::Queue q(board, s, "sonde/9.9", registry);
  q.start();
  // 1200 series + node_scrape_* of no collector: 500 + 500 + the rest.
  // The server holds a request before the queue reads its reply and counts it: wait for the
  // count, or stop() interrupts the last reply's read (CI saw 1000 of 1200 under ASan).
  REQUIRE(eventually([&] {
    return server.requests().size() >= 3 &&
           metric(registry, "sonde_remote_write_samples_total") >= 1200;
  }));
  q.stop();
  const auto reqs = server.requests();
  namespace http = boost::beast::http;
  CHECK(reqs[0].method_string() == "POST");
  CHECK(reqs[0].target() == "/api/v1/write");
  CHECK(reqs[0][http::field::content_encoding] == "snappy");
  CHECK(reqs[0][http::field::content_type] == "application/x-protobuf");
  CHECK(reqs[0]["X-Prometheus-Remote-Write-Version"] == "0.1.0");
  CHECK(reqs[0][http::field::user_agent] == "sonde/9.9");
  std::string raw;
  REQUIRE(remote::snappy_uncompress(reqs[0].body(), raw));
  CHECK(raw.find("app_x_total") != std::string::npos);
  CHECK(metric(registry, "sonde_remote_write_samples_total") >= 1200);
  CHECK(metric(registry, "sonde_remote_write_bytes_total") > 0);
  CHECK(metric(registry, "sonde_remote_write_queue_highest_sent_timestamp_seconds") > 1e9);
  CHECK(server.connections() == 1);
}

TEST_CASE("queue: a 400 drops its batch (counted), the next batches go through",
          "[remote][queue]") {
  std::atomic<int> n{0};
  HttpTestServer server([&](const auto&) {
    return HttpTestServer::reply(n++ == 0 ? 400 : 200, "out of order sample");
  });
  core::Board board;
  fill(board, 700);
  prometheus::Registry registry;
  remote::Queue q(board, settings(server.url()), "sonde/t", registry);
  q.start();
  REQUIRE(eventually([&] { return metric(registry, "sonde_remote_write_samples_total") >= 200; }));
  q.stop();
  CHECK(metric(registry, "sonde_remote_write_samples_failed_total") == 500);
  CHECK(metric(registry, "sonde_remote_write_samples_retried_total") == 0);
}

TEST_CASE("queue: 5xx and network errors are retried with backoff; 429 after Retry-After",
          "[remote][queue]") {
  std::atomic<int> n{0};
  std::vector<std::chrono::steady_clock::time_point> at;
  std::mutex mu;
  HttpTestServer server([&](const auto&) {
    {
      std::lock_guard lock(mu);
      at.push_back(std::chrono::steady_clock::now());
    }
    const int i = n++;
    if (i == 0) return HttpTestServer::reply(503, "busy");
    if (i == 1) {
      auto r = HttpTestServer::reply(429, "slow down");
      r.set("Retry-After", "1");
      return r;
    }
    return HttpTestServer::reply(200);
  });
  core::Board board;
  const int series = 10;  // one cut, one batch
  fill(board, series);
  prometheus::Registry registry;
  auto s = settings(server.url());
  s.options.queue.retry_on_http_429 = true;
  remote::Queue q(board, s, "sonde/t", registry);
  q.start();
  REQUIRE(eventually([&] { return metric(registry, "sonde_remote_write_samples_total") > 0; }));
  q.stop();
  std::lock_guard lock(mu);
  REQUIRE(at.size() >= 3);
  CHECK(at[2] - at[1] >= 950ms);  // Retry-After: 1
  CHECK(at[1] - at[0] < 900ms);   // min_backoff
  // The first batch was refused twice. (The next cut's batch, past its deadline while the first
  // waited, may have followed it at once.)
  CHECK(metric(registry, "sonde_remote_write_samples_retried_total") >= 2 * series);
  CHECK(metric(registry, "sonde_remote_write_samples_failed_total") == 0);
}

TEST_CASE("queue: a 429 without retry_on_http_429 is dropped; no receiver is a network failure",
          "[remote][queue]") {
  HttpTestServer server([](const auto&) { return HttpTestServer::reply(429, "limit"); });
  core::Board board;
  fill(board, 10);
  prometheus::Registry registry;
  {
    remote::Queue q(board, settings(server.url()), "sonde/t", registry);
    q.start();
    REQUIRE(eventually(
        [&] { return metric(registry, "sonde_remote_write_samples_failed_total") > 0; }));
  }
  const std::string gone = server.url();
  server.stop();
  prometheus::Registry r2;
  remote::Queue q(board, settings(gone), "sonde/t", r2);
  q.start();
  REQUIRE(eventually(
      [&] { return metric(r2, "sonde_remote_write_request_failures_total", "network") >= 2; }));
  q.stop();
  CHECK(metric(r2, "sonde_remote_write_samples_retried_total") > 0);
  CHECK(metric(r2, "sonde_remote_write_samples_pending") > 0);
}

TEST_CASE("queue: batches the receiver did not take are sent after a restart, once",
          "[remote][queue][buffer]") {
  test::TempDir tmp;
  std::atomic<bool> up{false};
  std::mutex mu;
  std::vector<std::string> refused, accepted;
  HttpTestServer server([&](const HttpTestServer::Request& req) {
    std::lock_guard lock(mu);
    if (!up) {
      refused.push_back(req.body());
      return HttpTestServer::reply(503, "down");
    }
    accepted.push_back(req.body());
    return HttpTestServer::reply(204);
  });
  core::Board board;
  fill(board, 700);
  auto s = settings(server.url());
  s.options.buffer.directory = tmp.path / "remote-write" / "test";
  double buffered = 0;
  {
    prometheus::Registry registry;
    remote::Queue q(board, s, "sonde/t", registry);
    q.start();
    // The first cut's two batches (500, then the rest past the deadline) refused, in the buffer.
    REQUIRE(eventually([&] {
      std::lock_guard lock(mu);
      return refused.size() >= 2 && metric(registry, "sonde_remote_write_samples_pending") >= 700;
    }));
    q.stop();
    buffered = metric(registry, "sonde_remote_write_samples_pending");
    CHECK(metric(registry, "sonde_remote_write_samples_total") == 0);
    CHECK(metric(registry, "sonde_remote_write_buffer_writable") == 1);
    CHECK(metric(registry, "sonde_remote_write_buffer_bytes") > 0);
  }
  up = true;
  prometheus::Registry registry;
  remote::Queue q(board, s, "sonde/t", registry);
  q.start();
  REQUIRE(
      eventually([&] { return metric(registry, "sonde_remote_write_samples_total") >= buffered; }));
  q.stop();
  std::lock_guard lock(mu);
  REQUIRE(!accepted.empty());
  CHECK(accepted[0] == refused[0]);  // replayed as it was first sent, first
  CHECK(std::set<std::string>(accepted.begin(), accepted.end()).size() == accepted.size());
  CHECK(metric(registry, "sonde_remote_write_samples_dropped_total") == 0);
}

TEST_CASE("queue: a request that stop() interrupts is no failure and is sent after a restart",
          "[remote][queue][buffer]") {
  test::TempDir tmp;
  std::atomic<bool> hold{true};
  std::atomic<int> arrived{0};
  HttpTestServer server([&](const auto&) {
    ++arrived;
    eventually([&] { return !hold.load(); }, 60s);  // stalls until the test lets go
    return HttpTestServer::reply(204);
  });
  core::Board board;
  fill(board, 10);
  auto s = settings(server.url());
  s.options.buffer.directory = tmp.path / "remote-write" / "test";
  s.options.http.timeout = 120s;
  {
    prometheus::Registry registry;
    remote::Queue q(board, s, "sonde/t", registry);
    q.start();
    REQUIRE(eventually([&] { return arrived.load() >= 1; }));
    q.stop();  // interrupts the stalled request
    CHECK(metric(registry, "sonde_remote_write_samples_retried_total") == 0);
    CHECK(metric(registry, "sonde_remote_write_request_failures_total") == 0);
    CHECK(metric(registry, "sonde_remote_write_samples_total") == 0);
  }
  hold = false;
  prometheus::Registry registry;
  remote::Queue q(board, s, "sonde/t", registry);
  q.start();
  // The interrupted batch went nowhere: the next start sends it (and the cuts after it).
  REQUIRE(eventually([&] { return metric(registry, "sonde_remote_write_samples_total") >= 10; }));
  q.stop();
  CHECK(metric(registry, "sonde_remote_write_samples_dropped_total") == 0);
}

TEST_CASE("parse_retry_after: seconds and HTTP dates", "[remote][queue]") {
  CHECK(remote::parse_retry_after("3", 0) == 3000ms);
  CHECK(remote::parse_retry_after(" 0 ", 0) == 0ms);
  // Sun, 06 Nov 1994 08:49:37 GMT is 784111777.
  CHECK(remote::parse_retry_after("Sun, 06 Nov 1994 08:49:37 GMT", 784111770) == 7000ms);
  CHECK(remote::parse_retry_after("Sun, 06 Nov 1994 08:49:37 GMT", 784111790) == 0ms);
  CHECK_FALSE(remote::parse_retry_after("soon", 0));
  CHECK_FALSE(remote::parse_retry_after("-1", 0));
}

TEST_CASE("queue: a receiver that stalls for several intervals delays no cut, loses none",
          "[remote][queue]") {
  // The live source numbers its runs (one per cut): the value k is cut k's. The first request
  // stalls until four more cuts have been made (a sending thread that cut would make none, and
  // the stall would run out its deadline); afterwards every cut must arrive, 1..n, none missing.
  std::atomic<int> cuts{0};
  std::atomic<bool> stalled{false};
  std::atomic<bool> cut_while_stalled{false};
  HttpTestServer server([&](const auto&) {
    if (!stalled.exchange(true)) {
      const int from = cuts.load();
      cut_while_stalled = eventually([&] { return cuts.load() >= from + 4; }, 60s);  // hang only
    }
    return HttpTestServer::reply(204);
  });
  core::Board board;
  board.add_live("app", [&](core::SnapshotBuilder& b) {
    b.counter("app_cut_total", "The cut's number.", {}, ++cuts);
  });
  prometheus::Registry registry;
  auto s = settings(server.url());
  s.options.http.timeout = 120s;  // longer than the stall: the request is not retried
  remote::Queue q(board, s, "sonde/t", registry);
  q.start();

  // The values of app_cut_total received, in the order received.
  const auto received = [&] {
    std::vector<double> values;
    for (const auto& r : server.requests()) {
      std::string raw;
      REQUIRE(remote::snappy_uncompress(r.body(), raw));
      prometheus::WriteRequest w;
      REQUIRE(w.ParseFromString(raw));
      for (const auto& ts : w.timeseries()) {
        bool ours = false;
        for (const auto& l : ts.labels()) {
          ours = ours || (l.name() == "__name__" && l.value() == "app_cut_total");
        }
        if (!ours) continue;
        for (const auto& sample : ts.samples()) values.push_back(sample.value());
      }
    }
    return values;
  };
  REQUIRE(eventually([&] { return stalled.load() && cuts.load() >= 8; }, 120s));
  const int after_stall = cuts.load();
  REQUIRE(eventually(
      [&] {
        const auto v = received();
        return !v.empty() && v.back() >= after_stall;
      },
      60s));
  q.stop();
  CHECK(cut_while_stalled);
  const auto v = received();
  REQUIRE(!v.empty());
  for (std::size_t i = 0; i < v.size(); ++i) CHECK(v[i] == static_cast<double>(i + 1));
  CHECK(metric(registry, "sonde_remote_write_samples_retried_total") == 0);
}

TEST_CASE("queue: a cut that overruns its interval counts the cuts it missed", "[remote][queue]") {
  HttpTestServer server([](const auto&) { return HttpTestServer::reply(204); });
  // remote::Queue runs on steady_clock (no injectable clock): an overrun is real time. A short
  // interval keeps it short; sleeping 2.5 intervals overruns however the threads are scheduled.
  auto s = settings(server.url());
  s.options.interval = 100ms;
  std::atomic<int> cuts{0};
  core::Board board;
  board.add_live("app", [&](core::SnapshotBuilder& b) {
    // The second cut takes 2.5 intervals: the cuts due meanwhile (at least one) are missed.
    if (++cuts == 2) std::this_thread::sleep_for(s.options.interval * 5 / 2);
    b.counter("app_cut_total", "The cut's number.", {}, cuts.load());
  });
  prometheus::Registry registry;
  remote::Queue q(board, s, "sonde/t", registry);
  q.start();
  REQUIRE(eventually([&] { return metric(registry, "sonde_remote_write_cuts_missed_total") >= 1; },
                     60s));
  REQUIRE(eventually([&] { return cuts.load() >= 3; }, 60s));  // and the cuts go on
  q.stop();
}
