// libFuzzer target for PromQL evaluation: any expression that parses is evaluated, as an instant
// and as a range query, over a small fixed data set with small limits (samples, timeout), and
// must return a value or an error: no crash, no hang, bounded memory.
// Seeds: corpus/ (expressions from tests/promql/testdata).
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "rules/promql/engine.hpp"

namespace {

const sonde::rules::promql::MemoryStorage& storage() {
  using namespace sonde::rules::promql;
  static MemoryStorage* s = [] {
    auto* st = new MemoryStorage;
    const char* jobs[] = {"api", "db"};
    for (int j = 0; j < 2; ++j)
      for (int i = 0; i < 3; ++i) {
        Labels req({{"__name__", "http_requests_total"},
                    {"job", jobs[j]},
                    {"instance", std::to_string(i)}});
        Labels gauge({{"__name__", "temp"}, {"job", jobs[j]}, {"instance", std::to_string(i)}});
        for (int k = 0; k <= 40; ++k) {
          st->append(req, k * 15000, double(k * (i + 1) * (j + 2)) - (k == 20 ? 50 : 0));
          st->append(gauge, k * 15000, (k % 7) * 1.5 - i);
        }
        st->append(gauge, 41 * 15000, stale_nan());
      }
    for (const char* le : {"0.1", "1", "10", "+Inf"}) {
      Labels b({{"__name__", "x_bucket"}, {"le", le}});
      for (int k = 0; k <= 40; ++k) st->append(b, k * 15000, k * (le[0] == '+' ? 10.0 : 3.0));
    }
    return st;
  }();
  return *s;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace sonde::rules::promql;
  if (size > 1024) return 0;
  std::string_view in(reinterpret_cast<const char*>(data), size);
  auto expr = parse(in);
  if (!expr.ok()) return 0;
  sonde::rules::EngineOptions o;
  o.max_samples = 50'000;
  o.max_series = 1'000;
  o.timeout = std::chrono::milliseconds(500);
  Engine engine(o);
  (void)engine.instant(storage(), **expr, 600'000);
  (void)engine.range(storage(), **expr, 0, 600'000, 60'000);
  return 0;
}
