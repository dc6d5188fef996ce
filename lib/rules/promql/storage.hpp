// What the PromQL engine reads: series selected by label matchers over a time range. No clock:
// every call names its time range. MemoryStorage is the in-memory implementation used by the
// rule history, the tests and the benchmarks.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/regex.hpp"
#include "core/result.hpp"
#include "rules/promql/value.hpp"

namespace sonde::rules::promql {

enum class MatchType { equal, not_equal, regex, not_regex };

/// One label matcher. Regex matchers are anchored as Prometheus anchors them (`^(?:re)$`).
struct Matcher {
  MatchType type = MatchType::equal;
  std::string name;
  std::string value;
  std::optional<core::Regex> re;  // for regex and not_regex

  /// Builds a matcher, compiling the regex (RE2 with a bounded memory budget).
  static core::Result<Matcher> make(MatchType type, std::string name, std::string value);
  bool matches(std::string_view v) const;
  /// `name="value"` with the operator and Go's %q quoting, as Prometheus prints matchers.
  std::string to_string() const;
};

/// One selected series: its labels and its samples in time order, viewed in the storage's memory.
/// Valid until the storage is next modified.
struct SeriesView {
  const Labels* labels = nullptr;
  std::span<const Point> samples;
  std::uint64_t hash = 0;  // labels->hash(), precomputed
  /// The labels without __name__, when the storage keeps them (else null: callers derive them).
  const Labels* labels_without_name = nullptr;
};

class Storage {
 public:
  virtual ~Storage() = default;
  /// Every series matching all `matchers`, with its samples in [mint_ms, maxt_ms], sorted by
  /// labels. Series with no sample in range may be left out.
  virtual std::vector<SeriesView> select(const std::vector<Matcher>& matchers, std::int64_t mint_ms,
                                         std::int64_t maxt_ms) const = 0;
  /// As select, for a caller that reads only each series' last sample in [mint_ms, maxt_ms] (an
  /// instant selector evaluated at one time): a storage may return just that sample of each
  /// series. By default, what select returns.
  virtual std::vector<SeriesView> select_latest(const std::vector<Matcher>& matchers,
                                                std::int64_t mint_ms, std::int64_t maxt_ms) const {
    return select(matchers, mint_ms, maxt_ms);
  }
};

/// Series in memory: an index by metric name and one contiguous sample vector per series.
class MemoryStorage final : public Storage {
 public:
  /// Appends a sample (t must not be older than the series' last one; an equal t replaces it).
  /// Staleness markers are stored as they are (stale_nan()).
  void append(const Labels& labels, std::int64_t t_ms, double v);
  /// Appends to a series found earlier with `series_id`.
  std::size_t series_id(const Labels& labels);
  void append(std::size_t id, std::int64_t t_ms, double v);
  /// Drops samples older than `mint_ms` and series left empty.
  void trim_before(std::int64_t mint_ms);
  void clear();
  std::size_t series_count() const { return series_.size(); }
  std::size_t sample_count() const;

  std::vector<SeriesView> select(const std::vector<Matcher>& matchers, std::int64_t mint_ms,
                                 std::int64_t maxt_ms) const override;

 private:
  struct Entry {
    Labels labels;
    std::uint64_t hash = 0;
    std::vector<Point> samples;
    Labels without_name;
  };
  std::vector<Entry> series_;
  std::unordered_map<std::uint64_t, std::vector<std::size_t>> by_hash_;
  // Series ids per metric name, kept in label order (select returns sorted series).
  std::unordered_map<std::string, std::vector<std::size_t>> by_name_;
  std::vector<std::size_t> all_;  // every id, in label order
  void insert_sorted(std::vector<std::size_t>& ids, std::size_t id);
};

}  // namespace sonde::rules::promql
