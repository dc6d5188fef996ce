// What the sender and notifier tests share: alerts to send, receiver options for a test server,
// and reading what a receiver got and what the registry counted.
#pragma once

#include <prometheus/registry.h>

#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

#include "rules/notify/sender.hpp"
#include "support/http_test_server.hpp"

namespace sonde::test::notify {

using namespace std::chrono_literals;
using rules::notify::AlertmanagerOptions;
using rules::notify::Notification;

inline Notification alert(int id, std::int64_t ends = 0) {
  Notification n;
  n.labels = rules::promql::Labels({{"alertname", "A"}, {"id", std::to_string(id)}});
  n.starts_at_ms = 1'700'000'000'000;
  n.ends_at_ms = ends;
  return n;
}

inline std::vector<Notification> alerts(int from, int to) {
  std::vector<Notification> out;
  for (int i = from; i < to; ++i) out.push_back(alert(i));
  return out;
}

inline AlertmanagerOptions options(const HttpTestServer& s,
                                   std::chrono::milliseconds timeout = 5s) {
  AlertmanagerOptions o;
  o.url = *net::parse_url(s.url("/am/"));
  o.client.timeout = timeout;
  return o;
}

/// The value of a sample of `family` whose labels include all of `labels`.
inline double value(prometheus::Registry& r, const std::string& family,
                    const std::map<std::string, std::string>& labels) {
  for (const auto& f : r.Collect()) {
    if (f.name != family) continue;
    for (const auto& m : f.metric) {
      bool all = true;
      for (const auto& [k, v] : labels) {
        bool found = false;
        for (const auto& l : m.label) found = found || (l.name == k && l.value == v);
        all = all && found;
      }
      if (!all) continue;
      if (f.type == prometheus::MetricType::Counter) return m.counter.value;
      if (f.type == prometheus::MetricType::Gauge) return m.gauge.value;
      if (f.type == prometheus::MetricType::Summary) {
        return static_cast<double>(m.summary.sample_count);
      }
    }
  }
  return -1;
}

inline std::set<std::string> ids_received(const HttpTestServer& s) {
  std::set<std::string> out;
  for (const auto& req : s.requests()) {
    const auto body = nlohmann::json::parse(req.body());
    for (const auto& a : body) out.insert(a["labels"]["id"].get<std::string>());
  }
  return out;
}

}  // namespace sonde::test::notify
