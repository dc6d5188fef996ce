// remote write's self metrics, Prometheus's names with sonde_ in front and the remote_name and
// url labels (docs/metrics.md). One set per queue, removed with it.
#pragma once

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include <string>
#include <utility>
#include <vector>

namespace sonde::remote {

class QueueMetrics {
 public:
  QueueMetrics(prometheus::Registry& registry, const std::string& name, const std::string& url);
  ~QueueMetrics();
  QueueMetrics(const QueueMetrics&) = delete;
  QueueMetrics& operator=(const QueueMetrics&) = delete;

 private:
  // Declared first: the metric references below are made (and recorded here) in this order.
  prometheus::Registry& registry_;
  const prometheus::Labels labels_;
  std::vector<std::pair<prometheus::Family<prometheus::Counter>*, prometheus::Counter*>> counters_;
  std::vector<std::pair<prometheus::Family<prometheus::Gauge>*, prometheus::Gauge*>> gauges_;
  prometheus::Family<prometheus::Histogram>* duration_family_ = nullptr;
  prometheus::Counter& counter(const std::string& name, const std::string& help,
                               const prometheus::Labels& extra = {});
  prometheus::Gauge& gauge(const std::string& name, const std::string& help);
  prometheus::Histogram& histogram(const std::string& name, const std::string& help);

 public:
  prometheus::Counter& samples_in;  // cut from the board for sending
  prometheus::Counter& samples;     // sent and acknowledged
  prometheus::Counter& failed;      // non-recoverable answers (4xx)
  prometheus::Counter& retried;     // samples of requests that will be sent again
  prometheus::Counter& dropped_relabel;
  prometheus::Counter& dropped_queue_full;
  prometheus::Counter& dropped_buffer_full;
  prometheus::Counter& dropped_corrupt;
  prometheus::Counter& metadata;  // metadata entries sent
  prometheus::Gauge& pending;
  prometheus::Gauge& buffer_bytes;
  prometheus::Gauge& buffer_writable;
  prometheus::Counter& buffer_corruptions;
  prometheus::Counter& buffer_lock_refusals;
  prometheus::Counter& cuts_missed;  // cuts not made on time (the cut overran the interval)
  prometheus::Counter& bytes;        // compressed request bodies sent
  prometheus::Gauge& highest_timestamp;
  prometheus::Gauge& highest_sent_timestamp;
  prometheus::Histogram& duration;
  prometheus::Counter& network_failures;  // requests without an answer, by kind
  prometheus::Counter& tls_failures;
  prometheus::Counter& local_failures;
};

}  // namespace sonde::remote
