// The Notifier in front of the senders: external labels where an alert lacks them,
// alert_relabel_configs, fan-out to every Alertmanager, and what a reload keeps; against real HTTP
// servers on loopback (tests/support's HttpTestServer).
#include <prometheus/registry.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <string>

#include "rules/notify/notifier.hpp"
#include "support/eventually.hpp"
#include "support/http_test_server.hpp"
#include "unit/rules/notify_test_support.hpp"

using namespace sonde;
using namespace sonde::test::notify;
using test::HttpTestServer;

TEST_CASE("notifier: external labels where absent, alert_relabel_configs, every Alertmanager",
          "[rules][notify][sender]") {
  HttpTestServer a([](const auto&) { return HttpTestServer::reply(200); });
  HttpTestServer b([](const auto&) { return HttpTestServer::reply(200); });
  prometheus::Registry registry;
  rules::notify::Notifier notifier(registry, "sonde/test");
  rules::notify::NotifyOptions o;
  o.alertmanagers = {options(a), options(b)};
  core::RelabelConfig drop;
  drop.source_labels = {"id"};
  drop.regex = *core::Regex::compile("2");
  drop.action = core::RelabelAction::drop;
  o.alert_relabel_configs = {drop};
  notifier.update(o, {{"id", "ignored"}, {"region", "eu-1"}}, "http://sonde");
  CHECK(value(registry, "sonde_notifications_alertmanagers_discovered", {}) == 2);
  notifier.send(alerts(0, 4));
  for (const auto* s : {&a, &b}) {
    REQUIRE(test::eventually([&] { return ids_received(*s).size() == 3; }));
    const auto body = nlohmann::json::parse(s->requests()[0].body());
    CHECK(body[0]["labels"]["region"] == "eu-1");
    CHECK(body[0]["labels"]["id"] == "0");  // the alert's own label wins
    CHECK(ids_received(*s) == std::set<std::string>{"0", "1", "3"});
  }
  // A reload that keeps `a` and removes `b`.
  o.alertmanagers = {options(a)};
  notifier.update(o, {}, "http://sonde");
  CHECK(notifier.receivers() == 1);
  CHECK(value(registry, "sonde_notifications_alertmanagers_discovered", {}) == 1);
  CHECK(value(registry, "sonde_notifications_sent_total",
              {{"alertmanager", b.url("/am/api/v2/alerts")}}) == -1);
}

TEST_CASE("notifier: a reload keeps the queue of a receiver that stays",
          "[rules][notify][sender]") {
  std::atomic<unsigned> status{503};
  HttpTestServer a([&](const auto&) { return HttpTestServer::reply(status.load()); });
  HttpTestServer b([](const auto&) { return HttpTestServer::reply(200); });
  prometheus::Registry registry;
  rules::notify::Notifier notifier(registry, "sonde/test");
  rules::notify::NotifyOptions o;
  o.alertmanagers = {options(a)};
  notifier.update(o, {}, "http://sonde");
  notifier.send(alerts(0, 5));
  const std::map<std::string, std::string> label{{"alertmanager", a.url("/am/api/v2/alerts")}};
  REQUIRE(test::eventually([&] { return a.requests().size() >= 1; }));
  CHECK(value(registry, "sonde_notifications_queue_length", label) == 5);
  // A reload that adds another Alertmanager and changes the capacity: `a` keeps its 5.
  o.alertmanagers = {options(a), options(b)};
  o.queue_capacity = 100;
  notifier.update(o, {}, "http://sonde");
  CHECK(value(registry, "sonde_notifications_queue_length", label) == 5);
  CHECK(value(registry, "sonde_notifications_queue_capacity", label) == 100);
  status = 200;
  REQUIRE(test::eventually([&] { return ids_received(a).size() == 5; }));
  CHECK(ids_received(b).empty());  // what was queued before it was added is not its
}

namespace {

std::string labels_after(const rules::promql::Labels& in, const core::LabelPairs& external,
                         const std::vector<core::RelabelConfig>& configs) {
  auto r = rules::notify::notification_labels(in, external, configs);
  return r ? r->to_string() : "dropped";
}

core::RelabelConfig relabel(core::RelabelAction action, std::vector<std::string> sources,
                            const char* regex, std::string target = "",
                            std::string replacement = "$1") {
  core::RelabelConfig c;
  c.action = action;
  c.source_labels = std::move(sources);
  if (regex) c.regex = *core::Regex::compile(regex);
  c.target_label = std::move(target);
  c.replacement = std::move(replacement);
  return c;
}

}  // namespace

TEST_CASE("notification_labels: external labels where absent or empty, then relabelling",
          "[rules][notify][notifier]") {
  const rules::promql::Labels alert({{"alertname", "A"}, {"region", "us"}, {"zone", ""}});
  CHECK(labels_after(alert, {{"region", "eu"}, {"zone", "z1"}, {"dc", "d"}}, {}) ==
        "{alertname=\"A\", dc=\"d\", region=\"us\", zone=\"z1\"}");
  // Relabelling sees the external labels.
  CHECK(labels_after(alert, {{"dc", "d"}},
                     {relabel(core::RelabelAction::replace, {"dc", "alertname"}, "(.*);(.*)",
                              "where", "$2@$1")}) ==
        "{alertname=\"A\", dc=\"d\", region=\"us\", where=\"A@d\"}");
  CHECK(labels_after(alert, {}, {relabel(core::RelabelAction::drop, {"region"}, "us")}) ==
        "dropped");
  CHECK(labels_after(alert, {}, {relabel(core::RelabelAction::keep, {"region"}, "eu")}) ==
        "dropped");
  CHECK(labels_after(alert, {}, {relabel(core::RelabelAction::labeldrop, {}, "region")}) ==
        "{alertname=\"A\"}");
  // Nothing left: no alert.
  CHECK(labels_after(alert, {}, {relabel(core::RelabelAction::labeldrop, {}, ".*")}) == "dropped");
  CHECK(labels_after(rules::promql::Labels(), {}, {}) == "dropped");
}
