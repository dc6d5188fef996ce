#include <catch2/catch.hpp>

#include "rules/promql/literal.hpp"

using namespace sonde::rules::promql;

TEST_CASE("promql string literals unquote as Go's strconv.Unquote", "[rules][promql]") {
  CHECK(unquote_literal("\"a\\nb\"") == "a\nb");
  CHECK(unquote_literal("'it\\'s'") == "it's");
  CHECK(unquote_literal("`raw\\n`") == "raw\\n");
  CHECK(unquote_literal("\"\\u00e9\"") == "\xC3\xA9");
  CHECK(unquote_literal("\"\\x41\"") == "A");
  CHECK(unquote_literal("\"bad") == std::nullopt);
  CHECK(unquote_literal("\"\\q\"") == std::nullopt);
  CHECK(unquote_literal("x") == std::nullopt);
}

TEST_CASE("promql string literals print back as Go's strconv.Quote", "[rules][promql]") {
  CHECK(go_quote("a\"b\n") == "\"a\\\"b\\n\"");
  CHECK(go_quote("tab\there") == "\"tab\\there\"");
  CHECK(go_quote("\xC3\xA9") == "\"\xC3\xA9\"");
  CHECK(go_quote("\x01") == "\"\\x01\"");
}
