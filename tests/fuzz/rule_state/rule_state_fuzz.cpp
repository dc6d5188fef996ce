// libFuzzer target for the alert state file's decoder (lib/rules/state_file.hpp): any bytes give a
// state or an error naming the problem, never a crash; a decoded state encodes and decodes back to
// the same alerts. Seeds: tests/fuzz/rule_state/corpus/.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "rules/state_file.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace sonde::rules;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const auto st = decode_state(text);
  if (!st.ok()) {
    if (st.message().empty()) __builtin_trap();
    return 0;
  }
  const auto again = decode_state(encode_state(*st));
  if (!again.ok() || again->last_evaluation_ms != st->last_evaluation_ms ||
      again->alerts.size() != st->alerts.size()) {
    __builtin_trap();
  }
  for (std::size_t i = 0; i < st->alerts.size(); ++i) {
    const auto& a = st->alerts[i];
    const auto& b = again->alerts[i];
    const bool same_value = a.value == b.value || (std::isnan(a.value) && std::isnan(b.value));
    if (a.file != b.file || a.group != b.group || a.rule != b.rule || a.expr != b.expr ||
        !(a.labels == b.labels) || a.state != b.state || a.active_at_ms != b.active_at_ms ||
        a.fired_at_ms != b.fired_at_ms || a.keep_firing_since_ms != b.keep_firing_since_ms ||
        !same_value) {
      __builtin_trap();
    }
  }
  return 0;
}
