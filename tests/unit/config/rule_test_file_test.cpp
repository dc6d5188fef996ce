#include "config/rule_test_file.hpp"

#include <catch2/catch.hpp>
#include <cmath>

using namespace sonde;

TEST_CASE("rule test file: every key of promtool 2.42's format", "[config][rule_test_file]") {
  const auto r = config::read_rule_test_text(
      "rule_files: [a.yml, 'rules/*.yml']\n"
      "evaluation_interval: 30s\n"
      "group_eval_order: [g1, g2]\n"
      "tests:\n"
      "  - interval: 1m\n"
      "    name: t\n"
      "    external_labels: {cluster: eu}\n"
      "    external_url: http://x/\n"
      "    input_series:\n"
      "      - series: 'up{job=\"a\"}'\n"
      "        values: 0+1x3\n"
      "      - series: n\n"
      "        values: 1\n"
      "    alert_rule_test:\n"
      "      - eval_time: 5m\n"
      "        alertname: A\n"
      "        exp_alerts:\n"
      "          - exp_labels: {severity: page}\n"
      "            exp_annotations: {summary: s}\n"
      "    promql_expr_test:\n"
      "      - expr: up\n"
      "        eval_time: 1h\n"
      "        exp_samples:\n"
      "          - labels: 'up{job=\"a\"}'\n"
      "            value: 0x10\n"
      "          - value: .inf\n");
  REQUIRE_FALSE(r.error);
  const auto& s = r.spec;
  CHECK(s.rule_files == std::vector<std::string>{"a.yml", "rules/*.yml"});
  CHECK(s.evaluation_interval_ms == 30'000);
  CHECK(s.group_eval_order == std::vector<std::string>{"g1", "g2"});
  REQUIRE(s.tests.size() == 1);
  const auto& t = s.tests[0];
  CHECK(t.interval_ms == 60'000);
  CHECK(t.name == "t");
  CHECK(t.external_labels == rules::SpecStringMap{{"cluster", "eu"}});
  CHECK(t.external_url == "http://x/");
  REQUIRE(t.input_series.size() == 2);
  CHECK(t.input_series[1].values == "1");  // yaml.v2 decodes any scalar into a string
  REQUIRE(t.alert_rule_test.size() == 1);
  CHECK(t.alert_rule_test[0].eval_time_ms == 300'000);
  CHECK(t.alert_rule_test[0].exp_alerts[0].exp_annotations ==
        rules::SpecStringMap{{"summary", "s"}});
  REQUIRE(t.promql_expr_test.size() == 1);
  CHECK(t.promql_expr_test[0].eval_time_ms == 3'600'000);
  CHECK(t.promql_expr_test[0].exp_samples[0].value == 16);  // 0x10, a YAML 1.1 integer
  CHECK(std::isinf(t.promql_expr_test[0].exp_samples[1].value));
}

TEST_CASE("rule test file: yaml.v2's UnmarshalStrict errors", "[config][rule_test_file]") {
  auto error = [](const char* yaml) {
    const auto r = config::read_rule_test_text(yaml);
    return r.error.value_or("");
  };
  CHECK(error("foo: 1\ntests:\n  - bar: 2\n") ==
        "yaml: unmarshal errors:\n  line 1: field foo not found in type main.unitTestFile\n"
        "  line 3: field bar not found in type main.testGroup");
  CHECK(error("tests:\n  - name: a\n    name: b\n") ==
        "yaml: unmarshal errors:\n  line 3: field name already set in type main.testGroup");
  CHECK(error("tests:\n  - external_labels: {a: 1, a: 2}\n") ==
        "yaml: unmarshal errors:\n  line 2: key \"a\" already set in map");
  CHECK(error("tests:\n  - promql_expr_test:\n    - exp_samples:\n      - value: yes\n") ==
        "yaml: unmarshal errors:\n  line 4: cannot unmarshal !!bool `yes` into float64");
  CHECK(
      error("tests:\n  - promql_expr_test:\n    - exp_samples:\n      - value: '12345678901'\n") ==
      "yaml: unmarshal errors:\n  line 4: cannot unmarshal !!str `1234567...` into float64");
  CHECK(error("rule_files: a.yml\n") ==
        "yaml: unmarshal errors:\n  line 1: cannot unmarshal !!str `a.yml` into []string");
  CHECK(error("- a\n") ==
        "yaml: unmarshal errors:\n  line 1: cannot unmarshal !!seq into main.unitTestFile");
  // A bad duration stops the decoding and is the only error.
  CHECK(error("foo: 1\nevaluation_interval: 5x\n") == "not a valid duration string: \"5x\"");
  CHECK(error("tests:\n  - interval: ''\n") == "empty duration string");
  CHECK(error("tests: [{interval: 1m}]\ntests: [") != "");
  // An empty document is an empty file: no tests.
  const auto empty = config::read_rule_test_text("");
  CHECK_FALSE(empty.error);
  CHECK(empty.spec.tests.empty());
}

TEST_CASE("rule test file: an unreadable file is Go's open error", "[config][rule_test_file]") {
  const auto r = config::read_rule_test_file("/nonexistent/t.yml");
  CHECK(r.error.value_or("") == "open /nonexistent/t.yml: no such file or directory");
}
