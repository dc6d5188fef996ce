// Test helper: the aggregator's series as series text -> value, from one collect().
#pragma once

#include <map>
#include <string>

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

}  // namespace sonde::ingest::unit
