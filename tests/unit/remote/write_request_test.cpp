#include "remote/write_request.hpp"

#include <catch2/catch.hpp>
#include <cmath>
#include <cstring>

using namespace sonde::remote;

namespace {

std::string bytes(std::initializer_list<int> b) {
  std::string s;
  for (int c : b) s.push_back(static_cast<char>(c));
  return s;
}

}  // namespace

TEST_CASE("WriteRequest bytes are protobuf's, zero fields omitted as gogoproto does",
          "[remote][encode]") {
  const Labels labels{{"__name__", "up"}, {"job", "x"}};
  const SamplePoint samples[] = {{1, 1.0}};
  const SeriesView series[] = {{&labels, samples}};
  std::string out;
  encode_write_request(series, {}, out);
  const std::string expected =
      bytes({0x0a, 0x27,  // timeseries, 39
             0x0a, 0x0e, 0x0a, 0x08}) +
      "__name__" + bytes({0x12, 0x02}) + "up" +                              // label
      bytes({0x0a, 0x08, 0x0a, 0x03}) + "job" + bytes({0x12, 0x01}) + "x" +  // label
      bytes({0x12, 0x0b, 0x09, 0, 0, 0, 0, 0, 0, 0xf0, 0x3f, 0x10, 0x01});   // sample
  CHECK(out == expected);

  // Value 0 and timestamp 0 are left out; a negative timestamp is a 10-byte varint.
  const SamplePoint zero[] = {{0, 0.0}, {-1, 2.0}};
  const SeriesView z[] = {{&labels, zero}};
  encode_write_request(z, {}, out);
  CHECK(out.find(bytes({0x12, 0x00})) != std::string::npos);
  CHECK(out.find(bytes({0x10, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01})) !=
        std::string::npos);
}

TEST_CASE("metadata entries: type number, family, help", "[remote][encode]") {
  const Metadata m[] = {{sonde::core::MetricType::counter, "c_total", "Help.", ""},
                        {sonde::core::MetricType::untyped, "u", "", ""}};
  std::string out;
  encode_write_request({}, m, out);
  const std::string expected = bytes({0x1a, 0x12, 0x08, 0x01, 0x12, 0x07}) + "c_total" +
                               bytes({0x22, 0x05}) + "Help." + bytes({0x1a, 0x03, 0x12, 0x01}) +
                               "u";
  CHECK(out == expected);
  CHECK(metadata_type(sonde::core::MetricType::gauge) == 2);
  CHECK(metadata_type(sonde::core::MetricType::histogram) == 3);
  CHECK(metadata_type(sonde::core::MetricType::summary) == 5);
}

TEST_CASE("StaleNaN has Prometheus's bit pattern and survives encoding", "[remote][encode]") {
  const double s = stale_nan();
  CHECK(std::isnan(s));
  CHECK(is_stale_nan(s));
  CHECK_FALSE(is_stale_nan(std::nan("")));
  std::uint64_t bits = 0;
  std::memcpy(&bits, &s, 8);
  CHECK(bits == 0x7ff0000000000002ull);
  const Labels labels{{"__name__", "gone"}};
  const SamplePoint samples[] = {{5, s}};
  const SeriesView series[] = {{&labels, samples}};
  std::string out;
  encode_write_request(series, {}, out);
  CHECK(out.find(bytes({0x09, 0x02, 0, 0, 0, 0, 0, 0xf0, 0x7f})) != std::string::npos);
}

TEST_CASE("snappy block format round trip; garbage is refused", "[remote][encode]") {
  std::string text(10000, 'a');
  for (std::size_t i = 0; i < text.size(); i += 7) text[i] = static_cast<char>('a' + i % 26);
  std::string c, back;
  snappy_compress(text, c);
  CHECK(c.size() < text.size());
  REQUIRE(snappy_uncompress(c, back));
  CHECK(back == text);
  CHECK_FALSE(snappy_uncompress("\xff\xff\xff\xff\xff garbage", back));
}
