// The single-pass metric-line parser against the parser it replaced (dogstatsd_reference.hpp):
// the same answer and, for a good line, the same fields (the same bytes of the line) on the
// edge cases below and on a few hundred thousand mutations of them. And the byte scanner
// (scan.hpp) against a plain loop at every offset and length around its 8-byte words.
#include <algorithm>
#include <catch2/catch.hpp>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "ingest/dogstatsd.hpp"
#include "ingest/scan.hpp"
#include "unit/ingest/dogstatsd_reference.hpp"

using namespace sonde::ingest;

namespace {

bool same_view(std::string_view a, std::string_view b) {
  return a.size() == b.size() && (a.empty() || a.data() == b.data());
}

// Lines of every shape the brief and the DogStatsD spec name; the mutations start from these.
const std::vector<std::string> kSeeds = {
    "loadgen.counter:1|c|#id:12,t1:v4",
    "page.views:1|c",
    "page.views:1|c|@0.5",
    "page.views:1|c|#env:prod,canary",
    "page.views:1|c|@0.1|#env:prod|T1656581400|c:abc123",
    "x:1|c|#",                              // '#' with no tags
    "x:1|c|#,",                             // empty tags
    "x:1|c|#a,,b",                          // an empty tag between two
    "x:1|c|#a:1,a:2,a:1",                   // repeated tags
    "x:1|c|#url:http://x:80/a,k:v:w",       // ':' in values
    "x:1|c|@0.25|#b:2,a:1|T123|c:ci-1",     // |T and |c:
    "x:1|c|c:|c:second",                    // an empty container, then one
    "x:1|c|c:",                             // only an empty container
    "x:1|c|e:it-false,cn-nginx|card:high",  // extension fields
    "x:|c",                                 // |c without value
    "x:1|c|",                               // a trailing '|'
    "x:1|c||#a:b",                          // "||"
    "x:1:2:3|d|#a:b",                       // several values
    "x:1::2|ms",
    "x:alice:bob|s",
    "users:|s",
    "fuel.level:+4|g",
    "fuel.level:-4.5e2|g",
    "x:0x10|c",
    "x:1e400|c",
    "x:NaN|g",
    "x:1|c|@0",
    "x:1|c|@2",
    "x:1|c|@",
    "x:1|c|@0.5|@0.5",
    "x:1|c|#a|#b",
    "x|c:1",
    ":1|c",
    "x:1|C",
    "x:1|msx",
    "x:1|m",
    "x:1|c\r",
    "\xff\xfe:1|c|#\xc3\x28:\xa0",  // invalid UTF-8
    std::string("a\0b:1|c|#\0:\0", 12),
    "x:" + std::string(40, '9') + "|c",
    "very.long.metric.name.with.many.parts.for.the.words:123456789012345|h|@0.001|#" +
        std::string(100, 'a') + ":" + std::string(70, 'b') + ",c:d",
    "_e{5,4}:title|text",  // events and service checks go elsewhere: skipped below
    "_sc|db.up|2",
    "_x:1|c",
    "_e:1|c",
    "_s:1|c",
};

void check_same(const std::string& line, const ParseLimits& limits) {
  INFO("line: \"" << line << "\" (" << line.size() << " bytes)");
  ParsedLine got;
  MetricLine want;
  const ParseError e = parse_line(line, limits, got);
  if (e != ParseError::empty && e != ParseError::line_too_long && got.kind != LineKind::metric) {
    return;  // an event or a service check
  }
  REQUIRE(e == reference::parse_line(line, limits, want));
  if (e != ParseError::ok) return;
  const MetricLine& m = got.metric;
  CHECK(same_view(m.name, want.name));
  CHECK(same_view(m.values, want.values));
  CHECK(same_view(m.type, want.type));
  CHECK(m.kind == want.kind);
  CHECK(m.sample_rate == want.sample_rate);
  CHECK(same_view(m.tags, want.tags));
  CHECK(m.tag_count == want.tag_count);
  CHECK(std::signbit(m.first_value) == std::signbit(want.first_value));
  CHECK(m.first_value == want.first_value);
  CHECK(m.multi_value == want.multi_value);
  CHECK(same_view(m.container, want.container));
}

template <char... Cs>
const char* naive_find(const char* p, const char* end) {
  for (; p != end; ++p) {
    if (((*p == Cs) || ...)) return p;
  }
  return end;
}

}  // namespace

