#include "remote/labels.hpp"

#include <catch2/catch.hpp>

using namespace sonde::remote;

TEST_CASE("series text parses back into labels", "[remote][labels]") {
  const auto a = parse_series_text("node_load1");
  REQUIRE(a);
  CHECK(*a == sonde::core::LabelSet{{"__name__", "node_load1"}});
  const auto b = parse_series_text(R"(x_total{b="2",a="q\"u\\o\nte",c=""})");
  REQUIRE(b);
  CHECK(*b == sonde::core::LabelSet{
                  {"__name__", "x_total"}, {"a", "q\"u\\o\nte"}, {"b", "2"}, {"c", ""}});
  CHECK(parse_series_text("ns:rule_name{a=\"1\",}"));
  for (const char* bad : {"", "{a=\"1\"}", "x{a=1}", "x{a=\"1\"", "x{a=\"1\",a=\"2\"}", "x y",
                          "x{1a=\"1\"}", "x{a=\"1\"}z"}) {
    INFO(bad);
    CHECK_FALSE(parse_series_text(bad));
  }
}

TEST_CASE("labels to send: series labels as target labels, external labels, relabelling",
          "[remote][labels]") {
  LabelRules rules;
  rules.series_labels = {{"instance", "h:9100"}, {"job", "sonde"}};
  rules.external_labels = {{"job", "ignored"}, {"region", "eu"}};
  bool dropped = true;
  auto l = labels_to_send(R"(app_jobs_total{job="etl",empty=""})", rules, dropped);
  REQUIRE(l);
  CHECK_FALSE(dropped);
  CHECK(*l == Labels{{"__name__", "app_jobs_total"},
                     {"exported_job", "etl"},
                     {"instance", "h:9100"},
                     {"job", "sonde"},
                     {"region", "eu"}});
  sonde::core::RelabelConfig drop;
  drop.source_labels = {"__name__"};
  drop.regex = *sonde::core::Regex::compile("go_.*");
  drop.action = sonde::core::RelabelAction::drop;
  rules.relabel = {drop};
  CHECK_FALSE(labels_to_send("go_goroutines", rules, dropped));
  CHECK(dropped);
  CHECK(labels_to_send("node_load1", rules, dropped));
  CHECK_FALSE(labels_to_send("not valid{", rules, dropped));
  CHECK_FALSE(dropped);
}
