// DogStatsD events and service checks: counted in sonde_app_events_total and published as
// sonde_app_service_check_status / _timestamp_seconds.
#include <algorithm>
#include <chrono>

#include "core/utf8.hpp"
#include "ingest/names.hpp"
#include "ingest/series.hpp"

namespace sonde::ingest {

void Aggregator::event_line(Worker& w, const EventLine& e, std::string_view line) {
  Labels labels = canonical_labels(e.tags);
  auto set = [&](std::string name, std::string_view value) {
    std::string v;
    core::append_valid_utf8(v, value);
    auto it =
        std::find_if(labels.begin(), labels.end(), [&](const auto& l) { return l.first == name; });
    if (it != labels.end()) labels.erase(it);
    if (!v.empty()) labels.emplace_back(std::move(name), std::move(v));
  };
  set("title", e.title);
  set("alert_type", e.alert_type);
  set("priority", e.priority);
  set("source_type", e.source_type);
  std::sort(labels.begin(), labels.end());
  const bool origin =
      options_.origin_detection && add_origin_labels(labels, w, container_field(w, e.container));
  auto s = register_series("sonde_app_events_total", SeriesKind::counter, std::move(labels),
                           nullptr, true, w.now_ns_, origin);
  if (!s) return reject(w, s.error(), line);
  add_atomic((*s)->value, 1);
  (*s)->last_ns.store(w.now_ns_, std::memory_order_relaxed);
  accept(w);
}

void Aggregator::check_line(Worker& w, const ServiceCheckLine& c, std::string_view line) {
  Labels labels = canonical_labels(c.tags);
  std::string check;
  core::append_valid_utf8(check, c.name);
  labels.erase(std::remove_if(labels.begin(), labels.end(),
                              [](const auto& l) { return l.first == "check"; }),
               labels.end());
  labels.emplace_back("check", std::move(check));
  std::sort(labels.begin(), labels.end());
  const bool origin =
      options_.origin_detection && add_origin_labels(labels, w, container_field(w, c.container));
  auto status_series = register_series("sonde_app_service_check_status", SeriesKind::gauge, labels,
                                       nullptr, true, w.now_ns_, origin);
  if (!status_series) return reject(w, status_series.error(), line);
  auto ts_series = register_series("sonde_app_service_check_timestamp_seconds", SeriesKind::gauge,
                                   std::move(labels), nullptr, true, w.now_ns_, origin);
  if (!ts_series) return reject(w, ts_series.error(), line);
  const SeriesRef& status = *status_series;
  const SeriesRef& ts = *ts_series;
  status->value.store(c.status, std::memory_order_relaxed);
  const double now = std::chrono::duration<double>(clock_.now().time_since_epoch()).count();
  ts->value.store(c.timestamp.value_or(now), std::memory_order_relaxed);
  status->last_ns.store(w.now_ns_, std::memory_order_relaxed);
  ts->last_ns.store(w.now_ns_, std::memory_order_relaxed);
  accept(w);
}

}  // namespace sonde::ingest
