#include "remote/metrics.hpp"

namespace sonde::remote {
namespace {

const std::string kFailures = "sonde_remote_write_request_failures_total";
const std::string kFailuresHelp =
    "Requests that got no answer, by reason: network (resolve, connect, reset, timeout), tls "
    "(handshake, certificate verification), local (an unreadable CA, certificate, key or secret "
    "file). Their samples are retried.";
const std::string kDropped = "sonde_remote_write_samples_dropped_total";
const std::string kDroppedHelp =
    "Samples not sent, by reason: relabel (write_relabel_configs), buffer_full (the oldest buffer "
    "segment deleted for buffer.max_bytes), queue_full (the memory queue's bound, when the "
    "buffer's "
    "directory cannot be written), corrupt (a buffered batch that could not be read back).";

}  // namespace

QueueMetrics::QueueMetrics(prometheus::Registry& registry, const std::string& name,
                           const std::string& url)
    : registry_(registry),
      labels_{{"remote_name", name}, {"url", url}},
      samples_in(
          counter("sonde_remote_write_samples_in_total",
                  "Samples cut from sonde's series for sending (after write_relabel_configs): "
                  "each is sent, failed, dropped or still pending.")),
      samples(counter("sonde_remote_write_samples_total",
                      "Samples sent to the receiver and acknowledged.")),
      failed(counter("sonde_remote_write_samples_failed_total",
                     "Samples the receiver refused for good (an answer other than 2xx, 5xx or a "
                     "retried 429): dropped.")),
      retried(counter("sonde_remote_write_samples_retried_total",
                      "Samples of requests that failed with a recoverable error and are sent "
                      "again.")),
      dropped_relabel(counter(kDropped, kDroppedHelp, {{"reason", "relabel"}})),
      dropped_queue_full(counter(kDropped, kDroppedHelp, {{"reason", "queue_full"}})),
      dropped_buffer_full(counter(kDropped, kDroppedHelp, {{"reason", "buffer_full"}})),
      dropped_corrupt(counter(kDropped, kDroppedHelp, {{"reason", "corrupt"}})),
      metadata(counter("sonde_remote_write_metadata_total",
                       "Metadata entries (type, help) sent and acknowledged.")),
      pending(gauge("sonde_remote_write_samples_pending",
                    "Samples waiting to be sent (in the buffer, or cut and not yet in a batch).")),
      buffer_bytes(
          gauge("sonde_remote_write_buffer_bytes", "Bytes of the buffer's segment files on disk.")),
      buffer_writable(
          gauge("sonde_remote_write_buffer_writable",
                "1 while the buffer's directory can be written; 0 while batches wait in "
                "memory instead (a full disk, permissions, or no state directory).")),
      buffer_corruptions(counter("sonde_remote_write_buffer_corruptions_total",
                                 "Damaged buffer segment tails (torn by a crash, or corrupt) found "
                                 "by their checksum when the buffer was opened, and cut off.")),
      buffer_lock_refusals(counter(
          "sonde_remote_write_buffer_lock_refusals_total",
          "Attempts to open the buffer directory refused because another process (another sonde) "
          "holds its lock; this entry sends nothing meanwhile.")),
      cuts_missed(counter("sonde_remote_write_cuts_missed_total",
                          "Cuts of sonde's series not made on time (a cut that took longer than "
                          "interval skips the cuts it ran over): those intervals' live samples "
                          "are not sent.")),
      bytes(counter("sonde_remote_write_bytes_total",
                    "Bytes of request bodies (snappy-compressed) sent to the receiver.")),
      highest_timestamp(gauge("sonde_remote_write_highest_timestamp_in_seconds",
                              "Newest sample timestamp queued for sending, in seconds since the "
                              "epoch.")),
      highest_sent_timestamp(gauge("sonde_remote_write_queue_highest_sent_timestamp_seconds",
                                   "Newest sample timestamp the receiver acknowledged, in seconds "
                                   "since the epoch.")),
      duration(histogram("sonde_remote_write_request_duration_seconds",
                         "Duration of remote write requests, answered or failed.")),
      network_failures(counter(kFailures, kFailuresHelp, {{"reason", "network"}})),
      tls_failures(counter(kFailures, kFailuresHelp, {{"reason", "tls"}})),
      local_failures(counter(kFailures, kFailuresHelp, {{"reason", "local"}})) {}

prometheus::Counter& QueueMetrics::counter(const std::string& name, const std::string& help,
                                           const prometheus::Labels& extra) {
  auto& family = prometheus::BuildCounter().Name(name).Help(help).Register(registry_);
  prometheus::Labels l = labels_;
  l.insert(extra.begin(), extra.end());
  auto& c = family.Add(l);
  counters_.emplace_back(&family, &c);
  return c;
}

prometheus::Gauge& QueueMetrics::gauge(const std::string& name, const std::string& help) {
  auto& family = prometheus::BuildGauge().Name(name).Help(help).Register(registry_);
  auto& g = family.Add(labels_);
  gauges_.emplace_back(&family, &g);
  return g;
}

prometheus::Histogram& QueueMetrics::histogram(const std::string& name, const std::string& help) {
  duration_family_ = &prometheus::BuildHistogram().Name(name).Help(help).Register(registry_);
  // Prometheus's DefBuckets, as its remote write histogram uses.
  return duration_family_->Add(
      labels_, prometheus::Histogram::BucketBoundaries{0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1,
                                                       2.5, 5, 10});
}

QueueMetrics::~QueueMetrics() {
  for (auto& [f, c] : counters_) f->Remove(c);
  for (auto& [f, g] : gauges_) f->Remove(g);
  duration_family_->Remove(&duration);
}

}  // namespace sonde::remote
