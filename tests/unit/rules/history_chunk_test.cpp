// The history's compressed chunks (chunk.hpp): encoding, resumed decoding, corrupt input, and
// the search over decoded points.
#include <bit>
#include <catch2/catch.hpp>
#include <cmath>
#include <random>

#include "rules/history/chunk.hpp"

using namespace sonde::rules;
using promql::Point;

namespace {

std::uint64_t bits(double v) { return std::bit_cast<std::uint64_t>(v); }

}  // namespace

TEST_CASE("chunks round-trip timestamps and value bits exactly", "[rules][history]") {
  std::mt19937_64 rng(42);
  std::vector<Point> in;
  std::int64_t t = 1'700'000'000'000;
  double counter = 0;
  const double specials[] = {0.0,      -0.0,      1e308, -1e-308,
                             INFINITY, -INFINITY, NAN,   promql::stale_nan()};
  for (int i = 0; i < history::kChunkSamples; ++i) {
    // Jittered steps of about 15 s, sometimes huge gaps, sometimes equal deltas.
    const int kind = static_cast<int>(rng() % 6);
    t += kind == 0   ? 15'000
         : kind == 1 ? 15'000 + static_cast<int>(rng() % 40) - 20
         : kind == 2 ? 86'400'000LL * 400
                     : 14'990 + static_cast<int>(rng() % 20);
    counter += static_cast<double>(rng() % 1000);
    double v = i % 7 == 0 ? specials[i / 7 % 8] : (i % 2 ? counter : std::ldexp(1.0, i % 90));
    in.push_back({t, v});
  }
  history::ChunkAppender a;
  for (const auto& p : in) REQUIRE(a.append(p.t, p.v));
  CHECK_FALSE(a.append(t + 1, 1));  // full
  std::vector<Point> out;
  REQUIRE(history::decode_chunk(a.bytes(), out));
  REQUIRE(out.size() == in.size());
  for (std::size_t i = 0; i < in.size(); ++i) {
    INFO(i);
    CHECK(out[i].t == in[i].t);
    CHECK(bits(out[i].v) == bits(in[i].v));
  }
  // A window: only samples inside [mint, maxt].
  std::vector<Point> part;
  REQUIRE(history::decode(a.stream(), a.count(), in[10].t, in[20].t, part));
  CHECK(part.size() == 11);
  CHECK(part.front().t == in[10].t);
}

TEST_CASE("a decoding goes on from where an earlier one stopped", "[rules][history]") {
  // A chunk growing a sample at a time, decoded from a later time at each (as the passes over
  // the head chunk are): resumed from the point the previous decoding left, it gives exactly
  // what decoding from the chunk's start gives.
  std::mt19937_64 rng(7);
  history::ChunkAppender a;
  history::DecodePoint at;
  std::vector<Point> in;
  std::int64_t t = 1'700'000'000'000;
  double v = 0;
  for (int i = 0; i < history::kChunkSamples; ++i) {
    const int kind = static_cast<int>(rng() % 5);
    t += kind == 0 ? 15'000 : kind == 1 ? 86'400'000 : 14'990 + static_cast<int>(rng() % 20);
    v = kind == 2 ? v : kind == 3 ? std::ldexp(1.0, i % 70) : v + static_cast<double>(rng() % 99);
    if (i % 13 == 5) v = promql::stale_nan();
    REQUIRE(a.append(t, v));
    in.push_back({t, v});
    const std::int64_t mint = in[static_cast<std::size_t>(i) * 2 / 3].t + 1;  // never earlier
    std::vector<Point> full, resumed;
    REQUIRE(history::decode(a.stream(), a.count(), mint, INT64_MAX, full));
    REQUIRE(history::decode(a.stream(), a.count(), mint, INT64_MAX, resumed, &at));
    INFO(i);
    REQUIRE(resumed.size() == full.size());
    for (std::size_t k = 0; k < full.size(); ++k) {
      CHECK(resumed[k].t == full[k].t);
      CHECK(bits(resumed[k].v) == bits(full[k].v));
    }
    if (at.next > 0) {
      // It stands at the last sample before mint.
      CHECK(at.t < mint);
      CHECK(in[at.next - 1].t == at.t);
      CHECK((at.next == in.size() || in[at.next].t >= mint));
    }
  }
  CHECK(at.next > 0);
  // A point beyond the stream (a corrupt one) is refused, not read past the end.
  history::DecodePoint bad = at;
  bad.bit = static_cast<std::uint16_t>(a.stream().size() * 8 + 1);
  std::vector<Point> out;
  CHECK_FALSE(history::decode(a.stream(), a.count(), at.t + 1, INT64_MAX, out, &bad));
  bad = at;
  bad.next = static_cast<std::uint8_t>(a.count() + 1);
  CHECK_FALSE(history::decode(a.stream(), a.count(), at.t + 1, INT64_MAX, out, &bad));
}

TEST_CASE("a regular series compresses to a few bytes a sample", "[rules][history]") {
  history::ChunkAppender a;
  double v = 1000;
  for (int i = 0; i < 80; ++i) {
    v += 15 * (i % 3);  // a counter moving by small steps
    REQUIRE(a.append(1'700'000'000'000 + i * 15'000, v));
  }
  // 16 bytes a sample raw; a scrape-regular counter costs a few bits of timestamp and ~2 bytes.
  CHECK(a.bytes().size() < 80 * 4);
}

TEST_CASE("truncated or corrupt chunks are refused without reading past the end",
          "[rules][history]") {
  history::ChunkAppender a;
  for (int i = 0; i < 50; ++i) REQUIRE(a.append(1000 + i * 15'000 + (i % 3), i * 1.5));
  const auto bytes = a.bytes();
  for (std::size_t n = 0; n < bytes.size(); ++n) {
    std::vector<std::uint8_t> cut(bytes.begin(), bytes.begin() + static_cast<long>(n));
    std::vector<Point> out;
    CHECK_FALSE(history::decode_chunk(cut, out));
    CHECK(out.size() < 50);
  }
  std::vector<std::uint8_t> bad = {0xff, 0xff, 1, 2, 3};  // count above kChunkSamples
  std::vector<Point> out;
  CHECK_FALSE(history::decode_chunk(bad, out));
}

TEST_CASE("search_from_end is lower_bound and upper_bound over the points", "[rules][history]") {
  std::vector<Point> points;
  for (std::int64_t t : {10, 20, 20, 30, 40, 40, 40, 50}) points.push_back({t, 0});
  const Point* begin = points.data();
  const Point* end = begin + points.size();
  auto before_t = [](const Point& p, std::int64_t t) { return p.t < t; };
  auto after_t = [](std::int64_t t, const Point& p) { return t < p.t; };
  for (std::int64_t t = 0; t <= 60; t += 5) {
    INFO(t);
    CHECK(history::search_from_end(begin, end, t, false) ==
          std::lower_bound(begin, end, t, before_t));
    CHECK(history::search_from_end(begin, end, t, true) ==
          std::upper_bound(begin, end, t, after_t));
    CHECK(history::search_from_end(begin, begin, t, false) == begin);  // empty
  }
}
