// The aggregator's series and families, internal to lib/ingest: the hot path (aggregator.cpp),
// the series registry (series_registry.cpp), events and service checks (events.cpp) and the
// snapshot (snapshot.cpp) share them. Beside them, the pure functions on names and labels that
// those files need (series.cpp).
#pragma once

#include <atomic>
#include <cmath>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "core/metrics.hpp"
#include "ingest/aggregator.hpp"
#include "ingest/ptr_table.hpp"

namespace sonde::ingest {

struct SummaryState {
  struct Obs {
    std::int64_t ns;
    double value;
    double weight;
  };
  std::mutex mu;
  std::deque<Obs> window;
  double sum = 0;
  double count = 0;
};

/// Hashes std::string and std::string_view alike, so a set looks a line's value up without
/// copying it into a string (heterogeneous lookup).
struct TransparentStringHash {
  using is_transparent = void;
  std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
};

struct SetState {
  std::mutex mu;
  // value -> last seen (steady ns)
  std::unordered_map<std::string, std::int64_t, TransparentStringHash, std::equal_to<>> seen;
};

/// What only histograms, summaries and sets need (a counter or gauge series has none).
struct SeriesExtra {
  // Histogram upper bounds, without +Inf; shared with the family, which a worker may outlive.
  std::shared_ptr<const std::vector<double>> bounds;
  std::vector<std::string> sample_texts;  // histograms, summaries: every sample's rendered text
  std::unique_ptr<std::atomic<double>[]> cells;  // histogram: buckets..., +Inf, sum, count
  std::unique_ptr<SummaryState> summary;
  std::unique_ptr<SetState> set;
};

/// One live series: one allocation, its rendered text and the raw key it was first seen under
/// stored after it. Reference-counted by hand (SeriesRef): its family holds one reference until
/// it expires, every worker that caches it one more.
class Series {
 public:
  /// A new series with one reference (the caller's).
  static Series* create(SeriesKind kind, std::string_view text, std::string_view raw,
                        KeyInfo info = {});
  Series(const Series&) = delete;
  Series& operator=(const Series&) = delete;

  void retain() { refs_.fetch_add(1, std::memory_order_relaxed); }
  void release();

  /// name{labels}: the canonical identity and, for counters, gauges and sets, the rendered
  /// series.
  std::string_view text() const { return {chars(), text_size_}; }
  /// The worker key (name|type|tags, after the origin) the series was registered from; empty
  /// for events and service checks.
  std::string_view raw() const { return {chars() + text_size_, raw_size_}; }
  /// What raw() says (when it is a cacheable key; its sample rate is then 1).
  KeyInfo info() const { return info_; }

  std::atomic<double> value{0};
  std::atomic<std::int64_t> last_ns{0};
  std::int64_t ttl_ns = 0;
  double scale = 1;
  std::unique_ptr<SeriesExtra> extra;  // histograms, summaries, sets
  const SeriesKind kind;
  std::atomic<bool> expired{false};

 private:
  Series(SeriesKind k, std::uint32_t text_size, std::uint32_t raw_size, KeyInfo info)
      : kind(k), info_(info), text_size_(text_size), raw_size_(raw_size) {}
  ~Series() = default;
  const char* chars() const { return reinterpret_cast<const char*>(this + 1); }

  const KeyInfo info_;  // in what would be padding
  std::atomic<std::uint32_t> refs_{1};
  const std::uint32_t text_size_;
  const std::uint32_t raw_size_;
};

/// An owning reference to a Series (null or one reference).
class SeriesRef {
 public:
  SeriesRef() = default;
  /// Adopts the reference `s` carries.
  explicit SeriesRef(Series* s) : s_(s) {}
  SeriesRef(const SeriesRef& o) : s_(o.s_) {
    if (s_) s_->retain();
  }
  SeriesRef(SeriesRef&& o) noexcept : s_(std::exchange(o.s_, nullptr)) {}
  SeriesRef& operator=(SeriesRef o) noexcept {
    std::swap(s_, o.s_);
    return *this;
  }
  ~SeriesRef() {
    if (s_) s_->release();
  }
  Series* get() const { return s_; }
  Series* operator->() const { return s_; }
  Series& operator*() const { return *s_; }
  /// Gives up the reference without releasing it.
  Series* leak() { return std::exchange(s_, nullptr); }

