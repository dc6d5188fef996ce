// The notifiers' payloads: Alertmanager's fingerprint (prometheus/common's own test vectors),
// Prometheus's generatorURL, the POST /api/v2/alerts body as Prometheus 2.42 marshals it, and the
// webhook message as Alertmanager 0.25 posts it (field order, Go's JSON escaping, grouping keys,
// alert order, common labels, truncation).
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "rules/notify/payload.hpp"

using namespace sonde;
using namespace sonde::rules;
using notify::Notification;

namespace {

promql::Labels L(std::vector<promql::Label> v) { return promql::Labels(std::move(v)); }

constexpr std::int64_t kT = 1'700'000'000'250;  // 2023-11-14T22:13:20.25Z

}  // namespace

TEST_CASE("fingerprint: Alertmanager's label-set fingerprint", "[rules][notify]") {
  // prometheus/common model/signature_test.go, TestMetricToFingerprint.
  CHECK(notify::fingerprint(promql::Labels()) == 14695981039346656037ull);
  CHECK(notify::fingerprint(L({{"name", "garland, briggs"}, {"fear", "love is not enough"}})) ==
        5799056148416392346ull);
  CHECK(notify::fingerprint_string(5799056148416392346ull) == "507a62d79ee76c9a");
  CHECK(notify::fingerprint_string(42) == "000000000000002a");
  // The separator keeps ("ab","c") apart from ("a","bc").
  CHECK(notify::fingerprint(L({{"ab", "c"}})) != notify::fingerprint(L({{"a", "bc"}})));
}

TEST_CASE("generator_url: Prometheus's table link for the rule's expression", "[rules][notify]") {
  CHECK(notify::generator_url("http://host:9477", "up == 0") ==
        "http://host:9477/graph?g0.expr=up+%3D%3D+0&g0.tab=1");
  CHECK(notify::generator_url("http://h", R"(rate(x{a="b/c"}[5m]) > 0.5)") ==
        "http://h/graph?g0.expr=rate%28x%7Ba%3D%22b%2Fc%22%7D%5B5m%5D%29+%3E+0.5&g0.tab=1");
}

TEST_CASE("alertmanager_v2_body: postable alerts as Prometheus marshals them", "[rules][notify]") {
  std::vector<Notification> alerts(2);
  alerts[0].labels = L({{"alertname", "HighLoad"}, {"instance", "a:9100"}});
  alerts[0].annotations = {{"description", "load <high> & rising"}, {"summary", "x"}};
  alerts[0].starts_at_ms = kT;
  alerts[0].ends_at_ms = kT + 60'000;
  alerts[0].generator_url = "http://h/graph?g0.expr=up&g0.tab=1";
  alerts[1].labels = L({{"alertname", "Down"}});
  alerts[1].starts_at_ms = kT - 250;
  alerts[1].ends_at_ms = kT;
  CHECK(notify::alertmanager_v2_body(alerts) ==
        R"([{"annotations":{"description":"load \u003chigh\u003e \u0026 rising","summary":"x"},)"
        R"("endsAt":"2023-11-14T22:14:20.250Z","startsAt":"2023-11-14T22:13:20.250Z",)"
        R"("generatorURL":"http://h/graph?g0.expr=up\u0026g0.tab=1",)"
        R"("labels":{"alertname":"HighLoad","instance":"a:9100"}},)"
        R"({"endsAt":"2023-11-14T22:13:20.250Z","startsAt":"2023-11-14T22:13:20.000Z",)"
        R"("labels":{"alertname":"Down"}}])");
  CHECK(notify::alertmanager_v2_body({}) == "[]");
  // Whatever the bytes, the body is JSON that carries them back.
  Notification odd;
  odd.labels = L({{"alertname", "A"}, {"v", std::string("\x01\"\\\n\xff\xe2\x80\xa8ok", 10)}});
  const auto j = nlohmann::json::parse(notify::alertmanager_v2_body({&odd, 1}));
  CHECK(j[0]["labels"]["v"] == "\x01\"\\\n\xef\xbf\xbd\xe2\x80\xa8ok");
  CHECK(j[0]["endsAt"] == "0001-01-01T00:00:00.000Z");
}

TEST_CASE("sort_alerts: Alertmanager's order within a group", "[rules][notify]") {
  std::vector<Notification> a(5);
  a[0].labels = L({{"alertname", "Z"}});
  a[1].labels = L({{"alertname", "B"}, {"instance", "i2"}});
  a[2].labels = L({{"alertname", "C"}, {"job", "b"}});
  a[3].labels = L({{"alertname", "D"}, {"instance", "i1"}, {"job", "b"}});
  a[4].labels = L({{"alertname", "A"}});
  notify::sort_alerts(a);
  std::vector<std::string> names;
  for (const auto& n : a) names.emplace_back(n.labels.get("alertname"));
  // With a job first (by job, then the one with an instance), then with an instance, then the
  // rest by their label sets.
  CHECK(names == std::vector<std::string>{"D", "C", "B", "A", "Z"});
}

