// sonde's own instrumentation (sonde_* counters and histograms) lives in a prometheus-cpp
// Registry; this turns its families into a board source.
#pragma once

#include <prometheus/metric_family.h>
#include <prometheus/registry.h>

#include <memory>
#include <vector>

#include "core/board.hpp"
#include "core/metrics.hpp"

namespace sonde::core {

/// Converts prometheus-cpp families into sonde's pre-rendered form (same series and values that
/// prometheus::TextSerializer writes).
void append_prometheus_families(const std::vector<prometheus::MetricFamily>& families,
                                SnapshotBuilder& out);

/// Publishes `registry` as the live board source "self_metrics".
void add_registry_source(Board& board, std::shared_ptr<prometheus::Registry> registry);

}  // namespace sonde::core
