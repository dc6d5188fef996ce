// Shared helpers for sonde's unit tests.
#pragma once

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/metrics.hpp"

namespace sonde::test {

/// tests/fixtures in the source tree (support/fixtures.cpp: the one object compiled with its
/// absolute path, so the other test objects are the same in every clone and ccache shares them).
std::filesystem::path fixture_root();

/// A SampleSink that keeps every sample, for assertions by series text.
class RecordingSink final : public core::SampleSink {
 public:
  struct Rec {
    std::string family;
    core::MetricType type;
    std::string help;
    double value;
  };

  void add(std::string_view name, core::MetricType type, std::string_view help,
           std::span<const core::Label> labels, double value) override {
    const std::string s = core::render_series(name, labels);
    order.push_back(s);
    samples[s] = Rec{std::string(name), type, std::string(help), value};
  }
  void parse_errors(std::size_t n) override { errors += n; }
  void add_raw(std::string_view family, core::MetricType type, std::string_view help,
               std::string series, double value) override {
    order.push_back(series);
    samples[series] = Rec{std::string(family), type, std::string(help), value};
  }

  /// The value of a series given as `name` or `name{a="1",b="2"}` (labels in emission order).
  std::optional<double> value(const std::string& series) const {
    auto it = samples.find(series);
    if (it == samples.end()) return std::nullopt;
    return it->second.value;
  }
  bool has(const std::string& series) const { return samples.count(series) != 0; }
  std::size_t count_family(const std::string& family) const {
    std::size_t n = 0;
    for (const auto& [k, r] : samples) n += r.family == family ? 1 : 0;
    return n;
  }

  std::map<std::string, Rec> samples;
  std::vector<std::string> order;
  std::size_t errors = 0;
};

}  // namespace sonde::test
