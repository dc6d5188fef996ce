// The PromQL lexer (lexer.cpp) token by token, with the cases of Prometheus 2.42's
// promql/parser/lex_test.go: every token kind with its byte offset, durations, strings and
// their escapes, and the lexer's error messages.
#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "rules/promql/lexer.hpp"
#include "rules/promql/parser.hpp"

using namespace sonde::rules::promql;

namespace {

struct Want {
  T type;
  int pos;
  std::string val;
};

/// Checks that `input` lexes to `want` followed by eof.
void lexes(std::string_view input, const std::vector<Want>& want) {
  INFO("input: " << input);
  const auto got = lex(input);
  REQUIRE(got.size() == want.size() + 1);
  for (std::size_t i = 0; i < want.size(); ++i) {
    INFO("token " << i << ": " << token_desc(got[i]));
    CHECK(got[i].type == want[i].type);
    CHECK(got[i].pos == want[i].pos);
    CHECK(got[i].val == want[i].val);
  }
  CHECK(got.back().type == T::eof);
}

/// The error `input` ends with ("" when it lexes without one).
std::string lex_error(std::string_view input) {
  const auto got = lex(input);
  return got.back().type == T::error ? got.back().val : "";
}

}  // namespace

TEST_CASE("promql lexer: punctuation, brackets and spaces", "[rules][promql][lexer]") {
  lexes(",", {{T::comma, 0, ","}});
  lexes("()", {{T::lparen, 0, "("}, {T::rparen, 1, ")"}});
  lexes("{}", {{T::lbrace, 0, "{"}, {T::rbrace, 1, "}"}});
  lexes("[5m]", {{T::lbracket, 0, "["}, {T::duration, 1, "5m"}, {T::rbracket, 3, "]"}});
  lexes("[ 5m]", {{T::lbracket, 0, "["}, {T::duration, 2, "5m"}, {T::rbracket, 4, "]"}});
  lexes("[  5m ]", {{T::lbracket, 0, "["}, {T::duration, 3, "5m"}, {T::rbracket, 6, "]"}});
  lexes("\r\n\r", {});
  lexes("", {});
}

TEST_CASE("promql lexer: numbers, Inf and NaN in any case", "[rules][promql][lexer]") {
  lexes("1", {{T::number, 0, "1"}});
  lexes("4.23", {{T::number, 0, "4.23"}});
  lexes(".3", {{T::number, 0, ".3"}});
  lexes("5.", {{T::number, 0, "5."}});
  lexes("5e-3", {{T::number, 0, "5e-3"}});
  lexes("0x123", {{T::number, 0, "0x123"}});
  lexes("NaN", {{T::number, 0, "NaN"}});
  lexes("nAN", {{T::number, 0, "nAN"}});
  lexes("NaN 123", {{T::number, 0, "NaN"}, {T::number, 4, "123"}});
  lexes("NaN123", {{T::identifier, 0, "NaN123"}});
  lexes("iNf", {{T::number, 0, "iNf"}});
  lexes("+Inf 123", {{T::add, 0, "+"}, {T::number, 1, "Inf"}, {T::number, 5, "123"}});
  lexes("-Inf", {{T::sub, 0, "-"}, {T::number, 1, "Inf"}});
  lexes("Infoo", {{T::identifier, 0, "Infoo"}});
  lexes("-Infoo", {{T::sub, 0, "-"}, {T::identifier, 1, "Infoo"}});
}

TEST_CASE("promql lexer: strings keep their quotes and escapes", "[rules][promql][lexer]") {
  lexes("\"test\\tsequence\"", {{T::string, 0, "\"test\\tsequence\""}});
  lexes("\"test\\\\.expression\"", {{T::string, 0, "\"test\\\\.expression\""}});
  lexes("`test\\.expression`", {{T::string, 0, "`test\\.expression`"}});
  lexes("'it\\'s'", {{T::string, 0, "'it\\'s'"}});
  lexes("\"\\u00e9\\x41\\101\"", {{T::string, 0, "\"\\u00e9\\x41\\101\""}});
  CHECK(lex_error("\"test\\.expression\"") == "unknown escape sequence U+002E '.'");
  CHECK(lex_error("\"abc") == "unterminated quoted string");
  CHECK(lex_error("\"a\nb\"") == "unterminated quoted string");
  CHECK(lex_error("`abc") == "unterminated raw string");
  CHECK(lex_error("\"\\x4g\"") == "illegal character U+0067 'g' in escape sequence");
  CHECK(lex_error("\"\\ud800\"") == "escape sequence is an invalid Unicode code point");
  CHECK(lex_error("\"\\") == "escape sequence not terminated");
}

