#include "core/quote.hpp"

#include <catch2/catch.hpp>
#include <string>

using sonde::core::quote;

TEST_CASE("quote: escapes as Go's strconv.Quote for ASCII", "[core][quote]") {
  CHECK(quote("plain") == "\"plain\"");
  CHECK(quote("a\"b\\c") == "\"a\\\"b\\\\c\"");
  CHECK(quote("l1\nl2\r\tx") == "\"l1\\nl2\\r\\tx\"");
  CHECK(quote(std::string("\x01\x1f\x7f", 3)) == "\"\\x01\\x1f\\x7f\"");
  CHECK(quote(std::string("a\0b", 3)) == "\"a\\x00b\"");
  CHECK(quote("") == "\"\"");
}

TEST_CASE("quote: shortened to max_shown characters, or whole with npos", "[core][quote]") {
  const std::string long_text(100, 'x');
  CHECK(quote(long_text) == "\"" + std::string(60, 'x') + "...\"");
  CHECK(quote(long_text, 3) == "\"xxx...\"");
  CHECK(quote("xxx", 3) == "\"xxx\"");
  CHECK(quote(long_text, std::string::npos) == "\"" + long_text + "\"");
}
