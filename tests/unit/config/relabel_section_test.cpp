#include "config/relabel_section.hpp"

#include <catch2/catch.hpp>

#include "read_errors.hpp"

using namespace sonde;
using test::Lines;
using test::read_errors;

namespace {

std::vector<core::RelabelConfig> configs;

Lines read(const std::string& yaml) {
  configs.clear();
  return read_errors(yaml, [](config::Reader& r, const YAML::Node& n) {
    config::read_relabel_configs(r, n, "rw", "write_relabel_configs", configs);
  });
}

TEST_CASE("read_relabel_configs reads each field", "[config][relabel]") {
  REQUIRE(read("write_relabel_configs:\n"
               "- {source_labels: [a, b], separator: '-', regex: 'x(.*)', target_label: t,\n"
               "   replacement: '$1', action: replace}\n"
               "- {source_labels: [a], modulus: 4, target_label: h, action: hashmod}\n")
              .empty());
  REQUIRE(configs.size() == 2);
  CHECK(configs[0].source_labels == std::vector<std::string>{"a", "b"});
  CHECK(configs[0].separator == "-");
  CHECK(configs[0].target_label == "t");
  CHECK(configs[0].replacement == "$1");
  CHECK(configs[0].action == core::RelabelAction::replace);
  CHECK(configs[1].modulus == 4);
  CHECK(configs[1].action == core::RelabelAction::hashmod);
  CHECK(read("").empty());
  CHECK(configs.empty());
}

TEST_CASE("read_relabel_configs: a config Prometheus would refuse is refused",
          "[config][relabel]") {
  CHECK(read("write_relabel_configs:\n- {source_labels: [a]}\n") ==
        Lines{"f.yaml:2:3: rw.write_relabel_configs[0]: relabel configuration for replace action "
              "requires 'target_label' value"});
}

TEST_CASE("read_relabel_configs: each error at its line and column", "[config][relabel]") {
  CHECK(read("write_relabel_configs: {a: 1}\n") ==
        Lines{"f.yaml:1:24: rw.write_relabel_configs: expected a list of relabel configs, got a "
              "map"});
  CHECK(read("write_relabel_configs:\n- source_labels: [a, '1x']\n  action: keep\n") ==
        Lines{"f.yaml:2:22: rw.write_relabel_configs[0].source_labels: expected a label name, got "
              "\"1x\""});
  CHECK(read("write_relabel_configs:\n- source_labels: a\n  action: keep\n") ==
        Lines{"f.yaml:2:18: rw.write_relabel_configs[0].source_labels: expected a list of label "
              "names, got \"a\""});
  const auto action = read("write_relabel_configs:\n- {action: frob}\n");
  REQUIRE(action.size() == 1);
  CHECK_THAT(action[0], Catch::StartsWith("f.yaml:2:12: rw.write_relabel_configs[0].action: "));
  const auto bogus = read("write_relabel_configs:\n- {bogus: 1, action: keep}\n");
  REQUIRE(bogus.size() == 1);
  CHECK_THAT(bogus[0], Catch::StartsWith("f.yaml:2:4: rw.write_relabel_configs[0]: unknown key "
                                         "\"bogus\"; expected one of: source_labels, "));
}

}  // namespace
