// The disk buffer's segment format (buffer.hpp). A segment file is an 8-byte header, "sondeRW1",
// then records, each
//
//   u32 length   (little-endian) of what follows the checksum
//   u32 crc32    (zlib's) of the length's 4 bytes and the payload
//   payload:     u32 samples, i64 highest timestamp (ms), then the request body (a snappy-
//                compressed WriteRequest, sent as it is)
//
// Records are only appended, so damage (a write torn by power loss, a flipped byte) is found by
// the first record whose length runs past the end or whose checksum does not match: the scan
// stops there and says where the good part ends. parse_segment is pure; tests/fuzz/rw_segment.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace sonde::remote {

inline constexpr std::string_view kSegmentMagic = "sondeRW1";
inline constexpr std::size_t kRecordHeader = 8;         // length + crc32
inline constexpr std::size_t kPayloadHeader = 12;       // samples + highest timestamp
inline constexpr std::uint32_t kMaxRecord = 64u << 20;  // longer lengths are damage

struct RecordInfo {
  std::uint64_t offset = 0;  // of the record's header in the segment
  std::uint32_t length = 0;  // the whole record, header included
  std::uint32_t samples = 0;
  std::int64_t highest_ms = 0;
};

struct SegmentScan {
  std::vector<RecordInfo> records;
  std::uint64_t valid_bytes = 0;  // the header and every good record; the rest is damage
  bool damaged = false;           // something follows valid_bytes
  std::string problem;            // what, when damaged
};

/// One record's bytes.
std::string encode_record(std::uint32_t samples, std::int64_t highest_ms, std::string_view body);

/// The records of a whole segment file's bytes, up to the first damage.
SegmentScan parse_segment(std::string_view bytes);

/// One record read back (`bytes` is exactly its length): its body, or false when its checksum or
/// length does not match.
bool decode_record(std::string_view bytes, std::string& body, std::uint32_t& samples,
                   std::int64_t& highest_ms);

}  // namespace sonde::remote
