// A webhook receiver grouped as Alertmanager groups (issue 22), against a real HTTP server on
// loopback with millisecond group timers: group_wait, group_interval, repeat_interval,
// send_resolved, max_alerts, the capacity in distinct alerts.
#include <prometheus/registry.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>

#include "rules/notify/webhook.hpp"
#include "support/eventually.hpp"
#include "support/http_test_server.hpp"

using namespace sonde;
using namespace std::chrono_literals;
using rules::notify::Notification;
using rules::notify::WebhookSender;
using test::HttpTestServer;
using Json = nlohmann::json;

namespace {

std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

Notification alert(const std::string& name, int id, bool resolved = false) {
  Notification n;
  n.labels = rules::promql::Labels({{"alertname", name}, {"id", std::to_string(id)}});
  n.annotations = {{"summary", "s" + std::to_string(id)}};
  n.starts_at_ms = now_ms();
  n.ends_at_ms = resolved ? now_ms() - 1 : now_ms() + 60'000;
  n.generator_url = "http://sonde/graph";
  return n;
}

struct Rig {
  HttpTestServer hook{[](const auto&) { return HttpTestServer::reply(200); }};
  prometheus::Registry registry;
  std::unique_ptr<WebhookSender> sender;

  explicit Rig(rules::notify::WebhookOptions o, std::size_t capacity = 100) {
    o.url = *net::parse_url(hook.url("/hook"));
    o.client.timeout = 5s;
    sender = std::make_unique<WebhookSender>(
        o, capacity, "http://am.example", "sonde/test",
        std::make_unique<rules::notify::ReceiverMetrics>(registry, "webhook", o.name));
  }
  std::vector<Json> messages() const {
    std::vector<Json> out;
    for (const auto& r : hook.requests()) out.push_back(Json::parse(r.body()));
    return out;
  }
};

rules::notify::WebhookOptions fast(std::vector<std::string> group_by = {"alertname"}) {
  rules::notify::WebhookOptions o;
  o.name = "team";
  o.group_by = std::move(group_by);
  o.group_wait = 100ms;
  o.group_interval = 200ms;
  o.repeat_interval = 1h;
  return o;
}

}  // namespace

TEST_CASE("webhook: a group waits group_wait, then one message for its alerts",
          "[rules][notify][webhook]") {
  Rig rig(fast());
  rig.sender->push({alert("A", 1), alert("A", 2), alert("B", 3)});
  REQUIRE(test::eventually([&] { return rig.messages().size() == 2; }));
  std::this_thread::sleep_for(500ms);  // two more group intervals: nothing new, no message
  const auto m = rig.messages();
  REQUIRE(m.size() == 2);
  const Json& a = m[0]["groupKey"] == "{}:{alertname=\"A\"}" ? m[0] : m[1];
  CHECK(a["version"] == "4");
  CHECK(a["receiver"] == "team");
  CHECK(a["status"] == "firing");
  CHECK(a["groupLabels"] == Json{{"alertname", "A"}});
  CHECK(a["commonLabels"] == Json{{"alertname", "A"}});
  CHECK(a["externalURL"] == "http://am.example");
  CHECK(a["truncatedAlerts"] == 0);
  REQUIRE(a["alerts"].size() == 2);
  CHECK(a["alerts"][0]["labels"]["id"] == "1");
  CHECK(a["alerts"][0]["status"] == "firing");
  CHECK(a["alerts"][0]["endsAt"] == "0001-01-01T00:00:00Z");
  CHECK(a["alerts"][0]["fingerprint"].get<std::string>().size() == 16);
  CHECK(rig.sender->queue_length() == 3);  // firing alerts stay in their groups
}

