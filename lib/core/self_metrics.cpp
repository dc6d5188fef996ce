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

// name{labels...,extra="v"} with extra optional.
std::string series(std::string_view name, const std::vector<prometheus::ClientMetric::Label>& ls,
                   std::string_view extra_name = {}, double extra_value = 0) {
  std::string s(name);
  if (ls.empty() && extra_name.empty()) return s;
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
  return s;
}

}  // namespace

void append_prometheus_families(const std::vector<prometheus::MetricFamily>& families,
                                SnapshotBuilder& out) {
  for (const auto& f : families) {
    const MetricType t = convert(f.type);
    for (const auto& m : f.metric) {
      switch (f.type) {
        case prometheus::MetricType::Counter:
          out.add_raw(f.name, t, f.help, series(f.name, m.label), m.counter.value);
          break;
        case prometheus::MetricType::Gauge:
          out.add_raw(f.name, t, f.help, series(f.name, m.label), m.gauge.value);
          break;
        case prometheus::MetricType::Histogram: {
          const std::string bucket = f.name + "_bucket";
          for (const auto& b : m.histogram.bucket) {
            out.add_raw(f.name, t, f.help, series(bucket, m.label, "le", b.upper_bound),
                        static_cast<double>(b.cumulative_count));
          }
          out.add_raw(f.name, t, f.help, series(f.name + "_sum", m.label), m.histogram.sample_sum);
          out.add_raw(f.name, t, f.help, series(f.name + "_count", m.label),
                      static_cast<double>(m.histogram.sample_count));
          break;
        }
        case prometheus::MetricType::Summary:
          for (const auto& q : m.summary.quantile) {
            out.add_raw(f.name, t, f.help, series(f.name, m.label, "quantile", q.quantile),
                        q.value);
          }
          out.add_raw(f.name, t, f.help, series(f.name + "_sum", m.label), m.summary.sample_sum);
          out.add_raw(f.name, t, f.help, series(f.name + "_count", m.label),
                      static_cast<double>(m.summary.sample_count));
          break;
        default:
          out.add_raw(f.name, t, f.help, series(f.name, m.label), m.untyped.value);
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
