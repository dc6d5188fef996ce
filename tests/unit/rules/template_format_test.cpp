// Go's strconv and fmt helpers for templates (format.cpp): FormatFloat in every verb with the
// cases of Go's ftoa_test.go, Quote/QuoteRune/Unquote (quote_test.go), underscores in number
// literals, UTF-8 decoding and %#U.
#include <catch2/catch.hpp>
#include <cmath>
#include <string>

#include "rules/template/format.hpp"

using namespace sonde::rules::tmpl::gofmt;

TEST_CASE("format_float: ftoa_test.go's table", "[rules][template][format]") {
  struct Case {
    double v;
    char verb;
    int prec;
    const char* want;
  };
  const Case cases[] = {
      {1, 'e', 5, "1.00000e+00"},
      {1, 'f', 5, "1.00000"},
      {1, 'g', 5, "1"},
      {1, 'g', -1, "1"},
      {20, 'g', -1, "20"},
      {1234567.8, 'g', -1, "1.2345678e+06"},
      {200000, 'g', -1, "200000"},
      {2000000, 'g', -1, "2e+06"},
      {400, 'g', 2, "4e+02"},
      {40, 'g', 2, "40"},
      {4, 'g', 2, "4"},
      {.4, 'g', 2, "0.4"},
      {.04, 'g', 2, "0.04"},
      {.004, 'g', 2, "0.004"},
      {.0004, 'g', 2, "0.0004"},
      {.00004, 'g', 2, "4e-05"},
      {.000004, 'g', 2, "4e-06"},
      {0, 'e', 5, "0.00000e+00"},
      {0, 'f', 5, "0.00000"},
      {0, 'g', 5, "0"},
      {0, 'g', -1, "0"},
      {-1, 'e', 5, "-1.00000e+00"},
      {-1, 'f', 5, "-1.00000"},
      {12, 'e', 5, "1.20000e+01"},
      {123456700, 'e', 5, "1.23457e+08"},
      {1.2345e6, 'e', 5, "1.23450e+06"},
      {1e23, 'e', 17, "9.99999999999999916e+22"},
      {1e23, 'f', 17, "99999999999999991611392.00000000000000000"},
      {1e23, 'g', 17, "9.9999999999999992e+22"},
      {1e23, 'e', -1, "1e+23"},
      {1e23, 'f', -1, "100000000000000000000000"},
      {1e23, 'g', -1, "1e+23"},
      {1e23, 'G', -1, "1E+23"},
      {32, 'g', -1, "32"},
      {32, 'g', 0, "3e+01"},
      {100, 'x', -1, "0x1.9p+06"},
      {100, 'X', -1, "0X1.9P+06"},
      {1, 'x', 3, "0x1.000p+00"},
      {0.5, 'f', 0, "0"},  // ties to even, on the binary value
      {1.5, 'f', 0, "2"},
      {2.5, 'f', 0, "2"},
      {-0.0, 'g', -1, "-0"},
      {5e-324, 'g', -1, "5e-324"},
      {1.7976931348623157e308, 'g', -1, "1.7976931348623157e+308"},
      {INFINITY, 'g', -1, "+Inf"},
      {-INFINITY, 'f', 3, "-Inf"},
      {NAN, 'e', -1, "NaN"},
  };
  for (const auto& c : cases) {
    INFO(c.v << " " << c.verb << " " << c.prec);
    CHECK(format_float(c.v, c.verb, c.prec) == c.want);
  }
}

TEST_CASE("quote and quote_rune as strconv's", "[rules][template][format]") {
  CHECK(quote("\a\b\f\r\n\t\v") == "\"\\a\\b\\f\\r\\n\\t\\v\"");
  CHECK(quote("\"\\") == "\"\\\"\\\\\"");
  CHECK(quote("abc\xff"
              "def") == "\"abc\\xffdef\"");
  CHECK(quote("\u263a") == "\"\u263a\"");
  CHECK(quote(std::string("\x04\x00", 2)) == "\"\\x04\\x00\"");
  CHECK(quote("\x7f") == "\"\\x7f\"");
  CHECK(quote("é") == "\"é\"");
  CHECK(quote_rune(0x263a) == "'\u263a'");
  CHECK(quote_rune('\n') == "'\\n'");
  CHECK(quote_rune('\'') == "'\\''");
  CHECK(quote_rune(0x7f) == "'\\x7f'");
  CHECK(quote_rune(0x110000) == "'\xef\xbf\xbd'");  // invalid: U+FFFD
}

TEST_CASE("unquote as strconv.Unquote", "[rules][template][format]") {
  std::string out;
  CHECK(unquote("\"abc\"", out));
  CHECK(out == "abc");
  CHECK(unquote("\"\\x41\\u00e9\\101\\n\"", out));
  CHECK(out ==
        "Aé"
        "A\n");
  CHECK(unquote("`a\\n`", out));
  CHECK(out == "a\\n");
  CHECK(unquote("'a'", out));
  CHECK(out == "a");
  // (Single-quoted text reaches the parser as a character constant, never unquote().)
  for (const char* bad : {"\"a", "\"\\z\"", "`a", "a", "\"a\"b\"", "\"\n\""}) {
    INFO(bad);
    CHECK_FALSE(unquote(bad, out));
  }
  CHECK(unquote_char_constant("'a'") == 'a');
  CHECK(unquote_char_constant("'\\n'") == '\n');
  CHECK(unquote_char_constant("'\u263a'") == 0x263a);
  CHECK(unquote_char_constant("'ab'") < 0);  // more than one character
  CHECK(unquote_char_constant("''") < 0);
}

TEST_CASE("underscores in number literals, UTF-8 and %#U", "[rules][template][format]") {
  CHECK(underscore_ok("1_000"));
  CHECK(underscore_ok("0x_1F"));
  CHECK(underscore_ok("123"));
  CHECK_FALSE(underscore_ok("_1"));
  CHECK_FALSE(underscore_ok("1__0"));
  CHECK_FALSE(underscore_ok("1_"));
  std::size_t w = 0;
  CHECK(decode_rune("é", 0, w) == 0xe9);
  CHECK(w == 2);
  CHECK(decode_rune("\xff", 0, w) == 0xfffd);
  CHECK(w == 1);
  CHECK(decode_rune("a\u263a", 1, w) == 0x263a);
  CHECK(w == 3);
  std::string s;
  append_rune(s, 0x1f600);
  CHECK(s == "\U0001F600");
  CHECK(sharp_u('A') == "U+0041 'A'");
  CHECK(sharp_u(1) == "U+0001");
  CHECK(is_letter('a'));
  CHECK_FALSE(is_letter('1'));
  CHECK(is_digit('7'));
  CHECK_FALSE(is_print(0x7f));
  CHECK(is_print(' '));
}
