// libFuzzer target for rule unit-test files (`sonde rules test`): any bytes are decoded as
// promtool's yaml.v2 decoding would (lib/config/rule_test_file.cpp) without a crash, a hang or an
// exception escaping, and every input series and expected label set that decoded is parsed with
// the series notation parser. Seeds: tests/fuzz/rule_test_file/corpus/ (copies of tests/rules/,
// promtool's own test files and decoding errors).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "config/rule_test_file.hpp"
#include "rules/promql/parser.hpp"

namespace {

// Whether `values` repeats a value more than `most` times (`1x9999999`): valid, but slow to
// expand, so the target leaves such series out.
bool repeats_more_than(std::string_view values, std::uint64_t most) {
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (values[i] != 'x') continue;
    std::uint64_t n = 0;
    for (std::size_t j = i + 1; j < values.size() && values[j] >= '0' && values[j] <= '9'; ++j) {
      n = n * 10 + static_cast<std::uint64_t>(values[j] - '0');
      if (n > most) return true;
    }
  }
  return false;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const auto read = sonde::config::read_rule_test_text(text);
  // A failed decoding says why and leaves nothing behind; decoding is deterministic.
  if (read.error && (read.error->empty() || !(read.spec == sonde::rules::UnitTestFileSpec{})))
    __builtin_trap();
  // (The specs are not compared with ==: a `value: .nan` never equals itself.)
  const auto again = sonde::config::read_rule_test_text(text);
  if (again.error != read.error || again.spec.tests.size() != read.spec.tests.size())
    __builtin_trap();
  std::size_t parsed = 0;
  for (const auto& tg : read.spec.tests) {
    for (const auto& s : tg.input_series) {
      if (repeats_more_than(s.values, 100'000)) continue;
      if (sonde::rules::promql::parse_series_desc(s.series + " " + s.values).ok()) ++parsed;
    }
    for (const auto& e : tg.promql_expr_test) {
      for (const auto& smp : e.exp_samples) {
        if (sonde::rules::promql::parse_series_desc(smp.labels).ok()) ++parsed;
      }
    }
  }
  return parsed == static_cast<std::size_t>(-1) ? 1 : 0;
}
