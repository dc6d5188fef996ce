#include "rules/rule_file.hpp"

#include <catch2/catch.hpp>
#include <sstream>

using namespace sonde::rules;

namespace {

SpecText text(std::string v, int line = 1, int column = 1) {
  return {std::move(v), {line, column}};
}

RuleSpec alert(std::string name, std::string expr) {
  RuleSpec r;
  r.alert = text(std::move(name), 5, 16);
  r.expr = text(std::move(expr), 6, 15);
  return r;
}

RuleSpec record(std::string name, std::string expr) {
  RuleSpec r;
  r.record = text(std::move(name), 5, 17);
  r.expr = text(std::move(expr), 6, 15);
  return r;
}

RuleFileSpec file_of(std::vector<RuleSpec> rules, std::string group = "g") {
  GroupSpec g;
  g.pos = {3, 5};
  g.name = text(std::move(group), 3, 11);
  g.rules = std::move(rules);
  return RuleFileSpec{{std::move(g)}};
}

std::vector<std::string> problems(const RuleFileSpec& spec) {
  std::vector<std::string> out;
  for (const auto& p : validate(spec)) out.push_back(p.to_string());
  return out;
}

}  // namespace

TEST_CASE("rule_file: valid rules have no problems", "[rules][rule_file]") {
  auto a = alert("InstanceDown", "up == 0");
  a.for_duration = std::chrono::minutes(5);
  a.labels = {{text("severity"), text("page")}};
  a.annotations = {{text("summary"), text("{{ $labels.instance }} down, {{ $value | humanize }}")}};
  CHECK(problems(file_of({a, record("job:up:sum", "sum by (job) (up)")})).empty());
}

TEST_CASE("rule_file: rulefmt's checks with its wording and positions", "[rules][rule_file]") {
  RuleSpec both = record("a", "up");
  both.alert = text("A", 6, 16);
  CHECK(problems(file_of({both})) ==
        std::vector<std::string>{"5:17: 6:16: group \"g\", rule 1, \"A\": only one of 'record' and "
                                 "'alert' must be set"});
  RuleSpec none;
  none.expr = text("up", 4, 15);
  CHECK(problems(file_of({none})) ==
        std::vector<std::string>{
            "0:0: group \"g\", rule 1, \"\": one of 'record' or 'alert' must be set"});
  CHECK(problems(file_of({record("a", "")})) ==
        std::vector<std::string>{
            "6:15: group \"g\", rule 1, \"a\": field 'expr' must be set in rule"});
  CHECK(
      problems(file_of({record("a", "up ==")})) ==
      std::vector<std::string>{"6:15: group \"g\", rule 1, \"a\": could not parse expression: 1:6: "
                               "parse error: unexpected end of input"});
  RuleSpec r = record("job-up", "up");
  r.annotations = {{text("x"), text("y")}};
  r.for_duration = std::chrono::minutes(1);
  r.keep_firing_for = std::chrono::minutes(1);
  r.labels = {{text("__name__"), text("x")}, {text("bad-name"), text("\xff")}};
  CHECK(problems(file_of({r})) ==
        std::vector<std::string>{
            "5:17: group \"g\", rule 1, \"job-up\": invalid field 'annotations' in recording rule",
            "5:17: group \"g\", rule 1, \"job-up\": invalid field 'for' in recording rule",
            "5:17: group \"g\", rule 1, \"job-up\": invalid field 'keep_firing_for' in recording "
            "rule",
            "5:17: group \"g\", rule 1, \"job-up\": invalid recording rule name: job-up",
            "group \"g\", rule 1, \"job-up\": invalid label name: __name__",
            "group \"g\", rule 1, \"job-up\": invalid label name: bad-name",
            "group \"g\", rule 1, \"job-up\": invalid label value: \xff",
        });
}

TEST_CASE("rule_file: templates are parsed for alerting rules only", "[rules][rule_file]") {
  auto a = alert("A", "up");
  a.labels = {{text("severity"), text("{{ $labels.x }")}};
  a.annotations = {{text("1summary"), text("{{ nosuchfunc }}")}};
  CHECK(
      problems(file_of({a})) ==
      std::vector<std::string>{
          "group \"g\", rule 1, \"A\": invalid annotation name: 1summary",
          "group \"g\", rule 1, \"A\": label \"severity\": template: __alert_A:1: unexpected \"}\" "
          "in operand",
          "group \"g\", rule 1, \"A\": annotation \"1summary\": template: __alert_A:1: function "
          "\"nosuchfunc\" not defined",
      });
  auto r = record("a", "up");
  r.labels = {{text("severity"), text("{{ $labels.x }")}};
  CHECK(problems(file_of({r})).empty());
}

