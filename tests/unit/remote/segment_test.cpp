#include "remote/segment.hpp"

#include <zlib.h>

#include <catch2/catch.hpp>
#include <fstream>
#include <iterator>

#include "support/test_support.hpp"

using namespace sonde;

namespace {

TEST_CASE("segment: records round-trip; damage is found", "[remote][buffer]") {
  std::string seg(remote::kSegmentMagic);
  seg += remote::encode_record(3, 42, "abc");
  seg += remote::encode_record(1, -7, "");
  auto scan = remote::parse_segment(seg);
  CHECK_FALSE(scan.damaged);
  REQUIRE(scan.records.size() == 2);
  CHECK(scan.records[0].samples == 3);
  CHECK(scan.records[0].highest_ms == 42);
  CHECK(scan.records[1].highest_ms == -7);
  CHECK(scan.valid_bytes == seg.size());
  std::string body;
  std::uint32_t samples = 0;
  std::int64_t highest = 0;
  CHECK(remote::decode_record(
      std::string_view(seg).substr(scan.records[0].offset, scan.records[0].length), body, samples,
      highest));
  CHECK(body == "abc");

  CHECK(remote::parse_segment("").records.empty());
  CHECK_FALSE(remote::parse_segment("").damaged);
  CHECK(remote::parse_segment("not a segment").damaged);
  std::string huge(remote::kSegmentMagic);
  huge += std::string("\xff\xff\xff\xff\0\0\0\0", 8);
  scan = remote::parse_segment(huge);
  CHECK(scan.damaged);
  CHECK(scan.valid_bytes == remote::kSegmentMagic.size());
  CHECK(scan.problem == "a record length of 4294967295");
}

TEST_CASE("segment: the fuzz seeds are what make_seeds.py says they are", "[remote][buffer]") {
  // tests/fuzz/rw_segment/corpus, written by its make_seeds.py: three good records, then each
  // kind of damage after the first one or two.
  const auto corpus = test::fixture_root() / ".." / "fuzz" / "rw_segment" / "corpus";
  const auto scan = [&](const char* name) {
    std::ifstream in(corpus / name, std::ios::binary);
    REQUIRE(in);
    const std::string bytes{std::istreambuf_iterator<char>(in), {}};
    return remote::parse_segment(bytes);
  };
  auto s = scan("three_records");
  CHECK_FALSE(s.damaged);
  REQUIRE(s.records.size() == 3);
  CHECK(s.records[1].samples == 500);
  CHECK(s.records[2].highest_ms == 1'700'000'002'000);
  s = scan("flipped_byte");
  CHECK(s.damaged);
  CHECK(s.records.size() == 1);
  CHECK(s.problem == "a record whose checksum does not match");
  s = scan("huge_length");
  CHECK(s.damaged);
  CHECK(s.records.size() == 1);
  CHECK(s.problem == "a record length of 4294967280");
  s = scan("torn_tail");
  CHECK(s.damaged);
  CHECK(s.records.size() == 2);
  CHECK(s.problem == "a record header cut short");
}

std::uint32_t le32(std::string_view s, std::size_t at) {
  std::uint32_t v = 0;
  for (std::size_t i = 0; i < 4; ++i)
    v |= std::uint32_t{static_cast<unsigned char>(s[at + i])} << (8 * i);
  return v;
}

TEST_CASE("segment: a record is length, crc32 of length and payload, then the payload",
          "[remote][segment]") {
  const std::string r = remote::encode_record(0x01020304, -2, "body");
  REQUIRE(r.size() == remote::kRecordHeader + remote::kPayloadHeader + 4);
  CHECK(le32(r, 0) == remote::kPayloadHeader + 4);
  // The checksum, computed here with zlib over the length bytes and the payload.
  uLong c = crc32(0L, Z_NULL, 0);
  c = crc32(c, reinterpret_cast<const Bytef*>(r.data()), 4);
  c = crc32(c, reinterpret_cast<const Bytef*>(r.data() + 8), static_cast<uInt>(r.size() - 8));
  CHECK(le32(r, 4) == static_cast<std::uint32_t>(c));
  CHECK(le32(r, 8) == 0x01020304);
  CHECK(r.substr(12, 8) == std::string(8, '\xff').replace(0, 1, "\xfe"));  // -2, little-endian
  CHECK(r.substr(20) == "body");

  std::string body;
  std::uint32_t samples = 0;
  std::int64_t highest = 0;
  REQUIRE(remote::decode_record(r, body, samples, highest));
  CHECK(body == "body");
  CHECK(samples == 0x01020304);
  CHECK(highest == -2);
  // decode_record takes exactly one record: a byte more, a byte less or a changed byte is refused.
  CHECK_FALSE(remote::decode_record(r + "x", body, samples, highest));
  CHECK_FALSE(remote::decode_record(r.substr(0, r.size() - 1), body, samples, highest));
  for (std::size_t i = 0; i < r.size(); ++i) {
    std::string flipped = r;
    flipped[i] = static_cast<char>(flipped[i] ^ 0x20);
    INFO("byte " << i);
    CHECK_FALSE(remote::decode_record(flipped, body, samples, highest));
  }
}

TEST_CASE("segment: a tail torn at any byte keeps the records before it", "[remote][segment]") {
  std::string seg(remote::kSegmentMagic);
  seg += remote::encode_record(1, 10, "first");
  const std::size_t first_end = seg.size();
  seg += remote::encode_record(2, 20, "second record");
  for (std::size_t cut = first_end + 1; cut < seg.size(); ++cut) {
    INFO("cut at " << cut);
    const auto scan = remote::parse_segment(std::string_view(seg).substr(0, cut));
    CHECK(scan.damaged);
    REQUIRE(scan.records.size() == 1);
    CHECK(scan.records[0].offset == remote::kSegmentMagic.size());
    CHECK(scan.records[0].length == first_end - remote::kSegmentMagic.size());
    CHECK(scan.valid_bytes == first_end);
    CHECK(scan.problem == (cut - first_end < remote::kRecordHeader ? "a record header cut short"
                                                                   : "a record cut short"));
  }
  const auto whole = remote::parse_segment(seg);
  CHECK_FALSE(whole.damaged);
  CHECK(whole.problem.empty());
  CHECK(whole.records.size() == 2);
  CHECK(whole.records[1].offset == first_end);
}

TEST_CASE("segment: lengths shorter than a payload header or past kMaxRecord are damage",
          "[remote][segment]") {
  const auto with_length = [](std::uint32_t n) {
    std::string seg(remote::kSegmentMagic);
    for (int i = 0; i < 4; ++i) seg.push_back(static_cast<char>((n >> (8 * i)) & 0xff));
    seg += std::string(4 + 16, '\0');
    return remote::parse_segment(seg);
  };
  CHECK(with_length(remote::kPayloadHeader - 1).problem == "a record length of 11");
  CHECK(with_length(remote::kMaxRecord + 1).problem == "a record length of 67108865");
  CHECK(with_length(remote::kPayloadHeader).problem == "a record whose checksum does not match");
  CHECK(remote::parse_segment("sondeRW").problem == "no segment header");  // a torn header
  CHECK(remote::parse_segment("sondeRW").damaged);
  CHECK(remote::parse_segment("sondeRW").valid_bytes == 0);
}

}  // namespace
