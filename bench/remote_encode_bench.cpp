// Remote write's WriteRequest encoding: sonde's hand-written encoder (lib/remote/write_request.cpp)
// vs libprotobuf 3.21 (generated from tests/integration/remote_write.proto, what a libprotobuf
// encoder would do per batch: fill the messages, SerializeToString), and snappy on top. A batch
// is max_samples_per_send (500) series of one sample, each with node_exporter-shaped labels
// (__name__, device, instance, job, mode). docs/performance.md has the figures.
#include <benchmark/benchmark.h>

#include <string>
#include <vector>

#include "remote/write_request.hpp"
#include "remote_write.pb.h"

namespace {

using sonde::remote::Labels;
using sonde::remote::SamplePoint;
using sonde::remote::SeriesView;

struct Batch {
  std::vector<Labels> labels;
  std::vector<SamplePoint> points;
};

Batch make_batch(std::size_t n) {
  Batch b;
  for (std::size_t i = 0; i < n; ++i) {
    b.labels.push_back({{"__name__", "node_cpu_seconds_total"},
                        {"cpu", std::to_string(i % 64)},
                        {"instance", "host-17.example.net:9100"},
                        {"job", "sonde"},
                        {"mode", i % 2 ? "user" : "system"}});
    b.points.push_back({1'764'000'000'000 + static_cast<std::int64_t>(i), 12345.67 + i});
  }
  return b;
}

void BM_hand_written(benchmark::State& state) {
  const Batch b = make_batch(static_cast<std::size_t>(state.range(0)));
  std::vector<SeriesView> views;
  for (std::size_t i = 0; i < b.labels.size(); ++i)
    views.push_back({&b.labels[i], {&b.points[i], 1}});
  std::string out;
  for (auto _ : state) {
    sonde::remote::encode_write_request(views, {}, out);
    benchmark::DoNotOptimize(out.data());
  }
  state.counters["bytes"] = static_cast<double>(out.size());
  state.SetItemsProcessed(state.iterations() * state.range(0));
}

void BM_libprotobuf(benchmark::State& state) {
  const Batch b = make_batch(static_cast<std::size_t>(state.range(0)));
  std::string out;
  for (auto _ : state) {
    prometheus::WriteRequest req;
    for (std::size_t i = 0; i < b.labels.size(); ++i) {
      auto* ts = req.add_timeseries();
      for (const auto& [k, v] : b.labels[i]) {
        auto* l = ts->add_labels();
        l->set_name(k);
        l->set_value(v);
      }
      auto* s = ts->add_samples();
      s->set_value(b.points[i].value);
      s->set_timestamp(b.points[i].timestamp_ms);
    }
    out.clear();
    req.SerializeToString(&out);
    benchmark::DoNotOptimize(out.data());
  }
  state.counters["bytes"] = static_cast<double>(out.size());
  state.SetItemsProcessed(state.iterations() * state.range(0));
}

void BM_hand_written_snappy(benchmark::State& state) {
  const Batch b = make_batch(static_cast<std::size_t>(state.range(0)));
  std::vector<SeriesView> views;
  for (std::size_t i = 0; i < b.labels.size(); ++i)
    views.push_back({&b.labels[i], {&b.points[i], 1}});
  std::string out, compressed;
  for (auto _ : state) {
    sonde::remote::encode_write_request(views, {}, out);
    sonde::remote::snappy_compress(out, compressed);
    benchmark::DoNotOptimize(compressed.data());
  }
  state.counters["bytes"] = static_cast<double>(compressed.size());
  state.SetItemsProcessed(state.iterations() * state.range(0));
}

}  // namespace

BENCHMARK(BM_hand_written)->Arg(500)->Arg(5000);
BENCHMARK(BM_libprotobuf)->Arg(500)->Arg(5000);
BENCHMARK(BM_hand_written_snappy)->Arg(500)->Arg(5000);
BENCHMARK_MAIN();
