#include "config/rules_section.hpp"

#include <yaml-cpp/yaml.h>

#include <catch2/catch.hpp>

#include "config/loader.hpp"
#include "read_errors.hpp"
#include "support/test_support.hpp"

using namespace sonde;

namespace {

using namespace std::chrono_literals;
using test::Lines;
using test::read_errors;

TEST_CASE("global.series_labels: absent or empty is the default, {} is none", "[config][rules]") {
  CHECK_FALSE(config::load_string("global: {}\n").config.global.series_labels.has_value());
  CHECK_FALSE(
      config::load_string("global:\n  series_labels:\n").config.global.series_labels.has_value());
  const auto none = config::load_string("global:\n  series_labels: {}\n");
  REQUIRE(none.ok());
  CHECK(none.config.global.series_labels == core::LabelPairs{});
  const auto r = config::load_string("global:\n  series_labels: {b: '2', a: '1'}\n");
  CHECK(r.config.global.series_labels == core::LabelPairs{{"a", "1"}, {"b", "2"}});
}

TEST_CASE("read_global: label names and values are checked, each error at its key",
          "[config][rules]") {
  core::GlobalOptions g;
  const auto lines = read_errors(
      "external_labels: {1a: x, __r: y, e: '', ok: v}\nseries_labels: [a]\nother: 1\n",
      [&](config::Reader& r, const YAML::Node& n) { config::read_global(r, n, "global", g); });
  CHECK(lines ==
        Lines{"f.yaml:1:19: global.external_labels: invalid label name \"1a\"",
              "f.yaml:1:26: global.external_labels: label name \"__r\" is reserved (starts with "
              "\"__\")",
              "f.yaml:1:37: global.external_labels.e: expected a non-empty label value, got \"\"",
              "f.yaml:2:16: global.series_labels: expected a map of label names to values, got a "
              "list",
              "f.yaml:3:1: global: unknown key \"other\"; expected one of: series_labels, "
              "external_labels"});
  CHECK(g.external_labels.empty());  // one bad label: none are taken

  const auto twice = read_errors(
      "external_labels: {a: x, a: y}\n",
      [&](config::Reader& r, const YAML::Node& n) { config::read_global(r, n, "global", g); });
  CHECK(twice == Lines{"f.yaml:1:25: global.external_labels: label \"a\" given twice"});

  REQUIRE(read_errors("external_labels: {z: '1', a: '2'}\n", [&](config::Reader& r,
                                                                 const YAML::Node& n) {
            config::read_global(r, n, "global", g);
          }).empty());
  CHECK(g.external_labels == core::LabelPairs{{"a", "2"}, {"z", "1"}});  // sorted by name
}

TEST_CASE("read_rules: files, intervals and the state file", "[config][rules]") {
  rules::RulesOptions o;
  REQUIRE(read_errors(
              "files: [/etc/a.yml, '/etc/r/*.yml']\nevaluation_interval: 30s\n"
              "max_history_series: 5\nstate_file: /var/lib/s.json\n",
              [&](config::Reader& r, const YAML::Node& n) { config::read_rules(r, n, "rules", o); })
              .empty());
  CHECK(o.files == std::vector<std::string>{"/etc/a.yml", "/etc/r/*.yml"});
  CHECK(o.evaluation_interval == 30s);
  CHECK(o.max_history_series == 5);
  CHECK(o.state_file == "/var/lib/s.json");

  const auto bad = read_errors(
      "files: [/a, '']\nevaluation_interval: 500ms\nresend_delay: 25h\n",
      [&](config::Reader& r, const YAML::Node& n) { config::read_rules(r, n, "rules", o); });
  CHECK(bad == Lines{"f.yaml:1:13: rules.files: expected a path or glob, got \"\"",
                     "f.yaml:2:22: rules.evaluation_interval: must be at least 1s, got 500ms",
                     "f.yaml:3:15: rules.resend_delay: must be at most 1d, got 1d1h"});
  CHECK(o.files == std::vector<std::string>{"/etc/a.yml", "/etc/r/*.yml"});  // kept
  const auto scalar = read_errors("files: /a\n", [&](config::Reader& r, const YAML::Node& n) {
    config::read_rules(r, n, "rules", o);
  });
  CHECK(scalar == Lines{"f.yaml:1:8: rules.files: expected a list of paths or globs, got \"/a\""});
}

}  // namespace
