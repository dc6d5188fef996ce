// Plain structures of a Prometheus rule file (rulefmt at Prometheus 2.42), as lib/config reads
// them from YAML. Every value keeps its position in the file, so lib/rules can report problems
// where promtool does. Nothing here validates: lib/rules/rule_file.hpp does (check_rule_file).
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

namespace sonde::rules {

/// A position in the YAML file: 1-based line and column; {0, 0} when the key is absent (promtool
/// prints such a position as "0:0").
struct SpecPos {
  int line = 0;
  int column = 0;
  bool operator==(const SpecPos&) const = default;
};

/// A YAML value read as text. For `record`, `alert` and `expr` a non-scalar (a list, a map) gives
/// an empty value at its position, as Prometheus reads these keys as raw YAML nodes.
struct SpecText {
  std::string value;
  SpecPos pos;
  bool operator==(const SpecText&) const = default;
};

/// One entry of `labels` or `annotations`, in file order.
struct SpecPair {
  SpecText name;
  SpecText value;
  bool operator==(const SpecPair&) const = default;
};

struct RuleSpec {
  SpecPos pos;  // the rule's map (the `- ` item)
  SpecText record;
  SpecText alert;
  SpecText expr;
  std::chrono::milliseconds for_duration{0};
  std::chrono::milliseconds keep_firing_for{0};
  std::vector<SpecPair> labels;
  std::vector<SpecPair> annotations;
  bool operator==(const RuleSpec&) const = default;
};

struct GroupSpec {
  SpecPos pos;  // the group's map (the `- ` item)
  SpecText name;
  std::chrono::milliseconds interval{0};  // 0: the global evaluation interval
  std::int64_t limit = 0;                 // 0: no limit
  std::vector<RuleSpec> rules;
  bool operator==(const GroupSpec&) const = default;
};

struct RuleFileSpec {
  std::vector<GroupSpec> groups;
  bool operator==(const RuleFileSpec&) const = default;
};

/// What reading the YAML found wrong, worded as Prometheus 2.42's YAML decoder (yaml.v3) words it.
/// `unmarshal` problems are collected and reported together ("yaml: unmarshal errors:" then
/// "  line N: ..."); any other problem (YAML syntax, a bad duration) stops the reading.
struct YamlProblem {
  int line = 0;  // 1-based; 0 when unknown
  int column = 0;
  std::string message;  // "field foo not found in type rulefmt.RuleNode", "empty duration string"
  bool unmarshal = false;
  bool operator==(const YamlProblem&) const = default;
};

/// A rule file as read: the structures (meaningful only when `problems` is empty) and the
/// problems in the order promtool reports them. promtool decodes a file twice (once into the
/// typed structures, once into raw nodes); problems of the second pass are in `second_pass`.
struct RuleFileRead {
  RuleFileSpec spec;
  std::vector<YamlProblem> problems;
  std::vector<YamlProblem> second_pass;
  bool ok() const { return problems.empty() && second_pass.empty(); }
};

}  // namespace sonde::rules
