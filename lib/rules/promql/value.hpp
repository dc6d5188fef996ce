// PromQL's values: label sets, samples, series, and the four result types (scalar, string,
// instant vector, range vector), with Prometheus's printing and staleness marker.
#pragma once

#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace sonde::rules::promql {

/// Prometheus's staleness marker: a NaN with this exact bit pattern (value.StaleNaN).
constexpr std::uint64_t kStaleNaNBits = 0x7ff0000000000002ULL;
double stale_nan();
inline bool is_stale_nan(double v) {
  std::uint64_t b;
  std::memcpy(&b, &v, sizeof b);
  return b == kStaleNaNBits;
}

struct Label {
  std::string name;
  std::string value;
  bool operator==(const Label&) const = default;
  auto operator<=>(const Label&) const = default;
};

/// A label set, sorted by name, names unique. The metric name is the label `__name__`.
/// Copies share one immutable list (and its precomputed hash), so passing label sets between
/// steps and operators costs a reference count, not an allocation; changes copy on write.
class Labels {
 public:
  Labels() = default;
  /// Sorts `labels` by name; a later duplicate name replaces an earlier one.
  explicit Labels(std::vector<Label> labels);
  static Labels from_sorted(std::vector<Label> labels) {
    Labels l;
    l.reset(std::move(labels));
    return l;
  }

  const std::vector<Label>& list() const { return p_ ? p_->v : empty_list(); }
  std::size_t size() const { return list().size(); }
  bool empty() const { return list().empty(); }
  auto begin() const { return list().begin(); }
  auto end() const { return list().end(); }

  /// The value of `name`, or "" when absent (as Prometheus's Labels.Get).
  std::string_view get(std::string_view name) const;
  bool has(std::string_view name) const;
  /// Sets (or with an empty value, removes) `name`.
  void set(std::string_view name, std::string_view value);
  void erase(std::string_view name);
  Labels without_name() const;

  /// 64-bit hash of the whole set (names and values), stable within a process. Precomputed.
  std::uint64_t hash() const { return p_ ? p_->hash : empty_hash(); }
  /// Hash of only the labels named in `names` (sorted) or, with `without`, of all but those
  /// (and never the metric name when `without`).
  std::uint64_t hash_for(const std::vector<std::string>& names, bool without) const;

  /// `{__name__="up", job="x"}`, as Prometheus's labels.Labels.String().
  std::string to_string() const;

  bool operator==(const Labels& o) const {
    return p_ == o.p_ || (hash() == o.hash() && list() == o.list());
  }
  /// Prometheus's labels.Compare order.
  friend bool operator<(const Labels& a, const Labels& b);

 private:
  struct Rep {
    std::vector<Label> v;
    std::uint64_t hash;
  };
  std::shared_ptr<const Rep> p_;  // null: the empty set
  void reset(std::vector<Label> v);
  static const std::vector<Label>& empty_list();
  static std::uint64_t empty_hash();
};

inline constexpr std::string_view kMetricName = "__name__";

struct Point {
  std::int64_t t = 0;  // milliseconds since the epoch
  double v = 0;
};

/// One element of an instant vector.
struct Sample {
  Labels metric;
  Point point;
};

/// One element of a range vector (or a range query's result).
struct Series {
  Labels metric;
  std::vector<Point> points;
};

struct Scalar {
  std::int64_t t = 0;
  double v = 0;
};
struct String {
  std::int64_t t = 0;
  std::string v;
};
using Vector = std::vector<Sample>;
using Matrix = std::vector<Series>;

/// A query's result.
using Value = std::variant<Scalar, String, Vector, Matrix>;

/// A float as Prometheus prints sample values (strconv.FormatFloat(v, 'g', -1, 64) with
/// "+Inf"/"-Inf"/"NaN").
std::string format_value(double v);

/// Prometheus's text form of a result (Value.String()), for diagnostics and tests.
std::string to_string(const Value& v);

}  // namespace sonde::rules::promql
