#include "core/utf8.hpp"

#include <catch2/catch.hpp>
#include <string>

using namespace sonde;

TEST_CASE("utf8: sequence lengths and what is invalid", "[core][utf8]") {
  using core::utf8_sequence_length;
  CHECK(utf8_sequence_length("a", 0) == 1);
  CHECK(utf8_sequence_length(std::string_view("\0", 1), 0) == 1);
  CHECK(utf8_sequence_length("\xc3\xa9", 0) == 2);          // é
  CHECK(utf8_sequence_length("\xe2\x82\xac", 0) == 3);      // €
  CHECK(utf8_sequence_length("\xf0\x9f\x98\x80", 0) == 4);  // 😀
  CHECK(utf8_sequence_length("\xf4\x8f\xbf\xbf", 0) == 4);  // U+10FFFF
  CHECK(utf8_sequence_length("x\xc3\xa9", 1) == 2);
  for (const char* bad : {"\x80", "\xbf", "\xc0\xaf", "\xc1\xbf", "\xc3", "\xc3(", "\xe0\x80\xaf",
                          "\xe2\x82", "\xed\xa0\x80", "\xed\xbf\xbf", "\xf0\x80\x80\xaf",
                          "\xf4\x90\x80\x80", "\xf5\x80\x80\x80", "\xff", "\xfe"}) {
    INFO(bad);
    CHECK(utf8_sequence_length(bad, 0) == 0);
  }
  CHECK(utf8_sequence_length("\xed\x9f\xbf", 0) == 3);  // U+D7FF, just below the surrogates
  CHECK(utf8_sequence_length("\xee\x80\x80", 0) == 3);  // U+E000, just above
}

TEST_CASE("utf8: valid_utf8 over whole strings", "[core][utf8]") {
  CHECK(core::valid_utf8(""));
  CHECK(core::valid_utf8("grüße €"));
  CHECK_FALSE(core::valid_utf8("gr\xfc\xdf"));  // Latin-1
  CHECK_FALSE(core::valid_utf8("ok\xc3"));      // cut at the end
  CHECK_FALSE(core::valid_utf8("\xed\xa0\x80"));
}

TEST_CASE("utf8: append_valid_utf8 replaces each bad byte by U+FFFD", "[core][utf8]") {
  const auto fixed = [](std::string_view s) {
    std::string out = ">";
    core::append_valid_utf8(out, s);
    return out;
  };
  CHECK(fixed("plain") == ">plain");
  CHECK(fixed("caf\xc3\xa9") == ">caf\xc3\xa9");
  CHECK(fixed("a\xffz") == ">a\xef\xbf\xbdz");
  CHECK(fixed("\xc0\xaf") == ">\xef\xbf\xbd\xef\xbf\xbd");
  CHECK(fixed("\xe2\x82") == ">\xef\xbf\xbd\xef\xbf\xbd");  // a truncated €
}
