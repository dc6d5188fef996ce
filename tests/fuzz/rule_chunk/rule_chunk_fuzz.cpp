// libFuzzer target for the rule history's chunk decoder (lib/rules/history/chunk.hpp): any bytes
// decode to samples or are refused, never read out of bounds; and the same bytes read as samples
// (8 bytes of time step, 8 of value bits each) encode and decode back bit for bit.
// Seeds: tests/fuzz/rule_chunk/corpus/.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <vector>

#include "rules/history/chunk.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace sonde::rules;
  std::vector<promql::Point> out;
  const bool ok = history::decode_chunk(std::span<const std::uint8_t>(data, size), out);
  if (out.size() > history::kChunkSamples) __builtin_trap();
  (void)ok;

  history::ChunkAppender a;
  std::vector<promql::Point> in;
  std::int64_t t = 0;
  for (std::size_t i = 0; i + 16 <= size && in.size() < history::kChunkSamples; i += 16) {
    std::uint64_t step = 0;
    std::uint64_t bits = 0;
    std::memcpy(&step, data + i, 8);
    std::memcpy(&bits, data + i + 8, 8);
    // Increasing times anywhere in the int64 range (wrapping is the caller's to prevent).
    const auto delta = static_cast<std::int64_t>(step % (std::uint64_t{1} << 40)) + 1;
    if (!in.empty() && t > INT64_MAX - delta) break;
    t = in.empty() ? static_cast<std::int64_t>(step >> 1) - (std::int64_t{1} << 62) : t + delta;
    double v;
    std::memcpy(&v, &bits, sizeof v);
    if (!a.append(t, v)) __builtin_trap();
    in.push_back({t, v});
  }
  std::vector<promql::Point> back;
  if (!history::decode_chunk(a.bytes(), back) || back.size() != in.size()) __builtin_trap();
  for (std::size_t i = 0; i < in.size(); ++i) {
    if (back[i].t != in[i].t || std::memcmp(&back[i].v, &in[i].v, sizeof(double)) != 0) {
      __builtin_trap();
    }
  }
  return 0;
}
