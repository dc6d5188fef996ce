// The aggregator's series and families, internal to lib/ingest: the hot path (aggregator.cpp),
// the series registry (series_registry.cpp), events and service checks (events.cpp) and the
// snapshot (snapshot.cpp) share them. Beside them, the pure functions on names and labels that
// those files need (series.cpp).
#pragma once

#include <atomic>
#include <cmath>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "core/metrics.hpp"
#include "ingest/aggregator.hpp"

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

struct SetState {
  std::mutex mu;
  std::unordered_map<std::string, std::int64_t> seen;  // value -> last seen (steady ns)
};

struct FamilyState {
  std::string name;
  std::string help;
  SeriesKind kind = SeriesKind::gauge;
  // Histogram upper bounds, without +Inf; shared with the family's series, which a worker may
  // still update after the family is gone (expired under it).
  std::shared_ptr<const std::vector<double>> bounds;
  std::vector<double> quantiles;   // summary
  std::int64_t max_age_ns = 0;     // summary window
  std::vector<std::string> names;  // every name this family exposes (held in names_)
  std::unordered_map<std::string_view, std::shared_ptr<Series>> series;  // by Series::text
};

struct Series {
  std::shared_ptr<const std::vector<double>> bounds;  // histograms
  SeriesKind kind = SeriesKind::gauge;
  double scale = 1;
  std::int64_t ttl_ns = 0;
  std::string text;                       // name{labels}: the canonical identity and, for counters,
                                          // gauges and sets, the rendered series
  std::vector<std::string> sample_texts;  // histograms, summaries: every sample's rendered text
  std::atomic<double> value{0};
  std::atomic<std::int64_t> last_ns{0};
  std::atomic<bool> expired{false};
  std::unique_ptr<std::atomic<double>[]> cells;  // histogram: buckets..., +Inf, sum, count
  std::unique_ptr<SummaryState> summary;
  std::unique_ptr<SetState> set;
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
inline bool add_atomic_finite(std::atomic<double>& a, double v) {
  double old = a.load(std::memory_order_relaxed);
  while (true) {
    const double next = old + v;
    if (std::isfinite(old) && overflowed(v, next)) return false;
    if (a.compare_exchange_weak(old, next, std::memory_order_relaxed)) return true;
  }
}

}  // namespace sonde::ingest
