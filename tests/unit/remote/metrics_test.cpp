#include "remote/metrics.hpp"

#include <prometheus/registry.h>

#include <catch2/catch.hpp>
#include <map>
#include <string>

using namespace sonde;

namespace {

/// family name -> number of metrics in it, from what the registry would expose.
std::map<std::string, std::size_t> metric_counts(prometheus::Registry& r) {
  std::map<std::string, std::size_t> out;
  for (const auto& f : r.Collect()) out[f.name] = f.metric.size();
  return out;
}

std::string label(const prometheus::ClientMetric& m, const std::string& name) {
  for (const auto& l : m.label) {
    if (l.name == name) return l.value;
  }
  return {};
}

TEST_CASE("QueueMetrics labels every series with its entry, and removes them when it goes",
          "[remote][metrics]") {
  prometheus::Registry registry;
  {
    remote::QueueMetrics a(registry, "a", "http://a/api/v1/write");
    remote::QueueMetrics b(registry, "b", "http://b/api/v1/write");
    a.samples.Increment(3);
    a.dropped_corrupt.Increment();
    b.pending.Set(7);
    a.duration.Observe(0.2);
    const auto counts = metric_counts(registry);
    CHECK(counts.at("sonde_remote_write_samples_total") == 2);
    CHECK(counts.at("sonde_remote_write_samples_dropped_total") == 8);   // 4 reasons x 2 entries
    CHECK(counts.at("sonde_remote_write_request_failures_total") == 6);  // 3 reasons x 2
    CHECK(counts.at("sonde_remote_write_request_duration_seconds") == 2);
    for (const auto& f : registry.Collect()) {
      for (const auto& m : f.metric) {
        const std::string name = label(m, "remote_name");
        INFO(f.name << " " << name);
        CHECK(label(m, "url") == "http://" + name + "/api/v1/write");
        if (f.name == "sonde_remote_write_samples_total") {
          CHECK(m.counter.value == (name == "a" ? 3 : 0));
        }
        if (f.name == "sonde_remote_write_samples_dropped_total" &&
            label(m, "reason") == "corrupt") {
          CHECK(m.counter.value == (name == "a" ? 1 : 0));
        }
        if (f.name == "sonde_remote_write_samples_pending")
          CHECK(m.gauge.value == (name == "b" ? 7 : 0));
        if (f.name == "sonde_remote_write_request_duration_seconds") {
          CHECK(m.histogram.bucket.size() == 12);  // Prometheus's DefBuckets and +Inf
        }
      }
    }
  }
  // Both gone: the families stay registered, empty, and expose nothing.
  for (const auto& [name, n] : metric_counts(registry)) {
    INFO(name);
    CHECK(n == 0);
  }
}

}  // namespace
