// StreamFramer on any bytes, split into reads as the input's first bytes say, in both framings.
// Invariants: space() is never empty while the framer is open, no payload is longer than the
// framing allows, and finish() leaves nothing buffered.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string_view>

#include "ingest/stream_framer.hpp"

namespace {

using sonde::ingest::DropReason;
using sonde::ingest::StreamFramer;
using sonde::ingest::StreamFraming;

constexpr std::size_t kMaxLine = 64;
constexpr std::size_t kMaxFrame = 48;

struct Check final : StreamFramer::Sink {
  explicit Check(std::size_t max) : max_payload(max) {}
  void payload(std::string_view b) override {
    if (b.size() > max_payload) std::abort();
  }
  void reject(DropReason, std::string_view) override {}
  std::size_t max_payload;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 2) return 0;
  const bool frames = data[0] & 1;
  const std::size_t chunk = 1 + data[1] % 32;
  std::string_view bytes(reinterpret_cast<const char*>(data + 2), size - 2);
  // Newline payloads are runs of whole lines: bounded by the buffer, not by one line.
  StreamFramer f(frames ? StreamFraming::length_prefixed : StreamFraming::newline, kMaxLine,
                 kMaxFrame);
  Check sink(frames ? kMaxFrame : kMaxLine + 1);
  while (!bytes.empty()) {
    const auto space = f.space();
    if (space.empty()) std::abort();
    const std::size_t n = std::min({chunk, space.size(), bytes.size()});
    std::memcpy(space.data(), bytes.data(), n);
    bytes.remove_prefix(n);
    if (!f.received(n, sink)) return 0;
  }
  f.finish(sink);
  if (f.buffered() != 0) std::abort();
  return 0;
}