 private:
  Series* s_ = nullptr;
};

/// A worker's key for a series registered under other bytes (another tag order, another
/// sample rate, another worker's origin prefix): the key stored after it, what the key says,
/// and one reference to the series.
class KeyAlias {
 public:
  /// Takes over the reference `series` carries.
  static KeyAlias* create(std::string_view key, Series* series, KeyInfo info = {},
                          double sample_rate = 1);
  static void destroy(KeyAlias* a);
  std::string_view key() const { return {reinterpret_cast<const char*>(this + 1), size_}; }
  Series* const series;
  const double sample_rate;
  const KeyInfo info;

 private:
  KeyAlias(Series* s, std::uint32_t size, KeyInfo i, double rate)
      : series(s), sample_rate(rate), info(i), size_(size) {}
  const std::uint32_t size_;
};

/// A family's series by text (the table holds one reference each).
struct SeriesByText {
  static std::uint64_t hash(std::uintptr_t v) {
    return hash_bytes(reinterpret_cast<const Series*>(v)->text());
  }
};

struct FamilyState {
  std::string name;
  std::string help;
  SeriesKind kind = SeriesKind::gauge;
  // Histogram upper bounds, without +Inf; shared with the family's series.
  std::shared_ptr<const std::vector<double>> bounds;
  std::vector<double> quantiles;   // summary
  std::int64_t max_age_ns = 0;     // summary window
  std::vector<std::string> names;  // every name this family exposes (held in names_)
  PtrTable<SeriesByText> series;   // Series*, one reference each
  FamilyState() = default;
  FamilyState(const FamilyState&) = delete;
  FamilyState& operator=(const FamilyState&) = delete;
  ~FamilyState();
};

using Labels = std::vector<std::pair<std::string, std::string>>;

/// True when a counter's name already ends in `_total` after a base name of its own (the one
/// definition: a name that is only `_total` has no base name, so it does not count).
bool has_total_suffix(std::string_view name);
/// The exposition type of a series kind (sets are gauges).
core::MetricType metric_type(SeriesKind k);
/// Every name a family of this kind takes in the exposition (so no other family may use one).
std::vector<std::string> exposed_names(const std::string& name, SeriesKind k);
/// name{labels}, plus one more label when `extra_name` is not empty (`le`, `quantile`).
std::string render(std::string_view name, const Labels& labels, std::string_view extra_name = {},
                   std::string_view extra_value = {});
/// A bucket bound or quantile as a label value, as Prometheus's client libraries print it.
std::string format_bound(double v);
/// The line as it may appear in a log: shortened, control and non-ASCII bytes as \xNN.
std::string printable(std::string_view line);
/// The series kind of a DogStatsD type (timers, histograms and distributions by the observer).
SeriesKind kind_for(MetricKind k, ingest::ObserverType observer);

inline void add_atomic(std::atomic<double>& a, double v) {
  a.fetch_add(v, std::memory_order_relaxed);
}

/// True when finite inputs gave a result that is not (a float64 overflow: +-Inf, or NaN from
/// Inf - Inf), which ingest drops rather than publish.
inline bool overflowed(double in, double out) { return std::isfinite(in) && !std::isfinite(out); }

/// Adds `v` unless a finite value and a finite `v` would sum to +-Inf: false then, and `a` keeps
/// its value.
[[gnu::always_inline]] inline bool add_atomic_finite(std::atomic<double>& a, double v) {
  double old = a.load(std::memory_order_relaxed);
  while (true) {
    const double next = old + v;
    if (std::isfinite(old) && overflowed(v, next)) return false;
    if (a.compare_exchange_weak(old, next, std::memory_order_relaxed)) return true;
  }
}

}  // namespace sonde::ingest
