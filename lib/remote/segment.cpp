#include "remote/segment.hpp"

#include <zlib.h>

#include <cstring>

namespace sonde::remote {
namespace {

void put32(std::string& out, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}

void put64(std::string& out, std::uint64_t v) {
  for (int i = 0; i < 8; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}

std::uint64_t get(std::string_view in, std::size_t at, int bytes) {
  std::uint64_t v = 0;
  for (int i = 0; i < bytes; ++i) {
    v |=
        static_cast<std::uint64_t>(static_cast<unsigned char>(in[at + static_cast<std::size_t>(i)]))
        << (8 * i);
  }
  return v;
}

std::uint32_t checksum(std::string_view length_bytes, std::string_view payload) {
  uLong c = crc32(0L, Z_NULL, 0);
  c = crc32(c, reinterpret_cast<const Bytef*>(length_bytes.data()),
            static_cast<uInt>(length_bytes.size()));
  // A payload is at most kMaxRecord bytes, well within uInt.
  c = crc32(c, reinterpret_cast<const Bytef*>(payload.data()), static_cast<uInt>(payload.size()));
  return static_cast<std::uint32_t>(c);
}

/// The record at the start of `in`: its whole length, or 0 when it is damaged (`problem` says
/// why).
std::uint32_t check_record(std::string_view in, std::string& problem) {
  if (in.size() < kRecordHeader) {
    problem = "a record header cut short";
    return 0;
  }
  const auto length = static_cast<std::uint32_t>(get(in, 0, 4));
  if (length < kPayloadHeader || length > kMaxRecord) {
    problem = "a record length of " + std::to_string(length);
    return 0;
  }
  if (in.size() - kRecordHeader < length) {
    problem = "a record cut short";
    return 0;
  }
  const auto crc = static_cast<std::uint32_t>(get(in, 4, 4));
  if (checksum(in.substr(0, 4), in.substr(kRecordHeader, length)) != crc) {
    problem = "a record whose checksum does not match";
    return 0;
  }
  return static_cast<std::uint32_t>(kRecordHeader + length);
}

}  // namespace

std::string encode_record(std::uint32_t samples, std::int64_t highest_ms, std::string_view body) {
  std::string out;
  out.reserve(kRecordHeader + kPayloadHeader + body.size());
  put32(out, static_cast<std::uint32_t>(kPayloadHeader + body.size()));
  put32(out, 0);  // the checksum, below
  put32(out, samples);
  put64(out, static_cast<std::uint64_t>(highest_ms));
  out.append(body);
  const std::uint32_t crc =
      checksum(std::string_view(out).substr(0, 4), std::string_view(out).substr(kRecordHeader));
  for (int i = 0; i < 4; ++i)
    out[4 + static_cast<std::size_t>(i)] = static_cast<char>((crc >> (8 * i)) & 0xff);
  return out;
}

SegmentScan parse_segment(std::string_view bytes) {
  SegmentScan scan;
  if (bytes.size() < kSegmentMagic.size() ||
      bytes.substr(0, kSegmentMagic.size()) != kSegmentMagic) {
    scan.damaged = !bytes.empty();
    scan.problem = "no segment header";
    return scan;
  }
  std::size_t at = kSegmentMagic.size();
  while (at < bytes.size()) {
    const std::string_view rest = bytes.substr(at);
    const std::uint32_t n = check_record(rest, scan.problem);
    if (n == 0) {
      scan.damaged = true;
      break;
    }
    scan.records.push_back({at, n, static_cast<std::uint32_t>(get(rest, kRecordHeader, 4)),
                            static_cast<std::int64_t>(get(rest, kRecordHeader + 4, 8))});
    at += n;
  }
  scan.valid_bytes = at;
  if (!scan.damaged) scan.problem.clear();
  return scan;
}

bool decode_record(std::string_view bytes, std::string& body, std::uint32_t& samples,
                   std::int64_t& highest_ms) {
  std::string problem;
  if (check_record(bytes, problem) != bytes.size()) return false;
  samples = static_cast<std::uint32_t>(get(bytes, kRecordHeader, 4));
  highest_ms = static_cast<std::int64_t>(get(bytes, kRecordHeader + 4, 8));
  body.assign(bytes.substr(kRecordHeader + kPayloadHeader));
  return true;
}

}  // namespace sonde::remote
