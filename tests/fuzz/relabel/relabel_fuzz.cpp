// libFuzzer target for core::relabel and its template expansion. The input is lines:
//   action, regex, source labels (comma-separated), target_label, replacement, modulus,
//   then name=value labels.
// Any bytes give a validation error or a result, never a crash; a kept label set never holds an
// empty value, and relabelling is deterministic. Seeds: tests/fuzz/relabel/corpus/ (cases of
// Prometheus's relabel_test.go).
#include <charconv>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/relabel.hpp"

namespace {

std::string_view next_line(std::string_view& in) {
  const auto nl = in.find('\n');
  const std::string_view line = in.substr(0, nl);
  in.remove_prefix(nl == std::string_view::npos ? in.size() : nl + 1);
  return line;
}

std::vector<std::string> split(std::string_view s, char sep) {
  std::vector<std::string> out;
  while (!s.empty()) {
    const auto at = s.find(sep);
    out.emplace_back(s.substr(0, at));
    s.remove_prefix(at == std::string_view::npos ? s.size() : at + 1);
  }
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace sonde::core;
  std::string_view in(reinterpret_cast<const char*>(data), size);
  RelabelConfig c;
  auto action = parse_relabel_action(next_line(in));
  if (action) c.action = *action;
  if (const auto regex = next_line(in); !regex.empty()) {
    auto re = Regex::compile(regex);
    if (!re) return 0;
    c.regex = *re;
  }
  c.source_labels = split(next_line(in), ',');
  c.target_label = std::string(next_line(in));
  if (const auto r = next_line(in); !r.empty()) c.replacement = std::string(r);
  const auto m = next_line(in);
  std::from_chars(m.data(), m.data() + m.size(), c.modulus);
  LabelSet labels;
  while (!in.empty()) {
    const std::string_view line = next_line(in);
    const auto eq = line.find('=');
    if (eq == std::string_view::npos || eq + 1 == line.size()) continue;
    labels.emplace(line.substr(0, eq), line.substr(eq + 1));
  }
  if (!validate(c).ok()) return 0;
  const auto out = relabel(labels, {c});
  if (out != relabel(labels, {c})) __builtin_trap();
  if (out) {
    for (const auto& [name, value] : *out) {
      if (value.empty()) __builtin_trap();
    }
  }
  return 0;
}
