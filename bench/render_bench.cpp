// Render benchmark for /metrics: sonde's writers (text 0.0.4, OpenMetrics, text + gzip) against
// prometheus-cpp's Registry::Collect() + TextSerializer on the same families, at 1k, 10k and
// 100k series. Reports time per render, bytes, allocations per render (a counting global
// operator new) and ns per series, so linear growth is visible from the three sizes.
//
//   build/release/bench/render_bench [--benchmark_filter=...]
#include <benchmark/benchmark.h>
#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/registry.h>
#include <prometheus/text_serializer.h>

#include <atomic>
#include <cstdlib>
#include <memory>
#include <new>
#include <string>
#include <vector>

#include "core/exposition.hpp"
#include "core/metrics.hpp"
#include "counting_new.hpp"
#include "http/gzip.hpp"

namespace {

using namespace sonde;

// Shaped like node_exporter's output: families of 50 series, each with two labels
// (`cpu`-like and `mode`-like), half counters and half gauges, values with fractions.
constexpr int kSeriesPerFamily = 50;

std::string family_name(int f, bool counter) {
  return "node_bench_family_" + std::to_string(f) + (counter ? "_seconds_total" : "_bytes");
}
std::string label_a(int s) { return std::to_string(s % 10); }
std::string label_b(int s) { return "mode_" + std::to_string(s / 10); }
double value_of(int f, int s) { return 12345.67 * (f + 1) + s * 0.01; }

core::SnapshotPtr sonde_snapshot(int series) {
  core::SnapshotBuilder b;
  for (int i = 0; i < series; ++i) {
    const int f = i / kSeriesPerFamily, s = i % kSeriesPerFamily;
    const bool counter = f % 2 == 0;
    const std::string name = family_name(f, counter), a = label_a(s), m = label_b(s);
    const core::Label labels[] = {{"cpu", a}, {"mode", m}};
    b.add(name, counter ? core::MetricType::counter : core::MetricType::gauge, "Benchmark family.",
          labels, value_of(f, s));
  }
  return std::make_shared<const core::Snapshot>(b.take());
}

std::shared_ptr<prometheus::Registry> prometheus_registry(int series) {
  auto reg = std::make_shared<prometheus::Registry>();
  for (int f = 0; f * kSeriesPerFamily < series; ++f) {
    const bool counter = f % 2 == 0;
    const int n = std::min(kSeriesPerFamily, series - f * kSeriesPerFamily);
    if (counter) {
      auto& fam = prometheus::BuildCounter()
                      .Name(family_name(f, true))
                      .Help("Benchmark family.")
                      .Register(*reg);
      for (int s = 0; s < n; ++s) {
        fam.Add({{"cpu", label_a(s)}, {"mode", label_b(s)}}).Increment(value_of(f, s));
      }
    } else {
      auto& fam = prometheus::BuildGauge()
                      .Name(family_name(f, false))
                      .Help("Benchmark family.")
                      .Register(*reg);
      for (int s = 0; s < n; ++s) {
        fam.Add({{"cpu", label_a(s)}, {"mode", label_b(s)}}).Set(value_of(f, s));
      }
    }
  }
  return reg;
}

template <class Render>
void run(benchmark::State& state, Render&& render) {
  const auto series = static_cast<double>(state.range(0));
  std::size_t bytes = 0;
  const std::uint64_t allocs_before = g_allocs.load();
  for (auto _ : state) {
    bytes = render();
  }
  const double iters = static_cast<double>(state.iterations());
  state.counters["bytes"] = static_cast<double>(bytes);
  state.counters["allocs"] = static_cast<double>(g_allocs.load() - allocs_before) / iters;
  state.counters["ns_per_series"] = benchmark::Counter(
      series, benchmark::Counter::kIsIterationInvariantRate | benchmark::Counter::kInvert);
  state.SetItemsProcessed(state.iterations() * state.range(0));
}

void BM_sonde_text(benchmark::State& state) {
  const std::vector<core::SnapshotPtr> snaps{sonde_snapshot(static_cast<int>(state.range(0)))};
  run(state, [&] {
    std::string out;
    core::write_text(snaps, out);
    benchmark::DoNotOptimize(out.data());
    return out.size();
  });
}

void BM_sonde_openmetrics(benchmark::State& state) {
  const std::vector<core::SnapshotPtr> snaps{sonde_snapshot(static_cast<int>(state.range(0)))};
  run(state, [&] {
    std::string out;
    core::write_openmetrics(snaps, out);
    benchmark::DoNotOptimize(out.data());
    return out.size();
  });
}

void BM_sonde_text_gzip(benchmark::State& state) {
  const std::vector<core::SnapshotPtr> snaps{sonde_snapshot(static_cast<int>(state.range(0)))};
  run(state, [&] {
    std::string out;
    core::write_text(snaps, out);
    auto z = http::gzip_compress(out);
    benchmark::DoNotOptimize(z->data());
    return z->size();
  });
}

void BM_prometheus_cpp_text(benchmark::State& state) {
  const auto reg = prometheus_registry(static_cast<int>(state.range(0)));
  const prometheus::TextSerializer serializer;
  run(state, [&] {
    const std::string out = serializer.Serialize(reg->Collect());
    benchmark::DoNotOptimize(out.data());
    return out.size();
  });
}

}  // namespace

BENCHMARK(BM_sonde_text)->Arg(1000)->Arg(10000)->Arg(100000)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_sonde_openmetrics)->Arg(1000)->Arg(10000)->Arg(100000)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_sonde_text_gzip)->Arg(1000)->Arg(10000)->Arg(100000)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_prometheus_cpp_text)
    ->Arg(1000)
    ->Arg(10000)
    ->Arg(100000)
    ->Unit(benchmark::kMicrosecond);

BENCHMARK_MAIN();
