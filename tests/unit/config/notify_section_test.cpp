// rules.alertmanagers, rules.webhooks, rules.alert_relabel_configs, rules.resend_delay and
// rules.notification_queue_capacity (issue 22): Prometheus's key names and defaults, bad values
// rejected with file, line, column and what was expected.
#include <catch2/catch.hpp>

#include "config/loader.hpp"

using namespace std::chrono_literals;
namespace config = sonde::config;

namespace {

config::LoadResult load(const std::string& yaml) { return config::load_string(yaml, "t.yaml"); }

bool has_error(const config::LoadResult& r, const std::string& text) {
  for (const auto& l : r.errors.lines()) {
    if (l.find(text) != std::string::npos) return true;
  }
  return false;
}

}  // namespace

TEST_CASE("notify: an Alertmanager entry with url and Prometheus's client keys",
          "[config][notify]") {
  const auto r = load(R"(rules:
  alertmanagers:
    - url: https://am.example:9093/prefix
      timeout: 3s
      basic_auth: {username: sonde, password_file: /etc/sonde/pw}
      tls_config: {ca_file: /etc/sonde/ca.pem, server_name: am.example}
    - url: http://127.0.0.1:9093
      bearer_token_file: /etc/sonde/token
  alert_relabel_configs:
    - {source_labels: [severity], regex: debug, action: drop}
  resend_delay: 30s
  notification_queue_capacity: 10
)");
  REQUIRE(r.errors.lines() == std::vector<std::string>{});
  const auto& n = r.config.rules.notify;
  REQUIRE(n.alertmanagers.size() == 2);
  const auto& a = n.alertmanagers[0];
  CHECK(a.url.scheme == "https");
  CHECK(a.url.host == "am.example");
  CHECK(a.url.path == "/prefix");
  CHECK(a.client.timeout == 3s);
  REQUIRE(a.client.basic_auth);
  CHECK(a.client.basic_auth->password_file == "/etc/sonde/pw");
  CHECK(a.client.tls.ca_file == "/etc/sonde/ca.pem");
  CHECK(a.client.tls.server_name == "am.example");
  const auto& b = n.alertmanagers[1];
  CHECK(b.client.timeout == 10s);  // Prometheus's default for Alertmanagers
  REQUIRE(b.client.authorization);
  CHECK(b.client.authorization->credentials_file == "/etc/sonde/token");
  REQUIRE(n.alert_relabel_configs.size() == 1);
  CHECK(n.alert_relabel_configs[0].action == sonde::core::RelabelAction::drop);
  CHECK(n.resend_delay == 30s);
  CHECK(n.queue_capacity == 10);
}

TEST_CASE("notify: defaults without the keys", "[config][notify]") {
  const auto r = load("rules: {}\n");
  REQUIRE(r.errors.lines() == std::vector<std::string>{});
  const auto& n = r.config.rules.notify;
  CHECK(n.alertmanagers.empty());
  CHECK(n.webhooks.empty());
  CHECK(n.resend_delay == 1min);
  CHECK(n.queue_capacity == 10000);
}

TEST_CASE("notify: a pasted prometheus.yml entry with static_configs", "[config][notify]") {
  const auto r = load(R"(rules:
  alertmanagers:
    - scheme: https
      path_prefix: /am
      api_version: v2
      static_configs:
        - targets: ["a.example:9093", "b.example:9093"]
)");
  REQUIRE(r.errors.lines() == std::vector<std::string>{});
  const auto& ams = r.config.rules.notify.alertmanagers;
  REQUIRE(ams.size() == 2);
  CHECK(ams[0].url.scheme == "https");
  CHECK(ams[0].url.host == "a.example");
  CHECK(ams[0].url.port == 9093);
  CHECK(ams[0].url.path == "/am");
  CHECK(ams[1].url.host == "b.example");
}

