#include "core/self_metrics.hpp"

#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>
#include <prometheus/summary.h>

#include <catch2/catch.hpp>

#include "core/board.hpp"
#include "core/clock.hpp"

using namespace sonde;

namespace {

/// series -> value of one family of the snapshot.
std::map<std::string, double> samples_of(const core::Snapshot& s, const std::string& family) {
  std::map<std::string, double> out;
  for (const auto& f : s.families) {
    if (f.name != family) continue;
    for (const auto& sm : f.samples) out[sm.series] = sm.value;
  }
  return out;
}

const core::Family* family_of(const core::Snapshot& s, const std::string& name) {
  for (const auto& f : s.families) {
    if (f.name == name) return &f;
  }
  return nullptr;
}

TEST_CASE("append_prometheus_families turns each type into its samples", "[core][self_metrics]") {
  prometheus::Registry registry;
  prometheus::BuildCounter()
      .Name("c_total")
      .Help("C")
      .Register(registry)
      .Add({{"k", "a\"b"}})
      .Increment(3);
  prometheus::BuildGauge().Name("g").Help("G").Register(registry).Add({}).Set(-2.5);
  auto& h = prometheus::BuildHistogram().Name("h").Help("H").Register(registry).Add(
      {{"k", "v"}}, prometheus::Histogram::BucketBoundaries{0.5, 1});
  h.Observe(0.25);
  h.Observe(2);
  auto& s = prometheus::BuildSummary().Name("s").Help("S").Register(registry).Add(
      {}, prometheus::Summary::Quantiles{{0.5, 0.05}});
  s.Observe(4);

  core::SnapshotBuilder b;
  core::append_prometheus_families(registry.Collect(), b);
  const core::Snapshot snap = b.take();

  REQUIRE(family_of(snap, "c_total"));
  CHECK(family_of(snap, "c_total")->type == core::MetricType::counter);
  CHECK(family_of(snap, "c_total")->help == "C");
  CHECK(samples_of(snap, "c_total") == std::map<std::string, double>{{"c_total{k=\"a\\\"b\"}", 3}});
  CHECK(samples_of(snap, "g") == std::map<std::string, double>{{"g", -2.5}});
  CHECK(family_of(snap, "h")->type == core::MetricType::histogram);
  CHECK(samples_of(snap, "h") == std::map<std::string, double>{{"h_bucket{k=\"v\",le=\"0.5\"}", 1},
                                                               {"h_bucket{k=\"v\",le=\"1\"}", 1},
                                                               {"h_bucket{k=\"v\",le=\"+Inf\"}", 2},
                                                               {"h_sum{k=\"v\"}", 2.25},
                                                               {"h_count{k=\"v\"}", 2}});
  CHECK(family_of(snap, "s")->type == core::MetricType::summary);
  CHECK(samples_of(snap, "s") ==
        std::map<std::string, double>{{"s{quantile=\"0.5\"}", 4}, {"s_sum", 4}, {"s_count", 1}});
}

TEST_CASE("add_registry_source reads the registry on every gather", "[core][self_metrics]") {
  core::FakeClock clock;
  core::Board board(clock);
  auto registry = std::make_shared<prometheus::Registry>();
  auto& g = prometheus::BuildGauge().Name("sonde_x").Help("X").Register(*registry).Add({});
  core::add_registry_source(board, registry);
  const auto value = [&] {
    for (const auto& snap : board.gather()) {
      const auto s = samples_of(*snap, "sonde_x");
      if (!s.empty()) return s.at("sonde_x");
    }
    return -1.0;
  };
  g.Set(1);
  CHECK(value() == 1);
  g.Set(2);
  CHECK(value() == 2);  // live: no publish needed
}

TEST_CASE("add_registry_source's refilled samples give every family's text again, new series too",
          "[core][self_metrics]") {
  core::FakeClock clock;
  core::Board board(clock);
  auto registry = std::make_shared<prometheus::Registry>();
  auto& c = prometheus::BuildCounter().Name("sonde_c_total").Help("C").Register(*registry);
  c.Add({{"reason", "a"}}).Increment(1);
  auto& h = prometheus::BuildHistogram().Name("sonde_h").Help("H").Register(*registry).Add(
      {{"k", "v"}}, prometheus::Histogram::BucketBoundaries{1});
  h.Observe(0.5);
  core::add_registry_source(board, registry);
  const auto registry_snapshot = [&] { return board.gather().back(); };  // the only live source
  CHECK(samples_of(*registry_snapshot(), "sonde_c_total") ==
        std::map<std::string, double>{{"sonde_c_total{reason=\"a\"}", 1}});
  // The next gathers write into the last snapshot's strings: a longer label value, a new series
  // before the old one, and the histogram's texts must all come out whole.
  c.Add({{"reason", "a much longer reason than before"}}).Increment(2);
  h.Observe(3);
  for (int round = 0; round < 2; ++round) {
    const auto snap = registry_snapshot();
    CHECK(samples_of(*snap, "sonde_c_total") ==
          std::map<std::string, double>{
              {"sonde_c_total{reason=\"a\"}", 1},
              {"sonde_c_total{reason=\"a much longer reason than before\"}", 2}});
    CHECK(samples_of(*snap, "sonde_h") ==
          std::map<std::string, double>{{"sonde_h_bucket{k=\"v\",le=\"1\"}", 1},
                                        {"sonde_h_bucket{k=\"v\",le=\"+Inf\"}", 2},
                                        {"sonde_h_sum{k=\"v\"}", 3.5},
                                        {"sonde_h_count{k=\"v\"}", 2}});
  }
}

}  // namespace
