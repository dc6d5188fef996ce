// A statsd_exporter mapping file (https://github.com/prometheus/statsd_exporter#metric-mapping-
// and-configuration) as plain data: lib/config reads the YAML into it (strictly, with
// file:line:column errors), and ingest::Mapper compiles it (globs and regexes). Header-only.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "ingest/options.hpp"

namespace sonde::ingest {

enum class MatchType : std::uint8_t { glob, regex };
enum class MetricTypeMatch : std::uint8_t { any, counter, gauge, observer };

struct ObserverSettings {
  std::optional<ObserverType> observer_type;
  std::optional<std::vector<double>> buckets;
  std::optional<std::vector<double>> quantiles;
  std::optional<std::chrono::milliseconds> max_age;
  bool operator==(const ObserverSettings&) const = default;
};

/// Where a value stood in the file, for an error found only when it is compiled.
struct SpecPosition {
  int line = 0;  // 1-based; 0 when unknown
  int column = 0;
  std::string path;  // "mappings[3].match"
  bool operator==(const SpecPosition&) const = default;
};

struct MappingRuleSpec {
  std::string match;  // a glob ('*' matches within one '.'-component) or a regex (RE2 syntax)
  SpecPosition match_at;
  MatchType match_type = MatchType::glob;
  std::string name;                                         // template ($1, ${1})
  std::vector<std::pair<std::string, std::string>> labels;  // label name -> template
  ObserverSettings observer;
  std::optional<std::chrono::milliseconds> ttl;
  bool drop = false;
  MetricTypeMatch metric_type = MetricTypeMatch::any;
  std::string help;
  std::optional<double> scale;
  int line = 0;  // of the rule
  bool operator==(const MappingRuleSpec&) const = default;
};

struct MappingDefaults {
  ObserverSettings observer;
  std::optional<std::chrono::milliseconds> ttl;
  MatchType match_type = MatchType::glob;
  bool glob_disable_ordering = false;
  bool operator==(const MappingDefaults&) const = default;
};

struct MappingSpec {
  std::string file;  // as named in errors
  MappingDefaults defaults;
  std::vector<MappingRuleSpec> mappings;  // in file order
  /// Keys accepted but unused (native histograms, summary tuning: the text exposition cannot
  /// use them), sorted, each once.
  std::vector<std::string> ignored_keys;
  bool operator==(const MappingSpec&) const = default;
};

}  // namespace sonde::ingest
