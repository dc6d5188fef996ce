// /api/v1/rules and /api/v1/alerts: Prometheus 2.42's JSON (keys in its struct order, types, Go's
// time and float formats, the type filter and its error), rendered from a manager driven by a fake
// clock. tests/integration/test_rules_api.py compares the same with a real Prometheus.
#include "rules/api.hpp"

#include <catch2/catch.hpp>
#include <chrono>
#include <cmath>
#include <nlohmann/json.hpp>

#include "config/rule_file.hpp"
#include "core/board.hpp"
#include "core/clock.hpp"
#include "rules/manager.hpp"
#include "rules/rule_file.hpp"
#include "rules/template/format.hpp"

using namespace sonde;
using namespace std::chrono_literals;
using Json = nlohmann::ordered_json;

namespace {

constexpr std::int64_t kStart = 1'700'000'000'000;  // 2023-11-14T22:13:20Z

const char* kRules = R"(groups:
- name: b
  interval: 10s
  rules:
  - record: job:errors:sum
    expr: sum by (job) (errors)
  - record: labelled
    expr: errors
    labels: {team: db}
  - alert: High
    expr: errors > 5
    for: 30s
    keep_firing_for: 1m
    labels: {severity: "page"}
    annotations: {summary: "{{ $labels.instance }} at {{ $value }}"}
  - alert: Never
    expr: errors > 1000
- name: a
  interval: 1m
  limit: 1
  rules:
  - alert: TooMany
    expr: errors > 0 or label_replace(errors, "copy", "1", "", "")
)";

struct Rig {
  core::FakeClock clock{std::chrono::system_clock::time_point(std::chrono::milliseconds(kStart))};
  core::Board board{clock};
  rules::Manager manager{board, clock};

  Rig() {
    board.declare("src", core::ComponentKind::collector);
    rules::ManagerSettings settings;
    settings.rules.evaluation_interval = 10s;
    rules::RuleFileInput f;
    f.path = "/r/z.yml";
    auto read = config::read_rule_text(kRules);
    REQUIRE(rules::check_file(f.path, read, false).errors.empty());
    f.spec = read.spec;
    manager.update(settings, {f});
  }
  void at(std::int64_t ms, double errors) {
    clock.set(std::chrono::system_clock::time_point(std::chrono::milliseconds(kStart + ms)));
    core::SnapshotBuilder b;
    const core::Label labels[] = {{"instance", "h:1"}};
    b.gauge("errors", "", labels, errors);
    board.publish("src", std::make_shared<const core::Snapshot>(b.take()), 0, core::ok());
    manager.step(kStart + ms);
  }
  Json rules(std::string_view type = "") const {
    auto r = rules::api_rules(manager, type);
    REQUIRE(r.status == 200);
    return Json::parse(r.body);
  }
  Json alerts() const {
    auto r = rules::api_alerts(manager);
    REQUIRE(r.status == 200);
    return Json::parse(r.body);
  }
};

std::vector<std::string> keys(const Json& j) {
  std::vector<std::string> out;
  for (const auto& [k, v] : j.items()) out.push_back(k);
  return out;
}

const Json& rule(const Json& doc, const std::string& group, const std::string& name) {
  for (const auto& g : doc["data"]["groups"]) {
    if (g["name"] != group) continue;
    for (const auto& r : g["rules"]) {
      if (r["name"] == name) return r;
    }
  }
  FAIL("no rule " << group << "/" << name);
  static const Json none;
  return none;
}

}  // namespace

