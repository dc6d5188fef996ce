// Collection cost without HTTP: every collector sonde enables by default, built as the daemon
// builds them (default options, this host's /proc, /sys and /), collected CYCLES times back to
// back into a fresh snapshot each, as the scheduler does once per interval. bench/floor_compare.sh
// runs it under `valgrind --tool=callgrind` twice (1 and 1 + N cycles) beside bench/floor.c, so
// the instructions of N cycles are compared without the machine's load in the figure.
//
// Usage: collect_bench CYCLES    (prints cycles, collectors, series per cycle, CPU seconds)
#include <sys/resource.h>

#include <cstdio>
#include <cstdlib>
#include <memory>
#include <vector>

#include "collectors/collector.hpp"
#include "collectors/options.hpp"
#include "core/clock.hpp"
#include "core/metrics.hpp"

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s CYCLES\n", argv[0]);
    return 2;
  }
  const long cycles = std::strtol(argv[1], nullptr, 10);
  const sonde::collectors::CollectorsOptions options;
  const sonde::collectors::CollectorContext ctx{options, sonde::core::HostPaths{},
                                                sonde::core::SystemClock::instance(),
                                                std::make_shared<sonde::core::BlockingPool>(8)};
  std::vector<std::unique_ptr<sonde::collectors::Collector>> collectors;
  for (const auto& info : sonde::collectors::builtin_collectors()) {
    if (info.settings(options).enabled) collectors.push_back(info.make(ctx));
  }
  std::size_t series = 0;
  for (long i = 0; i < cycles; ++i) {
    series = 0;
    for (auto& c : collectors) {
      sonde::core::SnapshotBuilder out;
      if (c->collect(out).ok()) series += out.take().series_count();
    }
  }
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  std::printf("cycles=%ld collectors=%zu series_per_cycle=%zu cpu_seconds=%.3f\n", cycles,
              collectors.size(), series,
              static_cast<double>(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
                  static_cast<double>(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6);
  return 0;
}
