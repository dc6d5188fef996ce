// A receiver's self metrics (notify/metrics.cpp): Prometheus's prometheus_notifications_* with
// sonde_ in front, one set per receiver under its label, gone with the receiver.
#include <prometheus/registry.h>

#include <catch2/catch.hpp>
#include <map>
#include <memory>
#include <set>
#include <string>

#include "rules/notify/metrics.hpp"

using sonde::rules::notify::ReceiverMetrics;

namespace {

/// family name -> "type labels" of each of its metrics.
std::multimap<std::string, std::string> collected(prometheus::Registry& r) {
  std::multimap<std::string, std::string> out;
  for (const auto& f : r.Collect()) {
    for (const auto& m : f.metric) {
      std::string labels;
      for (const auto& l : m.label) labels += l.name + "=" + l.value + ",";
      out.emplace(f.name, labels);
    }
  }
  return out;
}

}  // namespace

TEST_CASE("receiver metrics: the families and labels of one receiver", "[rules][notify][metrics]") {
  prometheus::Registry registry;
  const std::string am = "alertmanager=http://am:9093/api/v2/alerts,";
  {
    ReceiverMetrics m(registry, "alertmanager", "http://am:9093/api/v2/alerts");
    m.sent.Increment(3);
    m.errors.Increment();
    m.dropped_queue_full.Increment(2);
    m.queue_capacity.Set(10000);
    m.latency.Observe(0.25);
    const auto got = collected(registry);
    const std::set<std::pair<std::string, std::string>> c(got.begin(), got.end());
    CHECK(c == std::set<std::pair<std::string, std::string>>{
                   {"sonde_notifications_sent_total", am},
                   {"sonde_notifications_errors_total", am},
                   {"sonde_notifications_dropped_total", am + "reason=queue_full,"},
                   {"sonde_notifications_dropped_total", am + "reason=rejected,"},
                   {"sonde_notifications_queue_length", am},
                   {"sonde_notifications_queue_capacity", am},
                   {"sonde_notifications_latency_seconds", am},
               });
    for (const auto& f : registry.Collect()) {
      if (f.name == "sonde_notifications_sent_total") {
        CHECK(f.type == prometheus::MetricType::Counter);
        CHECK(f.metric[0].counter.value == 3);
      }
      if (f.name == "sonde_notifications_latency_seconds") {
        CHECK(f.type == prometheus::MetricType::Summary);
        CHECK(f.metric[0].summary.sample_count == 1);
        REQUIRE(f.metric[0].summary.quantile.size() == 3);  // Prometheus's 0.5, 0.9, 0.99
        CHECK(f.metric[0].summary.quantile[0].quantile == 0.5);
        CHECK(f.metric[0].summary.quantile[2].quantile == 0.99);
      }
      if (f.name == "sonde_notifications_dropped_total") {
        for (const auto& m2 : f.metric) {
          const bool full = m2.label.back().value == "queue_full";
          CHECK(m2.counter.value == (full ? 2 : 0));
        }
      }
    }
  }
  // Destroyed with its receiver: no series left behind.
  CHECK(collected(registry).empty());
}

TEST_CASE("receiver metrics: receivers side by side, one removed", "[rules][notify][metrics]") {
  prometheus::Registry registry;
  auto a = std::make_unique<ReceiverMetrics>(registry, "alertmanager", "http://a/api/v2/alerts");
  ReceiverMetrics b(registry, "webhook", "chat");
  a->sent.Increment();
  b.sent.Increment(5);
  CHECK(collected(registry).count("sonde_notifications_sent_total") == 2);
  a.reset();
  const auto c = collected(registry);
  CHECK(c.count("sonde_notifications_sent_total") == 1);
  CHECK(c.find("sonde_notifications_sent_total")->second == "webhook=chat,");
  CHECK(c.count("sonde_notifications_dropped_total") == 2);
}

TEST_CASE("alertmanagers_discovered is one unlabelled gauge", "[rules][notify][metrics]") {
  prometheus::Registry registry;
  sonde::rules::notify::alertmanagers_discovered(registry).Set(2);
  const auto families = registry.Collect();
  REQUIRE(families.size() == 1);
  CHECK(families[0].name == "sonde_notifications_alertmanagers_discovered");
  CHECK(families[0].type == prometheus::MetricType::Gauge);
  REQUIRE(families[0].metric.size() == 1);
  CHECK(families[0].metric[0].label.empty());
  CHECK(families[0].metric[0].gauge.value == 2);
}