TEST_CASE("Go's time format", "[rules][api]") {
  CHECK(rules::go_time(0) == "0001-01-01T00:00:00Z");
  CHECK(rules::go_time(kStart) == "2023-11-14T22:13:20Z");
  CHECK(rules::go_time(kStart + 250) == "2023-11-14T22:13:20.25Z");
  CHECK(rules::go_time(kStart + 7) == "2023-11-14T22:13:20.007Z");
  CHECK(rules::go_time(951'782'400'000) == "2000-02-29T00:00:00Z");
  // An alert's value is strconv.FormatFloat(v, 'e', -1, 64), specials included.
  using rules::tmpl::gofmt::format_float;
  CHECK(format_float(12.5, 'e', -1) == "1.25e+01");
  CHECK(format_float(0, 'e', -1) == "0e+00");
  CHECK(format_float(NAN, 'e', -1) == "NaN");
  CHECK(format_float(INFINITY, 'e', -1) == "+Inf");
  CHECK(format_float(-INFINITY, 'e', -1) == "-Inf");
}

TEST_CASE("/api/v1/rules before any evaluation", "[rules][api]") {
  Rig rig;
  const Json doc = rig.rules();
  CHECK(keys(doc) == std::vector<std::string>{"status", "data"});
  CHECK(doc["status"] == "success");
  const Json& groups = doc["data"]["groups"];
  REQUIRE(groups.size() == 2);
  // Sorted by file then name, not in the file's order.
  CHECK(groups[0]["name"] == "a");
  CHECK(groups[1]["name"] == "b");
  const Json& b = groups[1];
  CHECK(keys(b) == std::vector<std::string>{"name", "file", "rules", "interval", "limit",
                                            "evaluationTime", "lastEvaluation"});
  CHECK(b["file"] == "/r/z.yml");
  CHECK(b["interval"].is_number_integer());
  CHECK(b["interval"] == 10);
  CHECK(b["limit"] == 0);
  CHECK(groups[0]["limit"] == 1);
  CHECK(groups[0]["interval"] == 60);
  CHECK(b["evaluationTime"] == 0);
  CHECK(b["lastEvaluation"] == "0001-01-01T00:00:00Z");

  const Json& rec = rule(doc, "b", "job:errors:sum");
  CHECK(keys(rec) == std::vector<std::string>{"name", "query", "health", "evaluationTime",
                                              "lastEvaluation", "type"});
  CHECK(rec["query"] == "sum by (job) (errors)");
  CHECK(rec["health"] == "unknown");
  CHECK(rec["type"] == "recording");
  CHECK(rule(doc, "b", "labelled")["labels"] == Json{{"team", "db"}});

  const Json& high = rule(doc, "b", "High");
  CHECK(keys(high) == std::vector<std::string>{"state", "name", "query", "duration",
                                               "keepFiringFor", "labels", "annotations", "alerts",
                                               "health", "evaluationTime", "lastEvaluation",
                                               "type"});
  CHECK(high["state"] == "inactive");
  CHECK(high["duration"] == 30);
  CHECK(high["keepFiringFor"] == 60);
  CHECK(high["labels"] == Json{{"severity", "page"}});
  // The rule's annotations as written, unexpanded.
  CHECK(high["annotations"] == Json{{"summary", "{{ $labels.instance }} at {{ $value }}"}});
  CHECK(high["alerts"] == Json::array());
  CHECK(high["type"] == "alerting");
  // An alerting rule without labels still has them, empty (labels.Labels is never omitted there).
  CHECK(rule(doc, "b", "Never")["labels"] == Json::object());
  CHECK(rule(doc, "b", "Never")["annotations"] == Json::object());

  CHECK(rig.alerts() == Json::parse(R"({"status":"success","data":{"alerts":[]}})"));
  // Go's encoder escapes <, > and & as \u003c, \u003e, \u0026; so does sonde.
  const std::string body = rules::api_rules(rig.manager, "").body;
  CHECK(body.find(R"("query":"errors \u003e 5")") != std::string::npos);
  CHECK(body.find('>') == std::string::npos);
}

TEST_CASE("/api/v1/rules and /api/v1/alerts with pending and firing alerts", "[rules][api]") {
  Rig rig;
  // The group's first slot is within its first interval after the load.
  rig.at(0, 10);
  rig.at(10'000, 10);
  {
    const Json doc = rig.rules();
    const Json& high = rule(doc, "b", "High");
    CHECK(high["state"] == "pending");
    CHECK(high["health"] == "ok");
    CHECK_FALSE(high.contains("lastError"));
    CHECK(high["evaluationTime"].is_number());
    REQUIRE(high["alerts"].size() == 1);
    const Json& a = high["alerts"][0];
    CHECK(keys(a) ==
          std::vector<std::string>{"labels", "annotations", "state", "activeAt", "value"});
    CHECK(a["labels"] == Json{{"alertname", "High"}, {"instance", "h:1"}, {"severity", "page"}});
    CHECK(a["annotations"] == Json{{"summary", "h:1 at 10"}});
    CHECK(a["state"] == "pending");
    CHECK(a["value"] == "1e+01");
    // Evaluated at the group's slot, not at the step's time.
    const std::string at = a["activeAt"];
    CHECK(at == high["lastEvaluation"]);
    CHECK(at.rfind("2023-11-14T22:13:", 0) == 0);
    CHECK(at.back() == 'Z');
  }
  for (std::int64_t t = 20'000; t <= 60'000; t += 10'000) rig.at(t, 10);
  const Json doc = rig.rules();
  CHECK(rule(doc, "b", "High")["state"] == "firing");
  CHECK(rule(doc, "b", "High")["alerts"][0]["state"] == "firing");
  const Json alerts = rig.alerts();
  REQUIRE(alerts["data"]["alerts"].size() == 1);
  CHECK(alerts["data"]["alerts"][0] == rule(doc, "b", "High")["alerts"][0]);

  // The group's limit of 1 with 2 alerts: the rule fails, Prometheus's words.
  const Json& many = rule(doc, "a", "TooMany");
  CHECK(many["health"] == "err");
  CHECK(many["lastError"] == "exceeded limit of 1 with 2 alerts");
  CHECK(many["alerts"] == Json::array());

  // The condition ends: the alert keeps firing for keep_firing_for, with keepFiringSince.
  rig.at(70'000, 0);
  rig.at(80'000, 0);
  const Json kept_doc = rig.rules();
  const Json& kept = rule(kept_doc, "b", "High")["alerts"][0];
  CHECK(kept["state"] == "firing");
  REQUIRE(kept.contains("keepFiringSince"));
  CHECK(keys(kept) == std::vector<std::string>{"labels", "annotations", "state", "activeAt",
                                               "keepFiringSince", "value"});
  // Resolved: out of both lists, though the rule keeps it (inactive) for 15 minutes.
  for (std::int64_t t = 90'000; t <= 200'000; t += 10'000) rig.at(t, 0);
  const Json after = rig.rules();
  CHECK(rule(after, "b", "High")["alerts"] == Json::array());
  CHECK(rule(after, "b", "High")["state"] == "inactive");
  // Only TooMany's one alert is left (errors 0: `errors > 0` is empty, the copy is within limit).
  const Json left = rig.alerts()["data"]["alerts"];
  REQUIRE(left.size() == 1);
  CHECK(left[0]["labels"]["alertname"] == "TooMany");
  CHECK(left[0]["value"] == "0e+00");
}

TEST_CASE("/api/v1/rules?type= filters alerting or recording rules", "[rules][api]") {
  Rig rig;
  auto names = [](const Json& doc) {
    std::vector<std::string> out;
    for (const auto& g : doc["data"]["groups"]) {
      for (const auto& r : g["rules"]) out.push_back(r["name"]);
    }
    return out;
  };
  CHECK(names(rig.rules("alert")) == std::vector<std::string>{"TooMany", "High", "Never"});
  CHECK(names(rig.rules("RECORD")) == std::vector<std::string>{"job:errors:sum", "labelled"});
  // A group whose rules are all filtered out is still listed, with no rules.
  CHECK(rig.rules("record")["data"]["groups"][0]["rules"] == Json::array());
  auto bad = rules::api_rules(rig.manager, "Alerts\"");
  CHECK(bad.status == 400);
  CHECK(Json::parse(bad.body) == Json::parse(R"({"status":"error","errorType":"bad_data",)"
                                             R"("error":"invalid parameter \"type\": not )"
                                             R"(supported value \"alerts\\\"\""})"));
}
