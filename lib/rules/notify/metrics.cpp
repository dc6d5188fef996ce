#include "rules/notify/metrics.hpp"

namespace sonde::rules::notify {
namespace {

prometheus::Labels with(prometheus::Labels l, const std::string& name, const std::string& value) {
  l.emplace(name, value);
  return l;
}

}  // namespace

ReceiverMetrics::ReceiverMetrics(prometheus::Registry& registry, const std::string& label,
                                 const std::string& value)
    : labels_{{label, value}},
      sent_family_(prometheus::BuildCounter()
                       .Name("sonde_notifications_sent_total")
                       .Help("Total number of alerts sent (in requests made, answered or not, as "
                             "Prometheus counts them).")
                       .Register(registry)),
      errors_family_(prometheus::BuildCounter()
                         .Name("sonde_notifications_errors_total")
                         .Help("Total number of errors sending alert notifications (requests "
                               "without an answer or with one other than 2xx).")
                         .Register(registry)),
      dropped_family_(prometheus::BuildCounter()
                          .Name("sonde_notifications_dropped_total")
                          .Help("Alerts dropped, by reason: queue_full (the oldest beyond "
                                "rules.notification_queue_capacity), rejected (the receiver "
                                "refused the batch for good with a 4xx).")
                          .Register(registry)),
      length_family_(prometheus::BuildGauge()
                         .Name("sonde_notifications_queue_length")
                         .Help("The number of alert notifications in the queue.")
                         .Register(registry)),
      capacity_family_(prometheus::BuildGauge()
                           .Name("sonde_notifications_queue_capacity")
                           .Help("The capacity of the alert notifications queue.")
                           .Register(registry)),
      latency_family_(prometheus::BuildSummary()
                          .Name("sonde_notifications_latency_seconds")
                          .Help("Latency quantiles for sending alert notifications.")
                          .Register(registry)),
      sent(sent_family_.Add(labels_)),
      errors(errors_family_.Add(labels_)),
      dropped_queue_full(dropped_family_.Add(with(labels_, "reason", "queue_full"))),
      dropped_rejected(dropped_family_.Add(with(labels_, "reason", "rejected"))),
      queue_length(length_family_.Add(labels_)),
      queue_capacity(capacity_family_.Add(labels_)),
      // Prometheus's objectives for prometheus_notifications_latency_seconds.
      latency(latency_family_.Add(
          labels_, prometheus::Summary::Quantiles{{0.5, 0.05}, {0.9, 0.01}, {0.99, 0.001}})) {}

ReceiverMetrics::~ReceiverMetrics() {
  sent_family_.Remove(&sent);
  errors_family_.Remove(&errors);
  dropped_family_.Remove(&dropped_queue_full);
  dropped_family_.Remove(&dropped_rejected);
  length_family_.Remove(&queue_length);
  capacity_family_.Remove(&queue_capacity);
  latency_family_.Remove(&latency);
}

prometheus::Gauge& alertmanagers_discovered(prometheus::Registry& registry) {
  return prometheus::BuildGauge()
      .Name("sonde_notifications_alertmanagers_discovered")
      .Help("The number of alertmanagers discovered and active.")
      .Register(registry)
      .Add({});
}

}  // namespace sonde::rules::notify
