// statsd_exporter-compatible mapping rules: turn a StatsD name (and its type) into a Prometheus
// name, labels and observer settings. Loaded from statsd_exporter's mapping file format
// (https://github.com/prometheus/statsd_exporter#metric-mapping-and-configuration), strictly:
// every key sonde does not implement is a load error naming it, except the native-histogram and
// summary-tuning keys, which the text exposition cannot use (one warning).
#pragma once

#include <chrono>
#include <filesystem>
#include <optional>
#include <regex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/options_ingest.hpp"
#include "core/result.hpp"
#include "ingest/dogstatsd.hpp"

namespace sonde::ingest {

enum class MatchType : std::uint8_t { glob, regex };
enum class MetricTypeMatch : std::uint8_t { any, counter, gauge, observer };

struct ObserverSettings {
  std::optional<core::ObserverType> observer_type;
  std::optional<std::vector<double>> buckets;
  std::optional<std::vector<double>> quantiles;
  std::optional<std::chrono::milliseconds> max_age;
};

struct MappingRule {
  std::string match;
  MatchType match_type = MatchType::glob;
  std::regex re;
  std::vector<bool> glob_shape;  // per '.'-component: true where it holds a '*'
  std::string name;              // template ($1, ${1})
  std::vector<std::pair<std::string, std::string>> labels;  // label name -> template
  ObserverSettings observer;
  std::optional<std::chrono::milliseconds> ttl;
  bool drop = false;
  MetricTypeMatch metric_type = MetricTypeMatch::any;
  std::string help;
  std::optional<double> scale;
  int line = 0;
};

struct MappingDefaults {
  ObserverSettings observer;
  std::optional<std::chrono::milliseconds> ttl;
  MatchType match_type = MatchType::glob;
  bool glob_disable_ordering = false;
};

/// What a rule made of a name.
struct MappingResult {
  const MappingRule* rule = nullptr;  // the rule that matched
  std::string name;                   // expanded; may still need sanitizing
  std::vector<std::pair<std::string, std::string>> labels;
};

/// Immutable once loaded; map() is thread-safe.
class Mapper {
 public:
  Mapper() = default;

  /// Loads a mapping file. Errors read "file:line:column: path: message"; warnings (for keys
  /// accepted but unused) are appended to `warnings`.
  static core::Result<Mapper> load_file(const std::filesystem::path& path,
                                        std::vector<std::string>& warnings);
  static core::Result<Mapper> load_string(std::string_view yaml, std::string_view name,
                                          std::vector<std::string>& warnings);

  /// The rule for `name` and its kind, as statsd_exporter picks it: glob rules first (in file
  /// order, or most specific first with glob_disable_ordering), then regex rules in file order.
  std::optional<MappingResult> map(std::string_view name, MetricKind kind) const;

  const MappingDefaults& defaults() const { return defaults_; }
  std::size_t size() const { return rules_.size(); }

 private:
  MappingDefaults defaults_;
  std::vector<MappingRule> rules_;
  std::vector<std::size_t> glob_order_;   // indices of glob rules, in matching order
  std::vector<std::size_t> regex_order_;  // indices of regex rules, in file order
};

/// Go's regexp.Expand on captures: `$1`, `${1}`, `$$`; `$name` takes the longest run of
/// [A-Za-z0-9_] (so `$1_x` names group "1_x", empty, as in Go).
std::string expand_template(std::string_view tmpl, const std::smatch& m);

/// Parses a Go duration ("5m", "1h30m", "250ms", "0"); nullopt on bad syntax.
std::optional<std::chrono::milliseconds> parse_go_duration(std::string_view s);

}  // namespace sonde::ingest