TEST_CASE("the single-pass parser agrees with the old parser on edge cases", "[ingest][parser]") {
  for (const auto& line : kSeeds) {
    check_same(line, ParseLimits{});
    check_same(line, ParseLimits{16384, 2});  // too_many_tags against malformed, in field order
  }
  // Every prefix of every seed: each delimiter at each offset of an 8-byte word.
  for (const auto& seed : kSeeds) {
    for (std::size_t n = 0; n <= seed.size(); ++n) check_same(seed.substr(0, n), ParseLimits{});
  }
  // Two tags allowed, three sent, then a malformed field: the tags are refused first.
  ParsedLine p;
  CHECK(parse_line("x:1|c|#a,b,c||", ParseLimits{16384, 2}, p) == ParseError::too_many_tags);
  CHECK(parse_line("x:1|c||#a,b,c", ParseLimits{16384, 2}, p) == ParseError::malformed);
  CHECK(parse_line("x:1|c|#a,b,c|", ParseLimits{16384, 3}, p) == ParseError::malformed);
}

TEST_CASE("the single-pass parser agrees with the old parser on mutated lines",
          "[ingest][parser]") {
  std::mt19937 rng(20261203);
  static constexpr char kAlphabet[] = ":|,#@c.1-+e\r\0ams9xgTdh};";
  const std::string alphabet(kAlphabet, sizeof kAlphabet - 1);  // with the NUL
  const auto pick = [&](std::size_t n) {
    return static_cast<std::size_t>(std::uniform_int_distribution<std::size_t>(0, n - 1)(rng));
  };
  std::size_t lines = 0;
  for (const auto& seed : kSeeds) {
    for (int i = 0; i < 4000; ++i) {
      std::string line = seed;
      const int edits = 1 + static_cast<int>(pick(4));
      for (int k = 0; k < edits; ++k) {
        const char c = alphabet[pick(alphabet.size())];
        switch (pick(3)) {
          case 0:
            line.insert(line.begin() + static_cast<std::ptrdiff_t>(pick(line.size() + 1)), c);
            break;
          case 1:
            if (!line.empty()) line.erase(pick(line.size()), 1);
            break;
          default:
            if (!line.empty()) line[pick(line.size())] = c;
            break;
        }
      }
      check_same(line, ParseLimits{});
      check_same(line, ParseLimits{24, 3});
      ++lines;
    }
  }
  CHECK(lines == kSeeds.size() * 4000);
}

TEST_CASE("scan: find_first and find_counting match a plain loop", "[ingest][parser]") {
  std::mt19937 rng(17);
  // With each delimiter plus one ('|' + 1 is '}', ':' + 1 ';', ',' + 1 '-'): the bytes a
  // borrow from a match below could flag.
  const std::string alphabet = "ab:|,\xff};-";
  for (int round = 0; round < 300; ++round) {
    std::string s(static_cast<std::size_t>(rng() % 40), 'a');
    for (char& c : s) c = alphabet[rng() % alphabet.size()];
    const char* const begin = s.data();
    const char* const end = begin + s.size();
    for (std::size_t from = 0; from <= s.size(); ++from) {
      INFO("\"" << s << "\" from " << from);
      const char* p = begin + from;
      CHECK(scan::find_first<':', '|'>(begin, p, end) == naive_find<':', '|'>(p, end));
      CHECK(scan::find_first<'|'>(begin, p, end) == naive_find<'|'>(p, end));
      CHECK(scan::find_first<'|', ':'>(begin, p, end) == naive_find<'|', ':'>(p, end));
      std::uint32_t count = 0;
      const char* stop = scan::find_counting<'|', ','>(begin, p, end, count);
      CHECK(stop == naive_find<'|'>(p, end));
      CHECK(count == static_cast<std::uint32_t>(std::count(p, stop, ',')));
    }
  }
  // A byte one above the delimiter right after it: the form of the zero-byte test that flags
  // such bytes would count "-" after "," and find "}" after "|".
  const std::string tricky = ",-,-,-,-,-,-,-,-|}";
  std::uint32_t count = 0;
  CHECK(scan::find_counting<'|', ','>(tricky.data(), tricky.data(), tricky.data() + tricky.size(),
                                      count) == tricky.data() + 16);
  CHECK(count == 8);
  CHECK(scan::bytes_equal(0x2d2c2d2c2d2c2d2cULL, ',') == 0x0080008000800080ULL);
  CHECK(scan::flagged(0x8080808080808080ULL) == 8);
  CHECK(scan::flagged(0) == 0);
}
