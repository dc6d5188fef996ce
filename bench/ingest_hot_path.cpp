// The ingest hot path without sockets: sonde-loadgen's lines (`loadgen.counter:1|c|#id:N,t1:vM`,
// SERIES series, LINES_PER_DATAGRAM lines a datagram) fed to Aggregator::ingest ROUNDS times
// over, every series existing after the first pass. Prints ns per line (wall clock, so a loaded
// machine shows up in it); run it under `valgrind --tool=callgrind` for instructions per line,
// which do not depend on the load (docs/performance.md, issue 17 targets 1 and 2).
//
//   ingest_hot_path [series=1000] [lines_per_datagram=16] [rounds=2000]
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "core/clock.hpp"
#include "ingest/aggregator.hpp"

int main(int argc, char** argv) {
  const int series = argc > 1 ? std::atoi(argv[1]) : 1000;
  const int per = argc > 2 ? std::atoi(argv[2]) : 16;
  const int rounds = argc > 3 ? std::atoi(argv[3]) : 2000;
  if (series < 1 || per < 1 || rounds < 1) {
    std::fprintf(stderr, "usage: ingest_hot_path [series] [lines_per_datagram] [rounds]\n");
    return 2;
  }
  std::vector<std::string> datagrams;
  std::string d;
  for (int i = 0, n = 0; i < series * per; ++i) {
    const int id = i % series;
    if (n) d += '\n';
    d += "loadgen.counter:1|c|#id:" + std::to_string(id) + ",t1:v" + std::to_string(id % 8);
    if (++n == per) {
      datagrams.push_back(d);
      d.clear();
      n = 0;
    }
  }
  sonde::ingest::IngestOptions o;
  sonde::ingest::Aggregator agg(o, nullptr);
  sonde::ingest::Worker& w = agg.worker("unixgram");
  for (const auto& p : datagrams) agg.ingest(w, p);  // every series registered: the slow path
  const auto start = std::chrono::steady_clock::now();
  for (int r = 0; r < rounds; ++r) {
    for (const auto& p : datagrams) agg.ingest(w, p);
  }
  const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const double lines = static_cast<double>(rounds) * static_cast<double>(series) * per;
  std::printf("series %d, %d lines/datagram, %.0f lines: %.1f ns/line, %zu series held\n", series,
              per, lines, s * 1e9 / lines, agg.series_count());
  return agg.series_count() == static_cast<std::size_t>(series) ? 0 : 1;
}