TEST_CASE("notify: a webhook with Alertmanager's grouping defaults", "[config][notify]") {
  const auto r = load(R"(rules:
  webhooks:
    - name: chat
      url: http://127.0.0.1:8080/hook
    - name: pager
      url: http://127.0.0.1:8081/
      send_resolved: false
      max_alerts: 5
      group_by: [alertname, instance]
      group_wait: 1s
      group_interval: 2s
      repeat_interval: 1h
)");
  REQUIRE(r.errors.lines() == std::vector<std::string>{});
  const auto& w = r.config.rules.notify.webhooks;
  REQUIRE(w.size() == 2);
  CHECK(w[0].name == "chat");
  CHECK(w[0].send_resolved);
  CHECK(w[0].max_alerts == 0);
  CHECK(w[0].group_by.empty());
  CHECK(w[0].group_wait == 30s);
  CHECK(w[0].group_interval == 5min);
  CHECK(w[0].repeat_interval == 4h);
  CHECK(w[0].client.timeout == 10s);
  CHECK_FALSE(w[1].send_resolved);
  CHECK(w[1].max_alerts == 5);
  CHECK(w[1].group_by == std::vector<std::string>{"alertname", "instance"});
  CHECK(w[1].group_wait == 1s);
  CHECK(w[1].group_interval == 2s);
  CHECK(w[1].repeat_interval == 1h);
}

TEST_CASE("notify: bad entries are rejected with their position", "[config][notify]") {
  SECTION("no url") {
    const auto r = load("rules:\n  alertmanagers:\n    - timeout: 1s\n");
    CHECK(has_error(r,
                    "t.yaml:3:7: rules.alertmanagers[0]: expected exactly one of url and "
                    "static_configs"));
  }
  SECTION("a bad URL") {
    const auto r = load("rules:\n  alertmanagers:\n    - url: ftp://x\n");
    CHECK(has_error(r, "t.yaml:3:12: rules.alertmanagers[0].url: invalid URL"));
  }
  SECTION("an unknown key") {
    const auto r = load("rules:\n  alertmanagers:\n    - url: http://x\n      path: /a\n");
    CHECK(has_error(r, "t.yaml:4:7"));
    CHECK(has_error(r, "path"));
  }
  SECTION("API v1") {
    const auto r = load("rules:\n  alertmanagers:\n    - url: http://x\n      api_version: v1\n");
    CHECK(has_error(r, "API v2 only"));
  }
  SECTION("two kinds of auth") {
    const auto r = load(
        "rules:\n  alertmanagers:\n    - url: http://x\n      bearer_token_file: /t\n"
        "      basic_auth: {username: a, password: b}\n");
    CHECK(has_error(r, "at most one of basic_auth"));
  }
  SECTION("a webhook without a name, and one given twice") {
    const auto r = load(
        "rules:\n  webhooks:\n    - url: http://x\n    - {name: a, url: http://x}\n"
        "    - {name: a, url: http://y}\n");
    CHECK(has_error(r, "a webhook needs a name"));
    CHECK(has_error(r, "t.yaml:5:14: rules.webhooks[2].name: webhook \"a\" given twice"));
  }
  SECTION("group_by") {
    const auto r =
        load("rules:\n  webhooks:\n    - {name: a, url: http://x, group_by: [a, a, '1x']}\n");
    CHECK(has_error(r, "duplicated label"));
    CHECK(has_error(r, "invalid label name"));
  }
  SECTION("a zero group_interval") {
    const auto r =
        load("rules:\n  webhooks:\n    - {name: a, url: http://x, group_interval: 0s}\n");
    CHECK(has_error(r, "group_interval"));
  }
  SECTION("relabelling") {
    const auto r =
        load("rules:\n  alert_relabel_configs:\n    - {action: hashmod, target_label: x}\n");
    CHECK(has_error(r, "relabel configuration for hashmod requires non-zero modulus"));
  }
  SECTION("capacity and resend_delay bounds") {
    const auto r = load("rules:\n  notification_queue_capacity: 0\n  resend_delay: 10ms\n");
    CHECK(has_error(r, "notification_queue_capacity"));
    CHECK(has_error(r, "resend_delay"));
  }
}