TEST_CASE("group_key: the root route's key and the group labels as Go prints them",
          "[rules][notify]") {
  CHECK(notify::group_key(promql::Labels()) == "{}:{}");
  // model.LabelSet.String() sorts the printed pairs: "job2=" sorts before "job=".
  CHECK(notify::group_key(L({{"job", "a"}, {"job2", "b\"c"}})) == R"({}:{job2="b\"c", job="a"})");
}

TEST_CASE("webhook_body: Alertmanager 0.25's webhook message", "[rules][notify]") {
  std::vector<Notification> alerts(3);
  alerts[0].labels = L({{"alertname", "Disk"}, {"instance", "b"}, {"severity", "warning"}});
  alerts[0].annotations = {{"runbook", "r"}, {"summary", "full"}};
  alerts[0].starts_at_ms = kT;
  alerts[0].ends_at_ms = kT + 120'000;  // still valid: firing, endsAt not shown
  alerts[0].generator_url = "http://s/graph?g0.expr=x&g0.tab=1";
  alerts[1].labels = L({{"alertname", "Disk"}, {"instance", "a"}, {"severity", "warning"}});
  alerts[1].annotations = {{"runbook", "r"}, {"summary", "almost full"}};
  alerts[1].starts_at_ms = kT - 1000;
  alerts[1].ends_at_ms = kT + 500;  // resolved by now
  alerts[2].labels = L({{"alertname", "Disk"}, {"instance", "c"}, {"severity", "critical"}});
  alerts[2].starts_at_ms = kT;
  alerts[2].ends_at_ms = kT + 120'000;

  notify::WebhookGroup g;
  g.receiver = "team.ops";
  g.group_labels = L({{"alertname", "Disk"}});
  g.external_url = "http://sonde:9477";
  const std::int64_t now = kT + 1000;

  SECTION("every field, in Alertmanager's order and encoding") {
    g.max_alerts = 2;
    const auto a0 = notify::fingerprint_string(notify::fingerprint(alerts[1].labels));
    const auto a1 = notify::fingerprint_string(notify::fingerprint(alerts[0].labels));
    CHECK(
        notify::webhook_body(g, alerts, now) ==
        R"({"receiver":"team\\.ops","status":"firing","alerts":[)"
        R"({"status":"resolved","labels":{"alertname":"Disk","instance":"a","severity":"warning"},)"
        R"("annotations":{"runbook":"r","summary":"almost full"},)"
        R"("startsAt":"2023-11-14T22:13:19.25Z","endsAt":"2023-11-14T22:13:20.75Z",)"
        R"("generatorURL":"","fingerprint":")" +
            a0 +
            R"("},{"status":"firing","labels":{"alertname":"Disk","instance":"b","severity":"warning"},)"
            R"("annotations":{"runbook":"r","summary":"full"},)"
            R"("startsAt":"2023-11-14T22:13:20.25Z","endsAt":"0001-01-01T00:00:00Z",)"
            R"("generatorURL":"http://s/graph?g0.expr=x\u0026g0.tab=1","fingerprint":")" +
            a1 +
            R"("}],"groupLabels":{"alertname":"Disk"},)"
            R"("commonLabels":{"alertname":"Disk","severity":"warning"},)"
            R"("commonAnnotations":{"runbook":"r"},"externalURL":"http://sonde:9477",)"
            R"("version":"4","groupKey":"{}:{alertname=\"Disk\"}","truncatedAlerts":1})"
            "\n");
  }
  SECTION("all alerts: the common labels shrink, nothing truncated") {
    const auto j = nlohmann::json::parse(notify::webhook_body(g, alerts, now));
    CHECK(j["alerts"].size() == 3);
    CHECK(j["truncatedAlerts"] == 0);
    CHECK(j["commonLabels"] == nlohmann::json({{"alertname", "Disk"}}));
    CHECK(j["commonAnnotations"] == nlohmann::json::object());
    CHECK(j["alerts"][2]["labels"]["instance"] == "c");
  }
  SECTION("resolved when every alert is") {
    const auto j = nlohmann::json::parse(notify::webhook_body(g, alerts, kT + 200'000));
    CHECK(j["status"] == "resolved");
    for (const auto& a : j["alerts"]) CHECK(a["status"] == "resolved");
    CHECK(j["alerts"][1]["endsAt"] == "2023-11-14T22:15:20.25Z");
  }
  SECTION("an empty group") {
    const auto j = nlohmann::json::parse(notify::webhook_body(g, {}, now));
    CHECK(j["alerts"] == nlohmann::json::array());
    CHECK(j["status"] == "resolved");
    CHECK(j["commonLabels"] == nlohmann::json::object());
  }
}
