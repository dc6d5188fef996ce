// statsd_exporter-compatible mapping rules: turn a StatsD name (and its type) into a Prometheus
// name, labels and observer settings. lib/config reads the mapping file into a MappingSpec
// (ingest/mapping_spec.hpp); Mapper::compile turns it into matchers (core::Regex, RE2).
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/regex.hpp"
#include "core/result.hpp"
#include "ingest/dogstatsd.hpp"
#include "ingest/mapping_spec.hpp"

namespace sonde::ingest {

/// A compiled rule: what the file says, and its matcher.
struct MappingRule : MappingRuleSpec {
  core::Regex re;                // globs: anchored; regexes: searched anywhere, as Go's FindString
  std::vector<bool> glob_shape;  // per '.'-component: true where it holds a '*'
};

/// What a rule made of a name.
struct MappingResult {
  const MappingRule* rule = nullptr;  // the rule that matched
  std::string name;                   // expanded; may still need sanitizing
  std::vector<std::pair<std::string, std::string>> labels;
};

/// Immutable once compiled; map() is thread-safe.
class Mapper {
 public:
  Mapper() = default;

  /// Compiles every rule of `spec`. A regex that RE2 does not compile is an error at its match
  /// (file:line:column), as every error of the file.
  static core::Result<Mapper, core::Errors> compile(MappingSpec spec);

  /// The rule for `name` and its kind, as statsd_exporter picks it: glob rules first (in file
  /// order, or most specific first with glob_disable_ordering), then regex rules in file order.
  std::optional<MappingResult> map(std::string_view name, MetricKind kind) const;

  const MappingDefaults& defaults() const { return spec_.defaults; }
  std::size_t size() const { return rules_.size(); }
  /// What was compiled: two mappers of equal specs map every name alike.
  const MappingSpec& spec() const { return spec_; }
  /// One warning naming the keys accepted but unused, or nullopt.
  std::optional<std::string> warning() const;

 private:
  MappingSpec spec_;  // its rules are in rules_
  std::vector<MappingRule> rules_;
  std::vector<std::size_t> glob_order_;   // indices of glob rules, in matching order
  std::vector<std::size_t> regex_order_;  // indices of regex rules, in file order
};

/// Go's regexp.Expand on captures (`groups[0]` the whole match): `$1`, `${1}`, `$$`; `$name`
/// takes the longest run of [A-Za-z0-9_] (so `$1_x` names group "1_x", empty, as in Go).
std::string expand_template(std::string_view tmpl, std::span<const std::string_view> groups);

}  // namespace sonde::ingest