TEST_CASE("webhook: a new alert, a resolved one and the repeat interval notify again",
          "[rules][notify][webhook]") {
  auto o = fast();
  o.repeat_interval = 1500ms;
  Rig rig(o);
  rig.sender->push({alert("A", 1)});
  REQUIRE(test::eventually([&] { return rig.messages().size() == 1; }));
  // A new firing alert in the group: the next flush notifies both.
  rig.sender->push({alert("A", 2)});
  REQUIRE(test::eventually([&] { return rig.messages().size() == 2; }));
  CHECK(rig.messages()[1]["alerts"].size() == 2);
  // One resolves: notified (send_resolved), then it leaves the group.
  rig.sender->push({alert("A", 1, true)});
  REQUIRE(test::eventually([&] { return rig.messages().size() == 3; }));
  const auto third = rig.messages()[2];
  CHECK(third["status"] == "firing");
  REQUIRE(third["alerts"].size() == 2);
  CHECK(third["alerts"][0]["status"] == "resolved");
  CHECK(third["alerts"][0]["endsAt"] != "0001-01-01T00:00:00Z");
  REQUIRE(test::eventually([&] { return rig.sender->queue_length() == 1; }));
  // Nothing changes: the repeat interval brings the firing alert again, alone.
  REQUIRE(test::eventually([&] { return rig.messages().size() == 4; }));
  const auto fourth = rig.messages()[3];
  REQUIRE(fourth["alerts"].size() == 1);
  CHECK(fourth["alerts"][0]["labels"]["id"] == "2");
  // All resolved: one last message, status resolved; the group is gone.
  rig.sender->push({alert("A", 2, true)});
  REQUIRE(test::eventually([&] { return rig.messages().size() == 5; }));
  CHECK(rig.messages()[4]["status"] == "resolved");
  REQUIRE(test::eventually([&] { return rig.sender->queue_length() == 0; }));
}

TEST_CASE("webhook: send_resolved false sends no resolved alerts", "[rules][notify][webhook]") {
  auto o = fast();
  o.send_resolved = false;
  Rig rig(o);
  rig.sender->push({alert("A", 1), alert("A", 2)});
  REQUIRE(test::eventually([&] { return rig.messages().size() == 1; }));
  rig.sender->push({alert("A", 1, true)});
  // The resolution alone is no reason to notify; it leaves the group silently.
  REQUIRE(test::eventually([&] { return rig.sender->queue_length() == 1; }));
  rig.sender->push({alert("A", 2, true)});
  REQUIRE(test::eventually([&] { return rig.sender->queue_length() == 0; }));
  std::this_thread::sleep_for(300ms);
  CHECK(rig.messages().size() == 1);
}

TEST_CASE("webhook: max_alerts truncates and counts truncatedAlerts", "[rules][notify][webhook]") {
  auto o = fast({});
  o.max_alerts = 2;
  Rig rig(o);
  rig.sender->push({alert("A", 1), alert("B", 2), alert("C", 3)});
  REQUIRE(test::eventually([&] { return rig.messages().size() == 1; }));
  const auto m = rig.messages()[0];
  CHECK(m["groupKey"] == "{}:{}");
  CHECK(m["groupLabels"] == Json::object());
  CHECK(m["alerts"].size() == 2);
  CHECK(m["truncatedAlerts"] == 1);
}

TEST_CASE("webhook: an alert older than group_wait flushes a new group at once",
          "[rules][notify][webhook]") {
  auto o = fast();
  o.group_wait = 1h;
  Rig rig(o);
  auto old = alert("A", 1);
  old.starts_at_ms -= 2 * 3600 * 1000;
  rig.sender->push({old});
  REQUIRE(test::eventually([&] { return rig.messages().size() == 1; }));
}

TEST_CASE("webhook: the capacity bounds the alerts held, the least recently updated dropped",
          "[rules][notify][webhook]") {
  auto o = fast();
  o.group_wait = 1h;
  Rig rig(o, 10);
  for (int i = 0; i < 50; ++i) rig.sender->push({alert("A" + std::to_string(i), i)});
  CHECK(rig.sender->queue_length() == 10);
  double dropped = 0;
  for (const auto& f : rig.registry.Collect()) {
    if (f.name != "sonde_notifications_dropped_total") continue;
    for (const auto& m : f.metric) {
      for (const auto& l : m.label) {
        if (l.name == "reason" && l.value == "queue_full") dropped += m.counter.value;
      }
    }
  }
  CHECK(dropped == 40);
}

TEST_CASE("webhook: group_by ... groups by every label", "[rules][notify][webhook]") {
  const auto l = rules::promql::Labels({{"alertname", "A"}, {"id", "1"}});
  CHECK(rules::notify::group_labels(l, {"..."}) == l);
  CHECK(rules::notify::group_labels(l, {"id", "nope"}) ==
        rules::promql::Labels(std::vector<rules::promql::Label>{{"id", "1"}}));
  CHECK(rules::notify::group_labels(l, {}).empty());
}