TEST_CASE("promql lexer: strings must be UTF-8", "[rules][promql][lexer]") {
  // lex_test.go's "encoding issues": Go's lexer reads runes, and utf8.RuneError ends the string.
  CHECK(lex_error("\"\xff\"") == "invalid UTF-8 rune");
  CHECK(lex_error("`\xff`") == "invalid UTF-8 rune");
  CHECK(lex_error("{a=\"b\xc3\"}") == "invalid UTF-8 rune");
  CHECK(lex_error("\"\xed\xa0\x80\"") == "invalid UTF-8 rune");  // a UTF-16 surrogate
  // U+FFFD decodes to utf8.RuneError too, so Prometheus refuses it as well.
  CHECK(lex_error("\"\xef\xbf\xbd\"") == "invalid UTF-8 rune");
  lexes("\"台北\"", {{T::string, 0, "\"台北\""}});
  lexes("`é` 1", {{T::string, 0, "`é`"}, {T::number, 5, "1"}});
  const auto t = lex("x{a=\"\xff\"}");
  REQUIRE(t.back().type == T::error);
  CHECK(t.back().pos == 4);  // the string's start
  auto p = parse("x{a=\"\xff\"}");
  REQUIRE_FALSE(p.ok());
  CHECK(p.error().to_string() == "1:5: parse error: invalid UTF-8 rune");
}

TEST_CASE("promql lexer: durations", "[rules][promql][lexer]") {
  for (const char* d : {"5s", "123m", "1h", "3w", "1y", "5ms", "1h30m", "2d12h"}) {
    lexes(d, {{T::duration, 0, d}});
  }
  CHECK(lex_error("[5]") == "missing unit character in duration");
  CHECK(lex_error("[5x]") == "bad duration syntax: \"5\"");
  CHECK(lex_error("1a") == "bad number or duration syntax: \"1\"");
  CHECK(lex_error("0a:bc") == "bad number or duration syntax: \"0\"");
}

TEST_CASE("promql lexer: identifiers, metric identifiers and comments", "[rules][promql][lexer]") {
  lexes("abc", {{T::identifier, 0, "abc"}});
  lexes("a:bc", {{T::metric_identifier, 0, "a:bc"}});
  lexes("abc d", {{T::identifier, 0, "abc"}, {T::identifier, 4, "d"}});
  lexes(":bc", {{T::metric_identifier, 0, ":bc"}});
  lexes("# some comment", {});
  lexes("5 # 1+1\n5", {{T::number, 0, "5"}, {T::number, 8, "5"}});
}

TEST_CASE("promql lexer: operators, aggregators and keywords in any case",
          "[rules][promql][lexer]") {
  const std::vector<std::pair<const char*, T>> one = {
      {"=", T::eql},
      {"==", T::eqlc},
      {"!=", T::neq},
      {"<", T::lss},
      {">", T::gtr},
      {">=", T::gte},
      {"<=", T::lte},
      {"+", T::add},
      {"-", T::sub},
      {"*", T::mul},
      {"/", T::div},
      {"^", T::pow},
      {"%", T::mod},
      {"AND", T::land},
      {"or", T::lor},
      {"unless", T::lunless},
      {"@", T::at},
      {"atan2", T::atan2},
      {"sum", T::sum},
      {"AVG", T::avg},
      {"GROUP", T::group},
      {"MAX", T::max},
      {"min", T::min},
      {"count", T::count},
      {"stdvar", T::stdvar},
      {"stddev", T::stddev},
      {"topk", T::topk},
      {"bottomk", T::bottomk},
      {"count_values", T::count_values},
      {"quantile", T::quantile},
      {"offset", T::kw_offset},
      {"by", T::kw_by},
      {"without", T::kw_without},
      {"on", T::kw_on},
      {"ignoring", T::kw_ignoring},
      {"group_left", T::kw_group_left},
      {"group_right", T::kw_group_right},
      {"bool", T::kw_bool},
      {"start", T::kw_start},
      {"end", T::kw_end},
  };
  for (const auto& [text, type] : one) lexes(text, {{type, 0, text}});
  lexes("{=}", {{T::lbrace, 0, "{"}, {T::eql, 1, "="}, {T::rbrace, 2, "}"}});
  for (const char* a : {"sum", "topk", "quantile"}) CHECK(is_aggregator(lex(a)[0].type));
  CHECK_FALSE(is_aggregator(T::kw_by));
  CHECK_FALSE(is_aggregator(T::identifier));
}

TEST_CASE("promql lexer: selectors", "[rules][promql][lexer]") {
  lexes("{foo='bar'}", {{T::lbrace, 0, "{"},
                        {T::identifier, 1, "foo"},
                        {T::eql, 4, "="},
                        {T::string, 5, "'bar'"},
                        {T::rbrace, 10, "}"}});
  lexes("{foo=\"bar\\\"bar\"}", {{T::lbrace, 0, "{"},
                                 {T::identifier, 1, "foo"},
                                 {T::eql, 4, "="},
                                 {T::string, 5, "\"bar\\\"bar\""},
                                 {T::rbrace, 15, "}"}});
  // Keywords are identifiers inside braces.
  lexes("{NaN\t!= \"bar\" }", {{T::lbrace, 0, "{"},
                               {T::identifier, 1, "NaN"},
                               {T::neq, 5, "!="},
                               {T::string, 8, "\"bar\""},
                               {T::rbrace, 14, "}"}});
  lexes("{alert=~\"bar\" }", {{T::lbrace, 0, "{"},
                              {T::identifier, 1, "alert"},
                              {T::eql_regex, 6, "=~"},
                              {T::string, 8, "\"bar\""},
                              {T::rbrace, 14, "}"}});
  lexes("{on!~\"bar\"}", {{T::lbrace, 0, "{"},
                          {T::identifier, 1, "on"},
                          {T::neq_regex, 3, "!~"},
                          {T::string, 5, "\"bar\""},
                          {T::rbrace, 10, "}"}});
}

