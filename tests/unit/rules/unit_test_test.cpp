#include "rules/unit_test.hpp"

#include <catch2/catch.hpp>
#include <sstream>

#include "config/rule_file.hpp"
#include "config/rule_test_file.hpp"
#include "rules/promql/parser.hpp"

using namespace sonde;

namespace {

// Runs a test file's text against one in-memory rule file "r.yml".
std::vector<std::string> run(const std::string& test, const std::string& rules_yaml) {
  const auto read = config::read_rule_test_text(test);
  REQUIRE_FALSE(read.error);
  return rules::run_unit_tests(
      read.spec, {"r.yml"},
      [&](const std::string&,
          std::vector<std::string>& errors) -> std::optional<rules::RuleFileSpec> {
        auto r = config::read_rule_text(rules_yaml);
        if (!r.ok()) {
          errors.push_back("r.yml: bad");
          return std::nullopt;
        }
        return r.spec;
      });
}

constexpr const char* kRules =
    "groups:\n"
    "  - name: g\n"
    "    rules:\n"
    "      - alert: Down\n"
    "        expr: up == 0\n"
    "        for: 2m\n"
    "        labels: {severity: page}\n"
    "        annotations: {summary: '{{ $labels.job }} {{ $value }} {{ $externalLabels.c }}'}\n";

}  // namespace

TEST_CASE("unit test: pending until `for`, then firing", "[rules][unit_test]") {
  const std::string base =
      "tests:\n"
      "  - interval: 1m\n"
      "    external_labels: {c: x}\n"
      "    input_series: [{series: 'up{job=\"j\"}', values: '0x5'}]\n"
      "    alert_rule_test:\n";
  CHECK(run(base + "      - {eval_time: 1m, alertname: Down, exp_alerts: []}\n", kRules).empty());
  CHECK(run(base + "      - eval_time: 2m\n        alertname: Down\n        exp_alerts:\n"
                   "          - exp_labels: {severity: page, job: j}\n"
                   "            exp_annotations: {summary: 'j 0 x'}\n",
            kRules)
            .empty());
  const auto errs =
      run(base + "      - {eval_time: 1m30s, alertname: Down, exp_alerts: [{}]}\n", kRules);
  REQUIRE(errs.size() == 1);
  CHECK(errs[0] ==
        "    alertname: Down, time: 1m30s, \n"
        "        exp:[\n"
        "            0:\n"
        "              Labels:{alertname=\"Down\"}\n"
        "              Annotations:{}\n"
        "            ], \n"
        "        got:[]");
}

TEST_CASE("unit test: promql_expr_test compares exactly", "[rules][unit_test]") {
  const std::string t =
      "tests:\n"
      "  - input_series: [{series: 'a{k=\"v\"}', values: '0.1'}]\n"
      "    promql_expr_test:\n"
      "      - expr: a + 0.2\n"
      "        exp_samples: [{labels: '{k=\"v\"}', value: 0.3}]\n";
  const auto errs = run(t, "groups: []\n");
  REQUIRE(errs.size() == 1);
  CHECK(errs[0] ==
        "    expr: \"a + 0.2\", time: 0s,\n"
        "        exp: {k=\"v\"} 3E-01\n"
        "        got: {k=\"v\"} 3.0000000000000004E-01");
}

TEST_CASE("unit test: load errors end a test group", "[rules][unit_test]") {
  CHECK(run("tests: [{input_series: [{series: 'up{', values: '1'}]}]\n", kRules)
            .at(0)
            .find("parse error") != std::string::npos);
  // Rules that the loader passed but that do not compile (the loader here does not validate).
  CHECK(run("tests: [{}]\n", "groups: [{name: g, rules: [{record: 'x', expr: 'sum('}]}]\n") ==
        std::vector<std::string>{
            "r.yml: could not parse expression: 1:5: parse error: unclosed left parenthesis"});
  CHECK(run("tests: [{}]\n", "groups: {}\n") == std::vector<std::string>{"r.yml: bad"});
  CHECK(run("group_eval_order: [a, a]\ntests: [{}]\n", kRules) ==
        std::vector<std::string>{"group name repeated in evaluation order: a"});
}

TEST_CASE("unit test: promtool's output", "[rules][unit_test]") {
  std::ostringstream out, err;
  rules::print_unit_test_result({}, out, err);
  CHECK(out.str() == "  SUCCESS\n\n");
  CHECK(err.str().empty());
  std::ostringstream out2, err2;
  rules::print_unit_test_result({"a", "b"}, out2, err2);
  CHECK(out2.str() == "\n\n\n");
  CHECK(err2.str() == "  FAILED:\na\nb\n");
}

TEST_CASE("unit test: Go's time.Duration.String", "[rules][unit_test]") {
  CHECK(rules::go_duration_string(0) == "0s");
  CHECK(rules::go_duration_string(250) == "250ms");
  CHECK(rules::go_duration_string(60'000) == "1m0s");
  CHECK(rules::go_duration_string(90'500) == "1m30.5s");
  CHECK(rules::go_duration_string(3'600'000) == "1h0m0s");
  CHECK(rules::go_duration_string(9'218'880'000'000) == "2560800h0m0s");
}

TEST_CASE("unit test: input series errors are worded as Prometheus's", "[rules][unit_test]") {
  auto error = [](std::string_view s) {
    auto r = rules::promql::parse_series_desc(s);
    return r.ok() ? std::string() : r.error().to_string();
  };
  CHECK(error("up{job=\"x\" 1") == "1:12: parse error: unexpected character inside braces: '1'");
  CHECK(error("up{job=}") == "1:8: parse error: unexpected \"}\" in label set, expected string");
  CHECK(error("up{=1}") ==
        "1:4: parse error: unexpected \"=\" in label set, expected identifier or \"}\"");
  CHECK(error("up{job=~\"x\"} 1") ==
        "1:7: parse error: unexpected <op:=~> in label set, expected \"=\"");
  CHECK(error("up{job=\"x\" foo=\"y\"} 1") ==
        "1:12: parse error: unexpected identifier \"foo\" in label set, expected \",\" or \"}\"");
  CHECK(error("up{job=\"x\"} abc") ==
        "1:13: parse error: unexpected identifier \"abc\" in series values, expected number or "
        "\"stale\"");
  CHECK(error("1 2") == "1:1: parse error: unexpected number \"1\" in series values");
  CHECK(error("{} 1").empty());  // parses; the storage refuses it (empty labelset)
}
