#include "http/gzip.hpp"

#include <catch2/catch.hpp>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "support/gunzip.hpp"

using namespace sonde;

namespace {

TEST_CASE("gzip_compress round-trips through zlib's inflate", "[http][gzip]") {
  std::mt19937 rng(13);
  std::string random(200000, '\0');
  for (char& c : random) c = static_cast<char>(rng());
  std::string text;
  for (int i = 0; i < 5000; ++i)
    text += "node_cpu_seconds_total{cpu=\"" + std::to_string(i) + "\"} 1\n";
  for (const std::string& in :
       {std::string(), std::string("x"), std::string("\0\xff\n", 3), text, random}) {
    for (const int level : {0, 1, 2, 3}) {
      INFO("size " << in.size() << ", level " << level);
      const auto z = http::gzip_compress(in, level);
      REQUIRE(z.ok());
      CHECK(test::gunzip(*z) == in);
    }
  }
}

TEST_CASE("gzip_compress writes a gzip member: magic, deflate, and the length in the trailer",
          "[http][gzip]") {
  const std::string in(100000, 'a');
  const auto z = http::gzip_compress(in);
  REQUIRE(z.ok());
  REQUIRE(z->size() > 18);
  CHECK(static_cast<unsigned char>((*z)[0]) == 0x1f);
  CHECK(static_cast<unsigned char>((*z)[1]) == 0x8b);
  CHECK((*z)[2] == 8);  // deflate
  // ISIZE, the last four bytes: the input length mod 2^32, little-endian.
  const auto byte = [&](std::size_t i) {
    return static_cast<std::uint32_t>(static_cast<unsigned char>((*z)[z->size() - 4 + i]));
  };
  CHECK((byte(0) | byte(1) << 8 | byte(2) << 16 | byte(3) << 24) == in.size());
  CHECK(z->size() < in.size() / 100);  // a repetitive body shrinks
}

TEST_CASE("gzip_compress's body holds no more memory than its size and a little", "[http][gzip]") {
  // What ResponseMemory counts is size(): a body kept in the buffer it was compressed into (a
  // quarter of the input here) would hold ~100x that.
  const std::string in(100000, 'a');
  const auto z = http::gzip_compress(in);
  REQUIRE(z.ok());
  CHECK(z->capacity() < z->size() + 64);
}

TEST_CASE("gzip_compress refuses a level igzip does not have", "[http][gzip]") {
  for (const int level : {-1, 4, 42}) {
    const auto z = http::gzip_compress("abc", level);
    REQUIRE_FALSE(z.ok());
    CHECK(z.message() == "gzip: no compressor at level " + std::to_string(level));
  }
}

TEST_CASE("gzip_compress grows its output for a body that does not shrink", "[http][gzip]") {
  // Random bytes come out a little larger than they went in: four times the first guess of a
  // quarter of the input, so the output grows three times over.
  std::mt19937 rng(7);
  std::string random(1 << 20, '\0');
  for (char& c : random) c = static_cast<char>(rng());
  for (const int level : {0, 1, 3}) {
    const auto z = http::gzip_compress(random, level);
    REQUIRE(z.ok());
    CHECK(z->size() > random.size());
    CHECK(test::gunzip(*z) == random);
  }
}

TEST_CASE("gzip_compress's kept compressor starts each body afresh, on every thread",
          "[http][gzip]") {
  std::string text;
  for (int i = 0; i < 3000; ++i)
    text += "node_network_up{device=\"eth" + std::to_string(i) + "\"} 1\n";
  const auto first = http::gzip_compress(text);
  REQUIRE(first.ok());
  // Another body, another level and a refused level in between leave no trace in the next one.
  REQUIRE(http::gzip_compress(std::string(70000, 'b')).ok());
  REQUIRE(http::gzip_compress(text, 3).ok());
  REQUIRE(http::gzip_compress(text, 0).ok());
  REQUIRE_FALSE(http::gzip_compress(text, 42).ok());
  const auto again = http::gzip_compress(text);
  REQUIRE(again.ok());
  CHECK(*again == *first);
  std::vector<std::string> got(4);
  std::vector<std::thread> threads;
  for (std::size_t t = 0; t < got.size(); ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 20; ++i) {
        const auto z = http::gzip_compress(i % 2 ? text : std::string(i * 1000, 'c'));
        if (i % 2 && z.ok()) got[t] = *z;
      }
    });
  }
  for (auto& th : threads) th.join();
  for (const std::string& z : got) CHECK(test::gunzip(z) == text);
}

}  // namespace
