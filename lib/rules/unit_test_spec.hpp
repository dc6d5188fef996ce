// Plain structures of a rule unit-test file (`promtool test rules` at Prometheus 2.42,
// cmd/promtool/unittest.go), as lib/config reads them from YAML. lib/rules/unit_test.hpp runs
// them. Durations are milliseconds; absent keys are Go's zero values.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace sonde::rules {

/// Name/value pairs in file order (a YAML map of strings: exp_labels, external_labels, ...).
using SpecStringMap = std::vector<std::pair<std::string, std::string>>;

/// One `input_series` item: the series selector and its values in the expanding notation, as
/// written (parsed by the runner, as promtool parses them when a test group starts).
struct UnitTestSeries {
  std::string series;
  std::string values;
  bool operator==(const UnitTestSeries&) const = default;
};

/// One `exp_alerts` item.
struct UnitTestExpAlert {
  SpecStringMap exp_labels;
  SpecStringMap exp_annotations;
  bool operator==(const UnitTestExpAlert&) const = default;
};

/// One `alert_rule_test` item.
struct UnitTestAlertCase {
  std::int64_t eval_time_ms = 0;
  std::string alertname;
  std::vector<UnitTestExpAlert> exp_alerts;
  bool operator==(const UnitTestAlertCase&) const = default;
};

/// One `exp_samples` item: `labels` in the series notation (`name{a="b"}`), and the value.
struct UnitTestSample {
  std::string labels;
  double value = 0;
  bool operator==(const UnitTestSample&) const = default;
};

/// One `promql_expr_test` item.
struct UnitTestExprCase {
  std::string expr;
  std::int64_t eval_time_ms = 0;
  std::vector<UnitTestSample> exp_samples;
  bool operator==(const UnitTestExprCase&) const = default;
};

/// One item of `tests`.
struct UnitTestGroup {
  std::int64_t interval_ms = 0;  // 0 when absent: every input sample is at time 0 (as in 2.42)
  std::vector<UnitTestSeries> input_series;
  std::vector<UnitTestAlertCase> alert_rule_test;
  std::vector<UnitTestExprCase> promql_expr_test;
  SpecStringMap external_labels;
  std::string external_url;
  std::string name;
  bool operator==(const UnitTestGroup&) const = default;
};

/// A whole test file.
struct UnitTestFileSpec {
  std::vector<std::string> rule_files;      // as written (relative to the test file's directory)
  std::int64_t evaluation_interval_ms = 0;  // 0 when absent: the runner uses 1m
  std::vector<std::string> group_eval_order;
  std::vector<UnitTestGroup> tests;
  bool operator==(const UnitTestFileSpec&) const = default;
};

/// A test file as read: the structures, or the error promtool prints for it (yaml.v2's
/// UnmarshalStrict wording: "yaml: unmarshal errors:\n  line 5: field foo not found in type
/// main.testGroup", "not a valid duration string: \"5x\"", "yaml: line 3: ...").
struct UnitTestFileRead {
  UnitTestFileSpec spec;
  std::optional<std::string> error;
};

}  // namespace sonde::rules
