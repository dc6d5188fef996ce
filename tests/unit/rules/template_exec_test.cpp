// Execution behaviour that the promtool fixture cannot show: the caller's query callback and
// external URL, the bounds of one execution, and the API around Prometheus's alert header.
#include <catch2/catch.hpp>

#include "rules/template/template.hpp"
#include "unit/rules/template_test_support.hpp"

using namespace sonde::rules::tmpl;
namespace core = sonde::core;
using sonde::test::tmpl::run;

TEST_CASE("execution is bounded", "[rules][template][limits]") {
  Context ctx;
  ctx.query = [](std::string_view) -> core::Result<std::vector<Sample>> {
    return std::vector<Sample>(100, Sample{{{"a", "b"}}, 1, 0});
  };
  SECTION("output bytes") {
    ctx.limits.max_output_bytes = 1000;
    std::string r =
        run(R"({{ range query "x" }}{{ range query "x" }}0123456789{{ end }}{{ end }})", ctx);
    CHECK(r.find("ERROR: template: t: output exceeds the limit of 1000 bytes") == 0);
  }
  SECTION("range iterations") {
    ctx.limits.max_iterations = 500;
    std::string r = run(R"({{ range query "x" }}{{ range query "x" }}{{ end }}{{ end }})", ctx);
    CHECK(r.find("range iterations exceed the limit of 500") != std::string::npos);
  }
  SECTION("template recursion") {
    std::string r =
        run(R"({{ define "r" }}{{ template "r" . }}{{ end }}{{ template "r" . }})", ctx);
    CHECK(r.find("exceeded maximum template depth (200)") != std::string::npos);
  }
  SECTION("strings built without being written") {
    ctx.limits.max_output_bytes = 10000;
    std::string r = run(
        R"({{ $s := "ab" }}{{ range query "x" }}{{ $s = printf "%s%s" $s $s }}{{ end }}{{ len $s }})",
        ctx);
    CHECK(r.find("result of printf exceeds the limit of 10000 bytes") != std::string::npos);
  }
  SECTION("queries") {
    ctx.limits.max_queries = 3;
    std::string r = run(R"({{ range query "x" }}{{ query "y" }}{{ end }})", ctx);
    CHECK(r.find("error calling query: more than 3 queries in one template expansion") !=
          std::string::npos);
  }
}

TEST_CASE("deep nesting is a parse error, not a stack overflow", "[rules][template][limits]") {
  std::string parens = "{{" + std::string(100000, '(') + "1" + std::string(100000, ')') + "}}";
  auto r = parse("t", parens);
  REQUIRE_FALSE(r.ok());
  CHECK(r.message() == "template: t:1: max expression depth exceeded");
  std::string ifs;
  for (int i = 0; i < 5000; ++i) ifs += "{{ if 1 }}";
  CHECK(parse("t", ifs).message() == "template: t:1: max expression depth exceeded");
  std::string ok;
  for (int i = 0; i < 100; ++i) ok += "{{ if 1 }}";
  ok += "x";
  for (int i = 0; i < 100; ++i) ok += "{{ end }}";
  CHECK(run(ok, Context{}) == "x");
}

TEST_CASE("expand_alert reports errors as rules/alerting.go does", "[rules][template]") {
  AlertData d;
  d.labels = {{"instance", "a"}};
  Context ctx;
  CHECK(expand_alert("HighLoad", "{{ $labels.instance", d, ctx) ==
        "<error expanding template: error parsing template __alert_HighLoad: template: "
        "__alert_HighLoad:1: unclosed action>");
  CHECK(
      expand_alert("HighLoad", "{{ .Nope }}", d, ctx)
          .rfind("<error expanding template: error executing template __alert_HighLoad: template: "
                 "__alert_HighLoad:1:",
                 0) == 0);
  CHECK(alert_template_name("X") == "__alert_X");
}

TEST_CASE("a parsed template is reusable and its copies share it", "[rules][template]") {
  auto t = parse_alert_template("A", "{{ $labels.job }}:{{ $value }}");
  REQUIRE(t.ok());
  Template copy = *t;
  AlertData a, b;
  a.labels = {{"job", "x"}};
  a.value = 1;
  b.labels = {{"job", "y"}};
  b.value = 0.25;
  CHECK(*execute(*t, a, Context{}) == "x:1");
  CHECK(*execute(copy, b, Context{}) == "y:0.25");
  CHECK(copy.name() == "__alert_A");
}
