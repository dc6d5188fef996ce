#include "core/self_metrics.hpp"

#include <string>

#include "core/exposition.hpp"

namespace sonde::core {
namespace {

MetricType convert(prometheus::MetricType t) {
  switch (t) {
    case prometheus::MetricType::Counter:
      return MetricType::counter;
    case prometheus::MetricType::Gauge:
      return MetricType::gauge;
    case prometheus::MetricType::Histogram:
      return MetricType::histogram;
    case prometheus::MetricType::Summary:
      return MetricType::summary;
    default:
      return MetricType::untyped;
  }
}

// Writes name{labels...,extra="v"} (extra optional) into s, the sample's text.
void write_series(std::string& s, std::string_view name,
                  const std::vector<prometheus::ClientMetric::Label>& ls,
                  std::string_view extra_name = {}, double extra_value = 0) {
  s += name;
  if (ls.empty() && extra_name.empty()) return;
  s += '{';
  bool first = true;
  for (const auto& l : ls) {
    if (!first) s += ',';
    first = false;
    s += l.name;
    s += "=\"";
    append_escaped_label_value(s, l.value);
    s += '"';
  }
  if (!extra_name.empty()) {
    if (!first) s += ',';
    s += extra_name;
    s += "=\"";
    append_label_number(s, extra_value);
    s += '"';
  }
  s += '}';
}

}  // namespace

void append_prometheus_families(const std::vector<prometheus::MetricFamily>& families,
                                SnapshotBuilder& out) {
  std::string bucket, sum, count;
  for (const auto& f : families) {
    const MetricType t = convert(f.type);
    // Each sample's text is written into the builder's (recycled) string: a scrape of the
    // registry allocates no series text.
    const auto add = [&](double value) -> std::string& {
      return out.add_raw_text(f.name, t, f.help, value);
    };
    if (f.type == prometheus::MetricType::Histogram || f.type == prometheus::MetricType::Summary) {
      bucket.assign(f.name).append("_bucket");
      sum.assign(f.name).append("_sum");
      count.assign(f.name).append("_count");
    }
    for (const auto& m : f.metric) {
      switch (f.type) {
        case prometheus::MetricType::Counter:
          write_series(add(m.counter.value), f.name, m.label);
          break;
        case prometheus::MetricType::Gauge:
          write_series(add(m.gauge.value), f.name, m.label);
          break;
        case prometheus::MetricType::Histogram:
          for (const auto& b : m.histogram.bucket) {
            write_series(add(static_cast<double>(b.cumulative_count)), bucket, m.label, "le",
                         b.upper_bound);
          }
          write_series(add(m.histogram.sample_sum), sum, m.label);
          write_series(add(static_cast<double>(m.histogram.sample_count)), count, m.label);
          break;
        case prometheus::MetricType::Summary:
          for (const auto& q : m.summary.quantile) {
            write_series(add(q.value), f.name, m.label, "quantile", q.quantile);
          }
          write_series(add(m.summary.sample_sum), sum, m.label);
          write_series(add(static_cast<double>(m.summary.sample_count)), count, m.label);
          break;
        default:
          write_series(add(m.untyped.value), f.name, m.label);
      }
    }
  }
}

void add_registry_source(Board& board, std::shared_ptr<prometheus::Registry> registry) {
  board.add_live("self_metrics", [registry = std::move(registry)](SnapshotBuilder& out) {
    append_prometheus_families(registry->Collect(), out);
  });
}

}  // namespace sonde::core
