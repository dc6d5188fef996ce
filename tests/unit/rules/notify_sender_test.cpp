// An Alertmanager's sender against a real HTTP server on loopback (tests/support's
// HttpTestServer): batches of at most 64 POSTed to /api/v2/alerts, nothing lost while the
// receiver fails with 5xx, a 4xx dropped and counted, the queue bounded, a hung receiver never
// blocking push() or stop() (the Notifier in front of it: notify_notifier_test.cpp).
#include <prometheus/registry.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <thread>

#include "rules/notify/sender.hpp"
#include "support/captured_log.hpp"
#include "support/eventually.hpp"
#include "support/http_test_server.hpp"
#include "unit/rules/notify_test_support.hpp"

using namespace sonde;
using namespace std::chrono_literals;
using rules::notify::AlertmanagerOptions;
using rules::notify::AlertmanagerSender;
using rules::notify::Notification;
using test::HttpTestServer;
using namespace sonde::test::notify;

namespace {

struct Rig {
  prometheus::Registry registry;
  std::unique_ptr<AlertmanagerSender> sender;
  std::string label;
  void start(const AlertmanagerOptions& o, std::size_t capacity,
             std::chrono::milliseconds resend = 60s) {
    label = rules::notify::alerts_url(o.url).redacted();
    sender = std::make_unique<AlertmanagerSender>(
        o, capacity, resend, "sonde/test",
        std::make_unique<rules::notify::ReceiverMetrics>(registry, "alertmanager", label));
  }
  double metric(const std::string& name, std::map<std::string, std::string> more = {}) {
    more["alertmanager"] = label;
    return value(registry, name, more);
  }
};

}  // namespace

TEST_CASE("sender: batches of at most 64 POSTed as JSON to <url>/api/v2/alerts",
          "[rules][notify][sender]") {
  HttpTestServer am([](const auto&) { return HttpTestServer::reply(200); });
  Rig rig;
  rig.start(options(am), 1000);
  rig.sender->push(alerts(0, 150));
  REQUIRE(test::eventually([&] { return rig.sender->queue_length() == 0; }));
  const auto reqs = am.requests();
  REQUIRE(reqs.size() == 3);
  CHECK(nlohmann::json::parse(reqs[0].body()).size() == 64);
  CHECK(nlohmann::json::parse(reqs[1].body()).size() == 64);
  CHECK(nlohmann::json::parse(reqs[2].body()).size() == 22);
  for (const auto& r : reqs) {
    CHECK(r.method_string() == "POST");
    CHECK(r.target() == "/am/api/v2/alerts");
    CHECK(r[boost::beast::http::field::content_type] == "application/json");
    CHECK(r[boost::beast::http::field::user_agent] == "sonde/test");
  }
  CHECK(ids_received(am).size() == 150);
  CHECK(rig.label == am.url("/am/api/v2/alerts"));
  CHECK(rig.metric("sonde_notifications_sent_total") == 150);
  CHECK(rig.metric("sonde_notifications_errors_total") == 0);
  CHECK(rig.metric("sonde_notifications_latency_seconds") == 3);
  CHECK(rig.metric("sonde_notifications_queue_capacity") == 1000);
  CHECK(rig.metric("sonde_notifications_queue_length") == 0);
}

TEST_CASE("sender: 5xx and a dead receiver keep the alerts queued until it answers",
          "[rules][notify][sender]") {
  std::atomic<unsigned> status{503};
  HttpTestServer am([&](const auto&) { return HttpTestServer::reply(status.load(), "busy\n"); });
  test::CapturedLog log;
  Rig rig;
  rig.start(options(am), 1000, 2s);
  rig.sender->push(alerts(0, 10));
  REQUIRE(test::eventually([&] { return am.requests().size() >= 2; }));
  CHECK(rig.sender->queue_length() == 10);
  // The server records a request before it answers; the error is counted once the answer came.
  REQUIRE(test::eventually([&] { return rig.metric("sonde_notifications_errors_total") >= 2; }));
  // A newer state of a queued alert replaces it while the receiver is failing.
  rig.sender->push({alert(3, 1'700'000'100'000)});
  CHECK(rig.sender->queue_length() == 10);
  const std::size_t failed = am.requests().size();
  status = 200;
  REQUIRE(test::eventually([&] { return rig.sender->queue_length() == 0; }));
  const auto reqs = am.requests();
  const auto last = nlohmann::json::parse(reqs.back().body());
  CHECK(last.size() == 10);
  bool resolved_sent = false;
  for (const auto& a : last) {
    if (a["labels"]["id"] == "3") resolved_sent = a["endsAt"] == "2023-11-14T22:15:00.000Z";
  }
  CHECK(resolved_sent);
  CHECK(reqs.size() == failed + 1);
  CHECK(log.text().find("bad response status 503: busy") != std::string::npos);
}

TEST_CASE("sender: a 4xx answer drops the batch, counted and logged with the body",
          "[rules][notify][sender]") {
  HttpTestServer am([](const auto&) { return HttpTestServer::reply(400, "bad alert\n"); });
  test::CapturedLog log;
  Rig rig;
  rig.start(options(am), 1000);
  rig.sender->push(alerts(0, 5));
  REQUIRE(test::eventually([&] { return rig.sender->queue_length() == 0; }));
  CHECK(am.requests().size() == 1);
  CHECK(rig.metric("sonde_notifications_dropped_total", {{"reason", "rejected"}}) == 5);
  CHECK(rig.metric("sonde_notifications_errors_total") == 1);
  CHECK(log.text().find("refused 5 alert(s), dropped: bad response status 400: bad alert") !=
        std::string::npos);
}

TEST_CASE("sender: 50 distinct alerts into a capacity of 10 while the receiver is down drop 40",
          "[rules][notify][sender]") {
  std::atomic<unsigned> status{500};
  HttpTestServer am([&](const auto&) { return HttpTestServer::reply(status.load()); });
  Rig rig;
  rig.start(options(am), 10, 1s);
  for (int i = 0; i < 50; ++i) rig.sender->push({alert(i)});
  CHECK(rig.sender->queue_length() == 10);
  CHECK(rig.metric("sonde_notifications_dropped_total", {{"reason", "queue_full"}}) == 40);
  status = 200;
  REQUIRE(test::eventually([&] { return rig.sender->queue_length() == 0; }));
  // The newest ten arrive.
  const auto reqs = am.requests();
  const auto last = nlohmann::json::parse(reqs.back().body());
  REQUIRE(last.size() == 10);
  CHECK(last[0]["labels"]["id"] == "40");
  CHECK(last[9]["labels"]["id"] == "49");
}

TEST_CASE("sender: a receiver that never answers blocks neither push() nor stop()",
          "[rules][notify][sender]") {
  std::atomic<bool> release{false};
  HttpTestServer am([&](const auto&) {
    for (int i = 0; i < 300 && !release; ++i) std::this_thread::sleep_for(10ms);
    return HttpTestServer::reply(200);
  });
  Rig rig;
  rig.start(options(am, 30s), 1000);
  rig.sender->push(alerts(0, 3));
  REQUIRE(test::eventually([&] { return am.requests().size() == 1; }));
  const auto t0 = std::chrono::steady_clock::now();
  for (int i = 0; i < 100; ++i) rig.sender->push({alert(100 + i)});
  const auto pushed = std::chrono::steady_clock::now() - t0;
  CHECK(pushed < 1s);  // generous: a push takes microseconds; a blocked one would take 30 s
  rig.sender->stop();
  CHECK(std::chrono::steady_clock::now() - t0 < 2s);
  release = true;
}
