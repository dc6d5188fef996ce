// Weighted quantiles of a summary's window, as sonde's DogStatsD summaries report them.
#pragma once

#include <span>
#include <utility>
#include <vector>

namespace sonde::ingest {

/// For each q of `quantiles`: the smallest observed value whose cumulative weight (observations
/// sorted by value) reaches q × the total weight; the largest value when rounding leaves that
/// rank unreached; NaN for every q when there is no observation. `observations` are
/// (value, weight) pairs (weight = 1 / sample rate). Pure.
std::vector<double> weighted_quantiles(std::vector<std::pair<double, double>> observations,
                                       std::span<const double> quantiles);

}  // namespace sonde::ingest