TEST_CASE("rule_file: group names", "[rules][rule_file]") {
  RuleFileSpec spec = file_of({record("a", "up")}, "");
  spec.groups.push_back(spec.groups[0]);
  spec.groups[1].pos = {7, 5};
  CHECK(problems(spec) == std::vector<std::string>{
                              "3:5: Groupname must not be empty",
                              "7:5: Groupname must not be empty",
                              "7:5: groupname: \"\" is repeated in the same file",
                          });
}

TEST_CASE("rule_file: names", "[rules][rule_file]") {
  CHECK(valid_metric_name("job:up:sum"));
  CHECK(valid_metric_name("_x1"));
  CHECK_FALSE(valid_metric_name("1x"));
  CHECK_FALSE(valid_metric_name(""));
  CHECK_FALSE(valid_metric_name("a-b"));
  CHECK(valid_label_name("_a1"));
  CHECK_FALSE(valid_label_name("a:b"));
  CHECK(valid_utf8("grüße"));
  CHECK_FALSE(valid_utf8("\xc3"));
  CHECK_FALSE(valid_utf8("\xed\xa0\x80"));  // a surrogate
  CHECK_FALSE(valid_utf8("\xc0\xaf"));      // overlong
}

TEST_CASE("rule_file: the duplicate-rules lint", "[rules][rule_file]") {
  auto a1 = alert("A", "up");
  a1.labels = {{text("b"), text("1")}, {text("a"), text("2")}};
  auto a2 = alert("A", "down");
  a2.labels = {{text("a"), text("2")}, {text("b"), text("1")}};
  auto a3 = a2;
  auto other = alert("A", "up");  // no labels: not a duplicate of a1
  const auto spec = file_of({a1, a2, a3, other, record("x", "1"), record("y", "1")});
  const auto d = find_duplicates(spec);
  REQUIRE(d.size() == 1);
  CHECK(duplicates_message(d) ==
        "lint error 1 duplicate rule(s) found.\nMetric: A\nLabel(s):\n\ta: 2\n\tb: 1\n"
        "Might cause inconsistency while recording expressions");
  CHECK(find_duplicates(file_of({a1})).empty());
}

TEST_CASE("rule_file: check_file, print_check and exit codes", "[rules][rule_file]") {
  RuleFileRead read;
  read.spec = file_of({record("x", "1"), record("x", "1")});
  auto check = check_file("f.yml", read, true);
  CHECK(check.errors.empty());
  REQUIRE(check.lint);
  std::ostringstream out, err;
  const auto printed = print_check("f.yml", check, out, err);
  CHECK(out.str() == "Checking f.yml\n\n");
  CHECK(err.str().rfind("  FAILED:\nlint error 1 duplicate rule(s) found.\n", 0) == 0);
  CHECK(printed.failed);
  CHECK_FALSE(printed.errors);
  CHECK(exit_code({printed}, false) == 0);
  CHECK(exit_code({printed}, true) == 3);
  CHECK_FALSE(check_file("f.yml", read, false).lint);

  RuleFileRead bad;
  bad.problems = {{4, 5, "field x not found in type rulefmt.RuleGroup", true},
                  {6, 7, "cannot unmarshal !!seq into string", true}};
  bad.second_pass = {{1, 1, "cannot unmarshal !!map into []yaml.Node", true}};
  const auto c = check_file("b.yml", bad, true);
  CHECK(c.errors == std::vector<std::string>{
                        "b.yml: yaml: unmarshal errors:\n  line 4: field x not found in type "
                        "rulefmt.RuleGroup\n  line 6: cannot unmarshal !!seq into string",
                        "b.yml: yaml: unmarshal errors:\n  line 1: cannot unmarshal !!map into "
                        "[]yaml.Node",
                    });
  std::ostringstream out2, err2;
  const auto p2 = print_check("b.yml", c, out2, err2);
  CHECK(p2.errors);
  CHECK(exit_code({printed, p2}, true) == 1);

  RuleFileRead good;
  good.spec = file_of({record("x", "1")});
  std::ostringstream out3, err3;
  print_check("g.yml", check_file("g.yml", good, true), out3, err3);
  CHECK(out3.str() == "Checking g.yml\n  SUCCESS: 1 rules found\n\n");
  CHECK(err3.str().empty());
}
