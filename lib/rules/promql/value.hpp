// PromQL's values: label sets, samples, series, and the four result types (scalar, string,
// instant vector, range vector), with Prometheus's printing and staleness marker.
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <initializer_list>
#include <memory>
#include <span>
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
/// Copies share one immutable list (and its precomputed hashes), so passing label sets between
/// steps and operators costs a reference count, not an allocation; changes copy on write.
/// Dropping `__name__` when it is the first label (as it is unless a name sorts before it) makes
/// a view of the same list without it: no allocation (operators and functions drop it for
/// every series they return).
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

  std::span<const Label> list() const {
    if (!p_) return {};
    std::span<const Label> all(p_->v);
    return skip_name_ ? all.subspan(1) : all;
  }
  std::size_t size() const { return list().size(); }
  bool empty() const { return !p_; }
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
  std::uint64_t hash() const {
    return p_ ? (skip_name_ ? p_->hash_without_name : p_->hash) : empty_hash();
  }
  /// Hash of only the labels named in `names` (sorted) or, with `without`, of all but those
  /// (and never the metric name when `without`).
  std::uint64_t hash_for(const std::vector<std::string>& names, bool without) const;

  /// `{__name__="up", job="x"}`, as Prometheus's labels.Labels.String().
  std::string to_string() const;

  bool operator==(const Labels& o) const {
    if (p_ == o.p_ && skip_name_ == o.skip_name_) return true;
    if (hash() != o.hash()) return false;
    const auto a = list(), b = o.list();
    return std::equal(a.begin(), a.end(), b.begin(), b.end());
  }
  /// Prometheus's labels.Compare order.
  friend bool operator<(const Labels& a, const Labels& b);

 private:
  struct Rep {
    std::vector<Label> v;
    std::uint64_t hash;
    std::uint64_t hash_without_name;  // of v[1..] when v[0] is __name__
  };
  std::shared_ptr<const Rep> p_;  // null: the empty set
  bool skip_name_ = false;        // a view of p_'s list without its first label, __name__
  void reset(std::vector<Label> v);
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

/// A series' points in time order: the first one inline (an instant evaluation gives every
/// series one point: no allocation), more on the heap.
class Points {
 public:
  Points() = default;
  Points(std::initializer_list<Point> l) {
    reserve(l.size());
    for (const auto& p : l) push_back(p);
  }
  Points(const Points& o) { *this = o; }
  Points(Points&& o) noexcept { *this = std::move(o); }
  Points& operator=(const Points& o) {
    if (this == &o) return *this;
    clear();
    reserve(o.size_);
    std::copy(o.begin(), o.end(), data());
    size_ = o.size_;
    return *this;
  }
  Points& operator=(Points&& o) noexcept {
    if (this == &o) return *this;
    delete[] heap_;
    heap_ = o.heap_;
    cap_ = o.cap_;
    size_ = o.size_;
    one_ = o.one_;
    o.heap_ = nullptr;
    o.cap_ = 1;
    o.size_ = 0;
    return *this;
  }
  ~Points() { delete[] heap_; }

  Point* data() { return heap_ ? heap_ : &one_; }
  const Point* data() const { return heap_ ? heap_ : &one_; }
  std::size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  const Point* begin() const { return data(); }
  const Point* end() const { return data() + size_; }
  Point* begin() { return data(); }
  Point* end() { return data() + size_; }
  const Point& operator[](std::size_t i) const { return data()[i]; }
  Point& operator[](std::size_t i) { return data()[i]; }
  const Point& front() const { return data()[0]; }
  const Point& back() const { return data()[size_ - 1]; }
  void clear() { size_ = 0; }
  void reserve(std::size_t n) {
    if (n <= cap_) return;
    auto* p = new Point[n];
    std::copy(begin(), end(), p);
    delete[] heap_;
    heap_ = p;
    cap_ = n;
  }
  void push_back(const Point& p) {
    if (size_ == cap_) reserve(cap_ * 2);
    data()[size_++] = p;
  }
  operator std::span<const Point>() const { return {data(), size_}; }

 private:
  Point* heap_ = nullptr;  // null: the capacity is one_
  std::size_t size_ = 0;
  std::size_t cap_ = 1;
  Point one_;
};

/// One element of a range vector (or a range query's result).
struct Series {
  Labels metric;
  Points points;
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
