#include "config/rule_file.hpp"

#include <catch2/catch.hpp>

using namespace sonde;
using rules::YamlProblem;

namespace {

std::string first(const rules::RuleFileRead& r) {
  return r.problems.empty() ? std::string() : r.problems.front().message;
}

}  // namespace

TEST_CASE("rule file: groups, rules and their positions", "[config][rule_file]") {
  const auto r = config::read_rule_text(
      "groups:\n"
      "  - name: g\n"
      "    interval: 30s\n"
      "    limit: 10\n"
      "    rules:\n"
      "      - alert: A\n"
      "        expr: up == 0\n"
      "        for: 5m\n"
      "        keep_firing_for: 1m\n"
      "        labels: {severity: page, prio: 1}\n"
      "        annotations:\n"
      "          summary: \"{{ $labels.instance }} down\"\n"
      "      - record: job:up:sum\n"
      "        expr: sum by (job) (up)\n");
  REQUIRE(r.ok());
  REQUIRE(r.spec.groups.size() == 1);
  const auto& g = r.spec.groups[0];
  CHECK(g.name.value == "g");
  CHECK(g.pos == rules::SpecPos{2, 5});
  CHECK(g.interval == std::chrono::seconds(30));
  CHECK(g.limit == 10);
  REQUIRE(g.rules.size() == 2);
  const auto& a = g.rules[0];
  CHECK(a.alert.value == "A");
  CHECK(a.alert.pos == rules::SpecPos{6, 16});
  CHECK(a.expr.value == "up == 0");
  CHECK(a.expr.pos == rules::SpecPos{7, 15});
  CHECK(a.for_duration == std::chrono::minutes(5));
  CHECK(a.keep_firing_for == std::chrono::minutes(1));
  REQUIRE(a.labels.size() == 2);
  CHECK(a.labels[0].name.value == "severity");
  CHECK(a.labels[1].value.value == "1");
  REQUIRE(a.annotations.size() == 1);
  CHECK(a.annotations[0].value.value == "{{ $labels.instance }} down");
  CHECK(g.rules[1].record.value == "job:up:sum");
  CHECK(g.rules[1].record.pos == rules::SpecPos{13, 17});
  CHECK(g.rules[1].alert.pos == rules::SpecPos{0, 0});  // absent
}

TEST_CASE("rule file: empty and comment-only files have no groups", "[config][rule_file]") {
  CHECK(config::read_rule_text("").ok());
  CHECK(config::read_rule_text("# nothing\n").ok());
  CHECK(config::read_rule_text("groups:\n").spec.groups.empty());
}

TEST_CASE("rule file: unknown keys and wrong types are unmarshal errors", "[config][rule_file]") {
  const auto r = config::read_rule_text(
      "groups:\n"
      "  - name: g\n"
      "    evaluation_interval: 1m\n"
      "    limit: ten\n"
      "    rules:\n"
      "      - alert: A\n"
      "        expr: up\n"
      "        severity: page\n"
      "        labels: [a]\n");
  REQUIRE(r.problems.size() == 4);
  CHECK(r.problems[0] == YamlProblem{3, 5,
                                     "field evaluation_interval not found in type "
                                     "rulefmt.RuleGroup",
                                     true});
  CHECK(r.problems[1].message == "cannot unmarshal !!str `ten` into int");
  CHECK(r.problems[2].message == "field severity not found in type rulefmt.RuleNode");
  CHECK(r.problems[2].line == 8);
  CHECK(r.problems[3].message == "cannot unmarshal !!seq into map[string]string");
  CHECK(r.second_pass.empty());
}

TEST_CASE("rule file: long values are shortened as yaml.v3 does", "[config][rule_file]") {
  const auto r = config::read_rule_text("groups:\n  - name: g\n    limit: abcdefghijkl\n");
  CHECK(first(r) == "cannot unmarshal !!str `abcdefg...` into int");
  CHECK(first(config::read_rule_text("groups:\n  - name: g\n    limit: true\n")) ==
        "cannot unmarshal !!bool `true` into int");
  CHECK(first(config::read_rule_text("groups:\n  - name: g\n    limit: \"5\"\n")) ==
        "cannot unmarshal !!str `5` into int");
  // yaml.v3 truncates a float into an int.
  const auto f = config::read_rule_text("groups:\n  - name: g\n    limit: 2.9\n");
  REQUIRE(f.ok());
  CHECK(f.spec.groups[0].limit == 2);
}

TEST_CASE("rule file: a bad duration stops the decoding", "[config][rule_file]") {
  const auto r = config::read_rule_text(
      "groups:\n"
      "  - name: g\n"
      "    unknown: 1\n"
      "    rules:\n"
      "      - alert: A\n"
      "        for: 5x\n");
  REQUIRE(r.problems.size() == 1);
  CHECK(r.problems[0] == YamlProblem{6, 14, "not a valid duration string: \"5x\"", false});
  CHECK(first(config::read_rule_text("groups:\n  - name: g\n    interval: \"\"\n")) ==
        "empty duration string");
  CHECK(first(config::read_rule_text("groups:\n  - name: g\n    interval: 300y\n")) ==
        "duration out of range");
  const auto zero = config::read_rule_text("groups:\n  - name: g\n    interval: 0\n");
  CHECK(zero.ok());
}