TEST_CASE("promql lexer: subqueries and offsets", "[rules][promql][lexer]") {
  lexes("test:name{on!~\"b:ar\"}[4m:4s] offset 10m", {{T::metric_identifier, 0, "test:name"},
                                                      {T::lbrace, 9, "{"},
                                                      {T::identifier, 10, "on"},
                                                      {T::neq_regex, 12, "!~"},
                                                      {T::string, 14, "\"b:ar\""},
                                                      {T::rbrace, 20, "}"},
                                                      {T::lbracket, 21, "["},
                                                      {T::duration, 22, "4m"},
                                                      {T::colon, 24, ":"},
                                                      {T::duration, 25, "4s"},
                                                      {T::rbracket, 27, "]"},
                                                      {T::kw_offset, 29, "offset"},
                                                      {T::duration, 36, "10m"}});
  lexes("foo[5m:]", {{T::identifier, 0, "foo"},
                     {T::lbracket, 3, "["},
                     {T::duration, 4, "5m"},
                     {T::colon, 6, ":"},
                     {T::rbracket, 7, "]"}});
  CHECK(lex_error("foo[5m::]") == "unexpected colon ':'");
}

TEST_CASE("promql lexer errors are Prometheus's", "[rules][promql][lexer]") {
  CHECK(lex_error("=~") == "unexpected character after '=': '~'");
  CHECK(lex_error("!~") == "unexpected character after '!': '~'");
  CHECK(lex_error("!(") == "unexpected character after '!': '('");
  CHECK(lex_error("台北") == "unexpected character: '台'");
  CHECK(lex_error("{台北='a'}") == "unexpected character inside braces: '台'");
  CHECK(lex_error("{0a='a'}") == "unexpected character inside braces: '0'");
  CHECK(lex_error("{alert!#\"bar\"}") == "unexpected character after '!' inside braces: '#'");
  CHECK(lex_error("{foo:a=\"bar\"}") == "unexpected character inside braces: ':'");
  CHECK(lex_error("(") == "unclosed left parenthesis");
  CHECK(lex_error("(()") == "unclosed left parenthesis");
  CHECK(lex_error("())") == "unexpected right parenthesis ')'");
  CHECK(lex_error("{") == "unexpected end of input inside braces");
  CHECK(lex_error("}") == "unexpected character: '}'");
  CHECK(lex_error("{{") == "unexpected left brace '{'");
  // A bracket is followed by a duration; nothing there is a number without its unit.
  CHECK(lex_error("[") == "missing unit character in duration");
  CHECK(lex_error("[5m") == "unclosed left bracket");
  CHECK(lex_error("[[") == "missing unit character in duration");
  CHECK(lex_error("[5m[") == "unexpected left bracket '['");
  CHECK(lex_error("]") == "unexpected right bracket ']'");
  CHECK(lex_error("[]]") == "missing unit character in duration");
  // The error is the last token, at the lexer's start (after the token it emitted).
  const auto t = lex("foo + )");
  REQUIRE(t.size() == 4);
  CHECK(t[2].type == T::rparen);
  CHECK(t[3].type == T::error);
  CHECK(t[3].pos == 7);
}

TEST_CASE("promql token_desc names tokens as parse errors do", "[rules][promql][lexer]") {
  CHECK(token_desc(lex("+")[0]) == "<op:+>");
  CHECK(token_desc(lex("@")[0]) == "<op:@>");
  CHECK(token_desc(lex("sum")[0]) == "<aggr:sum>");
  CHECK(token_desc(lex("by")[0]) == "<by>");
  CHECK(token_desc(lex("foo")[0]) == "identifier \"foo\"");
  CHECK(token_desc(lex("a:b")[0]) == "metric identifier \"a:b\"");
  CHECK(token_desc(lex("1.5")[0]) == "number \"1.5\"");
  CHECK(token_desc(lex("5m")[0]) == "duration \"5m\"");
  // %.10q: the first ten runes, then quoted.
  CHECK(token_desc(lex("\"abcdefghijkl\"")[0]) == "string \"\\\"abcdefghi\"...");
  CHECK(token_desc(lex("")[0]) == "end of input");
  CHECK(token_desc(lex("(")[1]) == "error unclosed left parenthesis");
  CHECK(is_label_name("_a9"));
  CHECK_FALSE(is_label_name("9a"));
  CHECK_FALSE(is_label_name("a:b"));
  CHECK_FALSE(is_label_name(""));
}
