// libFuzzer target for the remote write buffer's segment replay (lib/remote/segment.hpp): any
// bytes (random, truncated, a flipped byte) give the records up to the first damage, never a
// crash or a read past a record; every record found lies within the good part, follows the one
// before, reads back with its checksum, and encodes back to the same bytes. Seeds:
// tests/fuzz/rw_segment/corpus/.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "remote/segment.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace sonde::remote;
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  const SegmentScan scan = parse_segment(bytes);
  if (scan.valid_bytes > bytes.size()) __builtin_trap();
  if (scan.damaged == (scan.valid_bytes == bytes.size())) __builtin_trap();
  if (scan.damaged && scan.problem.empty()) __builtin_trap();
  std::uint64_t at = kSegmentMagic.size();
  for (const RecordInfo& r : scan.records) {
    if (r.offset != at || r.offset + r.length > scan.valid_bytes) __builtin_trap();
    const std::string_view rec = bytes.substr(r.offset, r.length);
    std::string body;
    std::uint32_t samples = 0;
    std::int64_t highest = 0;
    if (!decode_record(rec, body, samples, highest)) __builtin_trap();
    if (samples != r.samples || highest != r.highest_ms) __builtin_trap();
    if (encode_record(samples, highest, body) != rec) __builtin_trap();
    at += r.length;
  }
  if (!scan.records.empty() && at != scan.valid_bytes) __builtin_trap();
  return 0;
}
