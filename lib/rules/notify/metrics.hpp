// The notifiers' self metrics in Prometheus's shape (prometheus_notifications_* with sonde_ in
// front), one set per receiver labelled alertmanager="<POST URL>" or webhook="<name>" (sonde
// has a queue per receiver where Prometheus has one), removed with the receiver.
#pragma once

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/registry.h>
#include <prometheus/summary.h>

#include <string>

namespace sonde::rules::notify {

class ReceiverMetrics {
 public:
  /// `label` is "alertmanager" or "webhook".
  ReceiverMetrics(prometheus::Registry& registry, const std::string& label,
                  const std::string& value);
  ~ReceiverMetrics();
  ReceiverMetrics(const ReceiverMetrics&) = delete;
  ReceiverMetrics& operator=(const ReceiverMetrics&) = delete;

 private:
  // Declared first: the references below are made from them.
  const prometheus::Labels labels_;
  prometheus::Family<prometheus::Counter>& sent_family_;
  prometheus::Family<prometheus::Counter>& errors_family_;
  prometheus::Family<prometheus::Counter>& dropped_family_;
  prometheus::Family<prometheus::Gauge>& length_family_;
  prometheus::Family<prometheus::Gauge>& capacity_family_;
  prometheus::Family<prometheus::Summary>& latency_family_;

 public:
  prometheus::Counter& sent;    // alerts in requests made (answered or not), as Prometheus counts
  prometheus::Counter& errors;  // requests that failed (no answer, or not 2xx)
  prometheus::Counter& dropped_queue_full;
  prometheus::Counter& dropped_rejected;  // refused for good by the receiver (4xx)
  prometheus::Gauge& queue_length;
  prometheus::Gauge& queue_capacity;
  prometheus::Summary& latency;
};

/// sonde_notifications_alertmanagers_discovered: the Alertmanagers configured.
prometheus::Gauge& alertmanagers_discovered(prometheus::Registry& registry);

}  // namespace sonde::rules::notify
