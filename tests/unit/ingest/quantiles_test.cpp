// weighted_quantiles: the summary quantiles sonde reports, as a table.
#include "ingest/quantiles.hpp"

#include <catch2/catch.hpp>
#include <cmath>
#include <vector>

using sonde::ingest::weighted_quantiles;

namespace {

std::vector<std::pair<double, double>> unit_weights(std::vector<double> values) {
  std::vector<std::pair<double, double>> out;
  for (double v : values) out.emplace_back(v, 1.0);
  return out;
}

}  // namespace

TEST_CASE("weighted_quantiles over a table of windows", "[ingest][quantiles]") {
  struct Case {
    const char* what;
    std::vector<std::pair<double, double>> obs;
    std::vector<double> qs;
    std::vector<double> want;
  };
  std::vector<double> hundred;
  for (int i = 100; i >= 1; --i) hundred.push_back(i);  // unsorted on purpose
  const Case cases[] = {
      {"1..100", unit_weights(hundred), {0.5, 0.9, 0.99, 1}, {50, 90, 99, 100}},
      {"one value", unit_weights({7}), {0, 0.5, 1}, {7, 7, 7}},
      {"q=0 is the smallest", unit_weights({3, 1, 2}), {0}, {1}},
      {"duplicates", unit_weights({5, 5, 5, 1}), {0.25, 0.5}, {1, 5}},
      // weight 1/sample_rate: a value sent at @0.1 counts ten times.
      {"weights", {{1, 1}, {2, 10}, {3, 1}}, {0.05, 0.5, 0.95}, {1, 2, 3}},
      {"negative values", unit_weights({-3, -1, -2}), {0.5}, {-2}},
      // Rounding: the last cumulative weight can fall short of 1.0 × total; the largest value.
      {"rank never reached", {{1, 0.1}, {2, 0.1}, {3, 0.1}}, {1}, {3}},
  };
  for (const Case& c : cases) {
    INFO(c.what);
    CHECK(weighted_quantiles(c.obs, c.qs) == c.want);
  }
}

TEST_CASE("weighted_quantiles of an empty window are NaN", "[ingest][quantiles]") {
  const std::vector<double> qs = {0.5, 0.99};
  const auto v = weighted_quantiles({}, qs);
  REQUIRE(v.size() == 2);
  CHECK(std::isnan(v[0]));
  CHECK(std::isnan(v[1]));
  CHECK(weighted_quantiles(unit_weights({1, 2}), {}).empty());
}
