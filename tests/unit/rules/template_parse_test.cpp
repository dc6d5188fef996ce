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
