#include <catch2/catch.hpp>

#include "rules/template/template.hpp"

using namespace sonde::rules::tmpl;

TEST_CASE("template parse errors read as Go's", "[rules][template]") {
  auto r = parse("t", "{{ $labels.instance }");
  REQUIRE_FALSE(r.ok());
  CHECK(r.message() == "template: t:1: undefined variable \"$labels\"");
  auto h = parse_alert_template("A", "{{ $labels.instance }");
  REQUIRE_FALSE(h.ok());
  CHECK(h.message() == "template: __alert_A:1: unexpected \"}\" in operand");
  CHECK(parse_alert_template("A", "{{ $labels.instance }}").ok());
}

TEST_CASE("template executes the alert header", "[rules][template]") {
  AlertData d;
  d.labels = {{"instance", "a:9100"}, {"job", "node"}};
  d.value = 1e6;
  Context ctx;
  CHECK(expand_alert("A", "{{ $labels }} {{ $value }} {{ $labels.instance }}", d, ctx) ==
        "map[instance:a:9100 job:node] 1e+06 a:9100");
}

// The header is not lexed again for each alert template (Program::alert_header); these are the
// places where its absence from the top tree could show, each checked against promtool 2.42.
TEST_CASE("alert templates behave as if the header were parsed with them", "[rules][template]") {
  // The top tree holds the header's actions, so it is never empty: a {{define}} of its own name
  // is a second definition (promtool check rules says exactly this).
  auto dup = parse_alert_template("A", "{{define \"__alert_A\"}}x{{end}}");
  REQUIRE_FALSE(dup.ok());
  CHECK(dup.message() ==
        "template: __alert_A:1: template: multiple definition of template "
        "\"__alert_A\"");
  CHECK(parse("A", "{{define \"A\"}}x{{end}}").ok());  // without a header: the top tree is empty

  AlertData d;
  d.labels = {{"x", "1"}};
  Context ctx;
  CHECK(expand_alert("A", "", d, ctx).empty());
  // Execution errors count columns from the start of the header (promtool test rules: 1:117).
  CHECK(expand_alert("A", "x {{ index $labels 3 }}", d, ctx) ==
        "<error expanding template: error executing template __alert_A: template: "
        "__alert_A:1:117: executing \"__alert_A\" at <index $labels 3>: error calling index: "
        "value has type int; should be string>");
  // The header's variables are in scope only at the top level, as in Go.
  auto def = parse_alert_template("A", "{{define \"d\"}}{{ $labels }}{{end}}");
  REQUIRE_FALSE(def.ok());
  CHECK(def.message() == "template: __alert_A:1: undefined variable \"$labels\"");
}
