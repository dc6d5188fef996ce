#include "ingest/quantiles.hpp"

#include <algorithm>
#include <limits>

namespace sonde::ingest {

std::vector<double> weighted_quantiles(std::vector<std::pair<double, double>> observations,
                                       std::span<const double> quantiles) {
  std::vector<double> out(quantiles.size(), std::numeric_limits<double>::quiet_NaN());
  if (observations.empty()) return out;
  double total = 0;
  for (const auto& o : observations) total += o.second;
  std::sort(observations.begin(), observations.end());
  for (std::size_t i = 0; i < quantiles.size(); ++i) {
    const double rank = quantiles[i] * total;
    double cum = 0;
    double v = observations.back().first;
    for (const auto& [x, weight] : observations) {
      cum += weight;
      if (cum >= rank) {
        v = x;
        break;
      }
    }
    out[i] = v;
  }
  return out;
}

}  // namespace sonde::ingest
