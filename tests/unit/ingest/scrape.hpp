// Test helpers: the aggregator's series as series text -> value, from one collect(), and an
// aggregator on a fake clock with one worker.
#pragma once

#include <catch2/catch.hpp>
#include <map>
#include <string>

#include "core/clock.hpp"
#include "ingest/aggregator.hpp"

namespace sonde::ingest::unit {

inline std::map<std::string, double> scrape(Aggregator& a) {
  core::SnapshotBuilder b;
  a.collect(b);
  std::map<std::string, double> out;
  for (const auto& f : b.take().families) {
    for (const auto& s : f.samples) out[s.series] = s.value;
  }
  return out;
}

/// Each family's type, from one collect().
inline std::map<std::string, core::MetricType> types(Aggregator& a) {
  core::SnapshotBuilder b;
  a.collect(b);
  std::map<std::string, core::MetricType> out;
  for (const auto& f : b.take().families) out[f.name] = f.type;
  return out;
}

/// An aggregator on a fake clock, fed through the worker of the listener "test".
struct Fixture {
  explicit Fixture(ingest::IngestOptions o = {}, std::shared_ptr<const Mapper> m = nullptr)
      : agg(std::move(o), std::move(m), clock), w(agg.worker("test")) {}
  void send(std::string_view payload) { agg.ingest(w, payload); }
  double value(const std::string& series) {
    auto s = scrape(agg);
    auto it = s.find(series);
    if (it == s.end()) FAIL("no series " << series);
    return it->second;
  }
  bool has(const std::string& series) { return scrape(agg).count(series) != 0; }
  double lines(const std::string& result) {
    return value("sonde_ingest_lines_total{listener=\"test\",result=\"" + result + "\"}");
  }
  double dropped(const std::string& reason) {
    return value("sonde_ingest_dropped_total{reason=\"" + reason + "\"}");
  }
  core::FakeClock clock;
  Aggregator agg;
  Worker& w;
};

}  // namespace sonde::ingest::unit