TEST_CASE("rule file: duplicate keys, in both passes at the top", "[config][rule_file]") {
  const auto r = config::read_rule_text(
      "groups:\n  - name: g\n    rules:\n      - record: a\n        expr: up\n        expr: x\n");
  REQUIRE(r.problems.size() == 1);
  CHECK(r.problems[0].message == "mapping key \"expr\" already defined at line 5");
  CHECK(r.problems[0].line == 6);
  CHECK(r.second_pass.empty());
  const auto top = config::read_rule_text("groups:\ngroups:\n");
  CHECK(top.problems.size() == 1);
  CHECK(top.second_pass.size() == 1);
}

TEST_CASE("rule file: groups that are not a list, in both passes", "[config][rule_file]") {
  const auto r = config::read_rule_text("groups: {a: 1}\n");
  REQUIRE(r.problems.size() == 1);
  CHECK(r.problems[0].message == "cannot unmarshal !!map into []rulefmt.RuleGroup");
  REQUIRE(r.second_pass.size() == 1);
  CHECK(r.second_pass[0].message == "cannot unmarshal !!map into []yaml.Node");
  const auto s = config::read_rule_text("foo\n");
  CHECK(first(s) == "cannot unmarshal !!str `foo` into rulefmt.RuleGroups");
  CHECK(s.second_pass.at(0).message == "cannot unmarshal !!str `foo` into rulefmt.ruleGroups");
  CHECK(config::read_rule_text("- a\n").ok());  // yaml.v3 ignores a top-level list
}

TEST_CASE("rule file: record, alert and expr take any node", "[config][rule_file]") {
  const auto r = config::read_rule_text(
      "groups:\n  - name: g\n    rules:\n      - record: a\n        expr: [up]\n");
  REQUIRE(r.ok());
  const auto& rule = r.spec.groups[0].rules[0];
  CHECK(rule.expr.value.empty());
  CHECK(rule.expr.pos == rules::SpecPos{5, 15});
}

TEST_CASE("rule file: YAML syntax errors are reported twice, as promtool does",
          "[config][rule_file]") {
  const auto r = config::read_rule_text("groups:\n  - name: g\n    rules: [a\n");
  REQUIRE(r.problems.size() == 1);
  CHECK(r.problems[0].message.rfind("yaml: line ", 0) == 0);
  CHECK(r.second_pass == r.problems);
}

TEST_CASE("rule file: a quoted scalar left open at the end is a syntax error",
          "[config][rule_file]") {
  // yaml-cpp accepts these when the text ends with a newline; yaml.v3 does not.
  for (const char* text : {"groups:\n  - name: \"g\n", "groups:\n  - name: 'it''s\n\n",
                           "groups:\n  - name: \"a\\\"\n"}) {
    const auto r = config::read_rule_text(text);
    REQUIRE(r.problems.size() == 1);
    CHECK(r.problems[0].message == "yaml: line 2: found unexpected end of stream");
  }
  CHECK(config::read_rule_text("groups:\n  - name: \"a\\\"b\"\n").ok());
  CHECK(config::read_rule_text("groups:\n  - name: 'it''s'\n").ok());
}

TEST_CASE("rule file: unreadable file", "[config][rule_file]") {
  const auto r = config::read_rule_file("/nonexistent/rules.yml");
  REQUIRE(!r.ok());
  CHECK(r.message().find("/nonexistent/rules.yml") != std::string::npos);
}

TEST_CASE("rule file: an alias of its own ancestor ends at a type error, as in yaml.v3",
          "[config][rule_file]") {
  // The anchored map holds an alias of itself: the tree has a cycle (a fuzzer's find: walking
  // it overflowed the stack). yaml.v3 decodes it into a string and stops; so does sonde.
  const auto r = config::read_rule_text(
      "groups:\n"
      "  - name: g\n"
      "    rules:\n"
      "      - alert: A\n"
      "        expr: up == 0\n"
      "        labels: &common\n"
      "          severity: page\n"
      "          labels: *common\n");
  REQUIRE(r.problems.size() == 1);
  CHECK(r.problems[0].line == 6);
  CHECK(r.problems[0].message == "cannot unmarshal !!map into string");
  CHECK(r.problems[0].unmarshal);
  // A group that lists itself as a rule.
  const auto g = config::read_rule_text("groups:\n  - &g\n    name: g\n    rules: [*g]\n");
  REQUIRE(!g.problems.empty());
  CHECK(g.problems[0].message == "field name not found in type rulefmt.RuleNode");
}

TEST_CASE("rule file: aliases that multiply the document fail as in yaml.v3",
          "[config][rule_file]") {
  // 300 groups, each an alias of one with 300 rules, each an alias of one with 300 labels:
  // 27 million decodes from a 6 KB file. yaml.v3 stops at its alias ratio.
  std::string labels;
  for (int i = 0; i < 300; ++i) labels += (i ? ", l" : "l") + std::to_string(i) + ": v";
  std::string rules = "[&r {alert: A, expr: up, labels: {" + labels + "}}";
  for (int i = 1; i < 300; ++i) rules += ", *r";
  std::string doc = "groups:\n  - &g {name: g, rules: " + rules + "]}\n";
  for (int i = 1; i < 300; ++i) doc += "  - *g\n";
  const auto r = config::read_rule_text(doc);
  REQUIRE(r.problems.size() == 1);
  CHECK(r.problems[0].message == "yaml: document contains excessive aliasing");
  // A few aliases are fine.
  const auto ok = config::read_rule_text(
      "groups:\n"
      "  - name: g\n"
      "    rules:\n"
      "      - &r {alert: A, expr: up, labels: &l {severity: page}}\n"
      "      - {alert: B, expr: up, labels: *l}\n");
  REQUIRE(ok.ok());
  CHECK(ok.spec.groups[0].rules[1].labels.size() == 1);
}
